"""How hard a plain-language text is to read: the Flesch-Kincaid grade level.

    grade = 0.39 × (words / sentences) + 11.8 × (syllables / words) − 15.59

The grade is the years of schooling a reader needs (grade 8: a 13- to 14-year-old). Syllables are counted by
the usual rule of thumb (groups of vowels, a silent final e dropped), as readability tools do; citations and
link targets are left out, link labels kept, and each list item counts as a sentence.
"""

from __future__ import annotations

import re

_CITATION = re.compile(r"\[@[^\[\]\s]+\]")
_LINK = re.compile(r"\[(?P<label>[^\[\]]*)\]\([^()\s]*\)")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n\s*(?:[-*+]|\d+[.)])\s+")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d+(?:[.,]\d+)*")
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")
_SILENT_ENDING = re.compile(r"(?:[^laeiouy]es|[^laeiouy]ed|[^laeiouy]e)$")


def syllables(word: str) -> int:
    """The syllables of one word, by rule of thumb (a number counts as one)."""
    letters = re.sub(r"[^a-z]", "", word.lower())
    if len(letters) <= 3:
        return 1
    letters = _SILENT_ENDING.sub("", letters).removeprefix("y")
    return max(1, len(_VOWEL_GROUPS.findall(letters)))


def flesch_kincaid_grade(text: str) -> float:
    """The Flesch-Kincaid grade level of a text in the data's Markdown subset (0 for a text without words)."""
    text = _LINK.sub(lambda match: match.group("label"), _CITATION.sub("", text)).replace("*", "")
    words = _WORD.findall(text)
    if not words:
        return 0.0
    sentences = [part for part in _SENTENCE_END.split(text) if _WORD.search(part)]
    return (0.39 * len(words) / max(1, len(sentences)) + 11.8 * sum(map(syllables, words)) / len(words)
            - 15.59)
