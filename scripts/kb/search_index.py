"""Search index: a lunr index of every section of every page, written with the site, so that the reader's
browser loads it instead of building it on every page load.

Material's search plugin cuts each page into sections (its ``search/search_index.json``: location, title,
text). :func:`write_search_index`, the one entry point, runs once after the build and turns them into
``search/prebuilt_index.json``: a lunr.js index of the sections and the sections themselves, which
``docs/assets/javascripts/search-worker.js`` hands to Material's own search worker. Material's file keeps
its settings and loses its sections, which the page would otherwise download twice.

Words are indexed as readers type them:

- split at spaces and punctuation as Material's search splits a query (the ``separator`` in ``mkdocs.yml``),
  but not at hyphens: a hyphenated name (tisa-cel, ZUMA-3, 19-28z) is indexed whole and each part on its
  own, so that both ``tisa-cel`` and ``tisa`` find it;
- in every spelling that ``data/spellings.yaml`` pairs (leukemia, leukaemia);
- the first section of an entity page also gets a ``names`` field, boosted like a title: the entity's
  name, aliases, brand, abbreviation and registry number, and the abbreviation, term and synonyms of every
  glossary entry that points to the page. The page about a thing so ranks above pages that mention it;
- common English words are left out (lunr's stop words), except those that are also abbreviations (ALL).

The index is lunr's format, written by the ``lunr`` package; its scores are lunr's (BM25 as lunr's Builder
computes them, with Material's settings), counted here in one pass because the package's Builder takes
about a second per thousand sections (a test builds a small index both ways and compares them).
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from lunr.idf import idf
from lunr.index import Index
from lunr.pipeline import Pipeline
from lunr.stop_word_filter import WORDS as LUNR_STOP_WORDS
from lunr.vector import Vector

from kb.model import KnowledgeBase

MATERIAL_INDEX = "search/search_index.json"
PREBUILT_INDEX = "search/prebuilt_index.json"  # docs/assets/javascripts/search-worker.js reads this name
# Field boosts, as Material's search plugin sets them for title and text; names count as a title.
FIELDS = {"title": 1000.0, "text": 1.0, "names": 1000.0}
K1 = 1.2  # lunr's term-frequency saturation; length normalisation (b) is 0, as Material sets it
# Stop words that are also abbreviations a reader searches for (ALL: acute lymphoblastic leukemia).
STOP_WORDS = frozenset(LUNR_STOP_WORDS - {"all"})
_TAG = re.compile(r"<[^>]*>")
_NAME_FIELDS = ("name", "aliases", "brand", "abbreviation", "nct")


# --- Words ---------------------------------------------------------------------------------------------------

def words(text: str, separator: re.Pattern[str], spellings: dict[str, str] | None = None) -> list[str]:
    """The terms the index holds for ``text`` (plain text, or HTML whose tags are skipped), in order.

    Lower-case, split at ``separator``; a hyphenated word whole and then each of its parts; a word that starts
    with a spelling ``spellings`` pairs, also in the other spelling; no stop words and no single letters.
    """
    terms: list[str] = []
    for word in separator.split(html.unescape(_TAG.sub(" ", text)).lower()):
        word = word.strip("-")
        forms = [word, *word.split("-")] if "-" in word else [word]
        for form in forms:
            if form and form not in STOP_WORDS and (len(form) > 1 or form.isdigit()):
                terms.append(form)
                if spellings:
                    terms.extend(_other_spellings(form, spellings))
    return terms


def _other_spellings(word: str, spellings: dict[str, str]) -> Iterator[str]:
    """``word`` in each other spelling: ``spellings`` maps a word start to its other spelling, both ways."""
    for start, other in spellings.items():
        if word.startswith(start):
            yield other + word[len(start):]


def spelling_pairs(spellings: dict[str, str]) -> dict[str, str]:
    """The spellings of ``data/spellings.yaml`` (American start -> British start) in both directions."""
    return {**spellings, **{british: american for american, british in spellings.items()}}


# --- What the data says about names --------------------------------------------------------------------------

def page_names(knowledge_base: KnowledgeBase) -> dict[str, list[str]]:
    """Entity page URL -> the names a reader may search it by: the entity's own (name, aliases, brand,
    abbreviation, registry number) and those of the glossary entries that point to it (``see``)."""
    names: dict[str, list[str]] = {}
    for entity in knowledge_base.entities.values():
        names[entity.url] = list(_values(entity.data.get(field) for field in _NAME_FIELDS))
    for abbreviation, entry in knowledge_base.glossary.items():
        target = knowledge_base.entities.get(entry.get("see", ""))
        if target is not None:
            names[target.url] += [abbreviation, entry["term"], *entry.get("synonyms", [])]
    return names


def _values(values: Iterable[Any]) -> Iterator[str]:
    for value in values:
        if isinstance(value, str):
            yield value
        elif isinstance(value, list):
            yield from (item for item in value if isinstance(item, str))


# --- The index -----------------------------------------------------------------------------------------------

def lunr_index(documents: list[dict[str, list[str]]], fields: dict[str, float] = FIELDS) -> dict[str, Any]:
    """lunr's serialised index of ``documents`` (field -> terms); document ``i`` has the ref ``str(i)``.

    What lunr's Builder makes of the same terms with ``b(0)`` and these field boosts: every term numbered in
    the order first seen, a posting per field and document, and per field of each document a vector of
    idf x (k1 + 1) tf / (k1 + tf) x boost. Empty vectors are left out: a search only reads matching ones.
    """
    inverted: dict[str, dict[str, Any]] = {}
    counted: list[tuple[str, str, Counter[str]]] = []
    for number, document in enumerate(documents):
        ref = str(number)
        for field in fields:
            counts = Counter(document.get(field, ()))
            counted.append((ref, field, counts))
            for term in counts:
                posting = inverted.get(term)
                if posting is None:
                    posting = inverted[term] = {"_index": len(inverted), **{name: {} for name in fields}}
                posting[field][ref] = {}
    idfs = {term: idf(posting, len(documents)) for term, posting in inverted.items()}
    vectors: dict[str, Vector] = {}
    for ref, field, counts in counted:
        if counts:
            weights = sorted((inverted[term]["_index"], idfs[term] * (K1 + 1) * tf / (K1 + tf) * fields[field])
                             for term, tf in counts.items())
            vectors[f"{field}/{ref}"] = Vector([number for pair in weights for number in pair])
    return Index(inverted, vectors, None, list(fields), Pipeline()).serialize()


def index_documents(sections: list[dict[str, Any]], names: dict[str, list[str]], separator: re.Pattern[str],
                    spellings: dict[str, str]) -> list[dict[str, list[str]]]:
    """The terms of each of Material's sections, field by field; a page's first section with the page's names."""
    documents = []
    for section in sections:
        document = {"title": words(section["title"], separator, spellings),
                    "text": words(section["text"], separator, spellings)}
        if section["location"] in names:
            document["names"] = words(" ".join(names[section["location"]]), separator, spellings)
        documents.append(document)
    return documents


def write_search_index(site_dir: Path, knowledge_base: KnowledgeBase) -> None:
    """Write ``search/prebuilt_index.json`` from the sections Material's search plugin wrote, and keep only
    the settings in Material's file (its page script reads them; the worker gets the sections from ours)."""
    material_path = site_dir / MATERIAL_INDEX
    material = json.loads(material_path.read_text(encoding="utf-8"))
    sections = material["docs"]
    separator = re.compile(material["config"]["separator"])
    documents = index_documents(sections, page_names(knowledge_base), separator,
                                spelling_pairs(knowledge_base.spellings))
    prebuilt = {"index": lunr_index(documents), "docs": sections}
    (site_dir / PREBUILT_INDEX).write_text(json.dumps(prebuilt, separators=(",", ":")), encoding="utf-8")
    material["docs"] = []
    material_path.write_text(json.dumps(material, separators=(",", ":")), encoding="utf-8")
