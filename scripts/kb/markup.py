"""The syntax of the Markdown subset data text may use, defined once for the validator and the renderer.

``[label](target)`` links (``![…](…)`` would be an image) and ``[@source-id]`` citations.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

LINK = re.compile(r"(?P<image>!?)\[(?P<label>[^\]]*)\]\(\s*(?P<target>[^)\s]*)[^)]*\)")
CITATION = re.compile(r"\[@(?P<cite>[^\]\s]+)\]")
LINK_OR_CITATION = re.compile(f"{CITATION.pattern}|{LINK.pattern}")
ENTITY_PREFIX = "id:"

# The same two patterns, starting at the "[" (an image's "!" is looked for before it). A pattern that starts
# with a fixed character is searched for several times faster: the engine skips to that character instead of
# trying a match at every position, and most data text is searched for links.
_LINK_AT_BRACKET = re.compile(r"(?P<image>)\[(?P<label>[^\]]*)\]\(\s*(?P<target>[^)\s]*)[^)]*\)")
_LINK_OR_CITATION_AT_BRACKET = re.compile(
    r"\[(?:@(?P<cite>[^\]\s]+)\]|(?P<image>)(?P<label>[^\]]*)\]\(\s*(?P<target>[^)\s]*)[^)]*\))")


def links_in(text: str) -> Iterator[re.Match[str]]:
    """The matches of ``LINK.finditer(text)``, found faster."""
    return _matches(_LINK_AT_BRACKET, LINK, text)


def links_and_citations_in(text: str) -> Iterator[re.Match[str]]:
    """The matches of ``LINK_OR_CITATION.finditer(text)``, found faster."""
    return _matches(_LINK_OR_CITATION_AT_BRACKET, LINK_OR_CITATION, text)


def link_labels_only(text: str) -> str:
    """``text`` with each link (or image) replaced by its label."""
    parts, position = [], 0
    for match in links_in(text):
        parts += (text[position:match.start()], match.group("label"))
        position = match.end()
    return "".join(parts) + text[position:] if parts else text


def _matches(at_bracket: re.Pattern[str], pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    # ``pattern`` can only match at a "[", or at a "!" just before one, where it is tried first: so where
    # ``at_bracket`` matches after a "!", ``pattern`` itself is matched from the "!" (and gives that match if
    # there is one). No match ends in "!", so that "!" is never part of the previous match.
    position = 0
    while (match := at_bracket.search(text, position)) is not None:
        start = match.start()
        if text[start - 1:start] == "!":
            match = pattern.match(text, start - 1) or match
        yield match
        position = match.end()
