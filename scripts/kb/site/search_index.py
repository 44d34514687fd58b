"""Search index: a lunr index of every section of every page, written with the site, so that the reader's
browser loads it instead of building it on every page load, and loads only what a query needs.

Material's search plugin cuts each page into sections (its ``search/search_index.json``: location, title,
text). :func:`write_search_index`, the one entry point, runs once after the build and writes under
``search/``:

- ``prebuilt_index.json``, loaded when a page opens: the settings Material's worker is set up with, the sorted
  vocabulary, each section's page, anchor and title, where the shards below start, and the sections that
  results list by their title only (see :data:`LONGEST_SNIPPET`), and the pages whose search boost is lowered;
- ``postings/N.json``: for a run of terms, every (field, section, score) that holds each term;
- ``texts/N.json``: the text of a run of sections, for the snippets of the results shown (empty for a section
  listed by its title only).

``docs/assets/javascripts/search-worker.js`` gives these to Material's own search worker as a lunr index
(lunr.js does the searching and scoring). Material's own file keeps its settings and loses its sections.

Words are indexed as readers type them:

- split at spaces and punctuation as Material's search splits a query (the ``separator`` in ``mkdocs.yml``),
  but not at hyphens: a hyphenated name (tisa-cel, ZUMA-3, 19-28z) is indexed whole and each part on its
  own, so that both ``tisa-cel`` and ``tisa`` find it;
- in every spelling that ``data/spellings.yaml`` pairs (leukemia, leukaemia);
- common English words are left out (lunr's stop words), except those that are also abbreviations (ALL).

How results rank: the page about a thing comes before the pages that mention it, even in their titles, and an
entity page before a page that gathers many (a comparison, an index, the glossary). Two fields of an entity
page's first section, and a boost of whole pages, do it, all from the data:

- ``names``, boosted like a title: every word of the entity's names (name, aliases, brand, abbreviation,
  registry number, the search terms readers use for it, and the abbreviation, term and synonyms of every
  glossary entry whose ``see`` names the page), so that "cytokine storm" finds the page about CRS; a page
  that is no entity's (About, Contributing, an index) takes the ``search_terms`` of its front matter
  ("report an error" for Contributing);
- ``identity``, boosted far above titles: each of those names that is one word (tisagenlecleucel, Kymriah,
  tisa-cel, AML, CAR-T, NCT02435849), whole. A page holds only its own names there, so "tisagenlecleucel" ranks
  the product first and not the trials that have the word in their titles ("CIBMTR tisagenlecleucel
  registry" is a name of three words, none of them a name of the trial on its own). Names of more words are
  left out: Material's search matches a query word as the start of a term (so ``tisa`` finds tisa-cel), and
  a long name held whole would be found by its first word ("CLL-1 CAR-T AML" by ``CLL``);
- ``named`` (not a lunr field): each of those names of two words or more, whole and lower-case, with the
  section it names; the worker lists that section first when the query is the name itself ("T-cell lymphoma
  after CAR-T", a search term of the page on second cancers, listed first the CAR-T and ATLL pages, which hold
  its words across their texts), or its words in another order without the common words ("children ALL" for
  "ALL in children") where those words name no other page;
- a page whose front matter says ``search: boost:`` (Material's setting for it) has the scores of all its
  sections multiplied by it: the templates of the pages that gather what other pages say give
  :data:`GATHERING_PAGE_BOOST`.

Scores are those of lunr's Builder with Material's settings and these boosts (a test builds a small index with
the ``lunr`` package and compares).
"""

from __future__ import annotations

import html
import json
import re
import shutil
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lunr import __TARGET_JS_VERSION__ as LUNR_VERSION
from lunr.idf import idf
from lunr.stop_word_filter import WORDS as LUNR_STOP_WORDS

from kb.model import KnowledgeBase
from kb.site.abbreviations import term_url

MATERIAL_INDEX = "search/search_index.json"
PREBUILT_INDEX = "prebuilt_index.json"  # under search/; docs/assets/javascripts/search-worker.js reads this name
# Field boosts, as Material's search plugin sets them for title and text; names count as a title, and an
# entity's own one-word names a hundred times more: enough that a name whose word is common on the site (so that
# lunr weighs it little) still outranks a title holding a rare word that the query's prefix also matches
# (car-t* matches car-t-associated).
FIELDS = {"title": 1000.0, "text": 1.0, "names": 1000.0, "identity": 100_000.0}
K1 = 1.2  # lunr's term-frequency saturation; length normalisation (b) is 0, as Material sets it
# The search boost of a page that gathers what other pages say (comparisons, type indexes, the glossary, the
# bibliography): below 1 / (K1 + 1), the most that repeating a word in one field can multiply its score by, so
# that a page naming a drug in twenty rows of a table still ranks below a page that names it once in the same place.
GATHERING_PAGE_BOOST = 0.4
# Shard sizes: a query loads the postings of the terms it matches and the text of the sections it shows.
POSTINGS_PER_SHARD = 5_000  # postings (a field of a section holding a term), about 60 KB
TEXT_PER_SHARD = 32_000  # characters of section text
# A section whose text is longer (a bibliography page, a comparison table, a long reference list) is listed in
# results by its title only: its snippet would be a wall of text (and highlighting it takes the browser long).
LONGEST_SNIPPET = 10_000  # characters
# Stop words that are also abbreviations a reader searches for (ALL: acute lymphoblastic leukemia).
STOP_WORDS = frozenset(LUNR_STOP_WORDS - {"all"})
_TAG = re.compile(r"<[^>]*>")
_NAME_FIELDS = ("name", "aliases", "search_terms", "brand", "abbreviation", "nct")


# --- What search leaves out of a page ----------------------------------------------------------------------

_TAB_LABELS = '<div class="tabbed-labels">'


def leave_tab_labels_out(page_html: str) -> str:
    """``page_html`` with the labels of its content tabs ("For patients and families", "For clinicians") marked
    for Material's search to leave out (``data-search-exclude``): on every entity page they would open the
    first section's snippet in each result, run together as one line."""
    return page_html.replace(_TAB_LABELS, '<div class="tabbed-labels" data-search-exclude>')


# --- Words ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Spellings:
    """Word starts spelled two ways (data/spellings.yaml), each mapped to the other, and one pattern that finds
    any of them at the start of a word (one match per word, where a loop over the pairs was most of the time)."""

    other: dict[str, str]
    starts: re.Pattern[str]


def spelling_pairs(spellings: dict[str, str]) -> Spellings:
    """The spellings of ``data/spellings.yaml`` (American start -> British start), both ways."""
    other = {**spellings, **{british: american for american, british in spellings.items()}}
    alternatives = sorted(map(re.escape, other), key=len, reverse=True) or ["(?!)"]  # (?!) matches nothing
    return Spellings(other, re.compile("|".join(alternatives)))


class Terms:
    """The terms the index holds for a text (plain text, or HTML whose tags are skipped), in order.

    Lower-case, split at ``separator``; a hyphenated word whole and then each of its parts; a word that starts
    with a spelling ``spellings`` pairs, also in the other spelling, and a hyphenated word also whole with its
    parts so spelled (graft-versus-leukaemia), and a name of short parts without its hyphens (zuma3); no stop
    words and no single letters. The terms of each word are
    worked out once and remembered (a site has a few thousand words and millions of uses).
    """

    def __init__(self, separator: re.Pattern[str], spellings: Spellings | None = None):
        self.separator = separator
        self.spellings = spellings
        self._of_word: dict[str, list[str]] = {}

    def __call__(self, text: str) -> list[str]:
        terms: list[str] = []
        for word in _raw_words(text, self.separator):
            found = self._of_word.get(word)
            if found is None:
                found = self._of_word[word] = self._of(word.strip("-"))
            terms += found
        return terms

    def _of(self, word: str) -> list[str]:
        terms: list[str] = []
        for form in [word, *word.split("-")] if "-" in word else [word]:
            if form and form not in STOP_WORDS and (len(form) > 1 or form.isdigit()):
                terms += spelled(form, self.spellings)
        if "-" in word and (respelled := respelled_compound(word, self.spellings)) not in terms:
            terms.append(respelled)
        if "-" in word and _is_short_name(word) and (joined := word.replace("-", "")) not in terms:
            terms.append(joined)  # written without its hyphens, as readers type names: zuma3, tisacel, cart19
        return terms


def _is_short_name(word: str) -> bool:
    """A hyphenated name of short parts (ZUMA-3, tisa-cel, T-ALL, 19-28z), which readers also type joined; not a
    compound of words (graft-versus-host, non-relapse), whose joined form no one types."""
    parts = word.split("-")
    return len(parts) > 1 and all(0 < len(part) <= 5 for part in parts)


def words(text: str, separator: re.Pattern[str], spellings: Spellings | None = None) -> list[str]:
    """The terms of one text (see :class:`Terms`)."""
    return Terms(separator, spellings)(text)


def one_word_names(names: Iterable[str], separator: re.Pattern[str], spellings: Spellings | None = None) -> list[str]:
    """The terms of the ``identity`` field: each name that is one word (hyphens included), whole and lower-case,
    in both spellings, each once; names of more words are left out."""
    terms: dict[str, None] = {}
    for name in names:
        parts = _split(name, separator)
        if len(parts) == 1:
            terms.update(dict.fromkeys(spelled(parts[0], spellings)))
    return list(terms)


def respelled_compound(word: str, spellings: Spellings | None) -> str:
    """``word`` with each of its hyphenated parts in its other spelling, where it has one (graft-versus-leukemia:
    graft-versus-leukaemia)."""
    return "-".join(spelled(part, spellings)[-1] for part in word.split("-"))


def spelled(term: str, spellings: Spellings | None) -> list[str]:
    """``term``, and the same term in its other spelling if it starts with one that ``spellings`` pairs."""
    start = spellings.starts.match(term) if spellings else None
    return [term, spellings.other[start.group()] + term[start.end():]] if start else [term]


def _split(text: str, separator: re.Pattern[str]) -> list[str]:
    """The words of ``text`` (HTML tags skipped), lower-case, without hyphens at either end."""
    return [word for word in (raw.strip("-") for raw in _raw_words(text, separator)) if word]


def _raw_words(text: str, separator: re.Pattern[str]) -> list[str]:
    """``text`` (HTML tags skipped, character references read) lower-case, split at ``separator``: hyphens at
    either end of a word are kept, and empty strings left where separators meet or end the text."""
    return separator.split(html.unescape(_TAG.sub(" ", text)).lower())


# --- What the data says about names --------------------------------------------------------------------------

def page_names(knowledge_base: KnowledgeBase) -> dict[str, list[str]]:
    """Entity page URL -> the names a reader may search it by: the entity's own (name, aliases, search terms,
    brand, abbreviation, registry number) and those of the glossary entries that point to it (``see``); and for
    a glossary entry that points to no page, the URL of its own section on the glossary -> its abbreviation, term
    and synonyms, so that a synonym finds the definition of a term no page is about."""
    names: dict[str, list[str]] = {}
    for entity in knowledge_base.entities.values():
        names[entity.url] = list(_values(entity.data.get(field) for field in _NAME_FIELDS))
    for abbreviation, entry in knowledge_base.glossary.items():
        target = knowledge_base.entities.get(entry.get("see", ""))
        url = target.url if target is not None else term_url(abbreviation)
        names.setdefault(url, []).extend([abbreviation, entry["term"], *entry.get("synonyms", [])])
    return names


def _values(values: Iterable[Any]) -> Iterator[str]:
    """The strings among ``values`` and in the lists among them (a field may hold a name or a list of names)."""
    for value in values:
        if isinstance(value, str):
            yield value
        elif isinstance(value, list):
            yield from (item for item in value if isinstance(item, str))


# --- The index ---------------------------------------------------------------------------------------------

def term_scores(documents: list[dict[str, list[str]]], fields: dict[str, float] = FIELDS,
                boosts: list[float] | None = None) -> dict[str, list[tuple[int, int, float]]]:
    """Term -> (field number, document number, score) for every field of every document that holds it.

    The scores of lunr's Builder with ``b(0)``, these field boosts and these document boosts (``boosts``, one a
    document, 1 if not given), the weights of its field vectors: idf x (k1 + 1) tf / (k1 + tf) x field boost x
    document boost, rounded as lunr rounds them. Counted here in one pass because the lunr package's Builder
    takes about a second per thousand sections.
    """
    postings: dict[str, list[tuple[int, int, int]]] = {}  # term -> (field, document, term frequency)
    field_boosts = list(fields.values())
    for number, document in enumerate(documents):
        for field_number, field in enumerate(fields):
            for term, frequency in Counter(document.get(field, ())).items():
                postings.setdefault(term, []).append((field_number, number, frequency))
    count = len(documents)
    boosts = boosts or [1.0] * count
    scores = {}
    for term, found in postings.items():
        # lunr's idf, which counts a term once for each field of each document that holds it
        weight = idf({"postings": dict.fromkeys(range(len(found)))}, count)
        scores[term] = [(field, number,
                         round(weight * (K1 + 1) * tf / (K1 + tf) * field_boosts[field] * boosts[number], 3))
                        for field, number, tf in found]
    return scores


def shards(sizes: list[int], limit: int) -> list[int]:
    """Where each shard starts, cutting a run of items of these sizes into shards of about ``limit`` each."""
    starts, total = [0], 0
    for position, size in enumerate(sizes):
        if total and total + size > limit:
            starts.append(position)
            total = 0
        total += size
    return starts


def index_documents(sections: list[dict[str, Any]], names: dict[str, list[str]], separator: re.Pattern[str],
                    spellings: Spellings | None) -> list[dict[str, list[str]]]:
    """The terms of each of Material's sections, field by field; a page's first section with the page's names,
    every word of them (``names``) and those of one word whole (``identity``); a glossary entry's section with
    every word of its names (the page about a thing, where there is one, comes first: it holds them whole)."""
    terms = Terms(separator, spellings)
    documents = []
    for section in sections:
        document = {"title": terms(section["title"]), "text": terms(section["text"])}
        if section["location"] in names:
            document["names"] = terms(" ".join(names[section["location"]]))
            if "#" not in section["location"]:  # a page's names, not a glossary entry's: it is about the thing
                document["identity"] = one_word_names(names[section["location"]], separator, spellings)
        documents.append(document)
    return documents


def named_sections(sections: list[dict[str, Any]], names: dict[str, list[str]], spellings: Spellings | None = None
                   ) -> dict[str, list[int]]:
    """Each name of two words or more, lower-case with single spaces (in both spellings), -> the numbers of the
    sections it names: the first section of the page it names (or a glossary entry's section)."""
    named: dict[str, list[int]] = {}
    for number, section in enumerate(sections):
        for name in names.get(section["location"], []):
            words = name.lower().split()
            if len(words) >= 2:
                for phrase in dict.fromkeys([" ".join(words), " ".join(spelled(w, spellings)[-1] for w in words)]):
                    named.setdefault(phrase, []).append(number)
    return named


def index_files(sections: list[dict[str, Any]], documents: list[dict[str, list[str]]],
                named: dict[str, list[int]] | None = None) -> dict[str, Any]:
    """File path under ``search/`` -> its JSON: the index the worker loads first (with the sections that names
    of several words name, ``named``), and the shards it loads as a query needs them (postings of a range of
    terms; texts of a range of sections)."""
    scores = term_scores(documents, boosts=[float(section.get("boost", 1)) for section in sections])
    terms = sorted(scores)
    term_starts = shards([len(scores[term]) for term in terms], POSTINGS_PER_SHARD)
    title_only = [number for number, section in enumerate(sections) if len(section["text"]) > LONGEST_SNIPPET]
    texts = [readable(section["text"]) for section in sections]
    for number in title_only:
        texts[number] = ""  # never shown: the result lists the section by its title
    text_starts = shards([len(text) for text in texts], TEXT_PER_SHARD)
    located = _located(sections)
    files: dict[str, Any] = {PREBUILT_INDEX: {
        "lunr": LUNR_VERSION, "fields": list(FIELDS), "terms": terms, "termShards": term_starts,
        "textShards": text_starts, **located, "titleOnly": title_only,
        "lowered": lowered_pages(sections, located["sections"]), "named": named or {}}}
    for shard, (start, end) in enumerate(zip(term_starts, [*term_starts[1:], len(terms)], strict=True)):
        files[f"postings/{shard}.json"] = [[value for posting in scores[term] for value in posting]
                                           for term in terms[start:end]]
    for shard, (start, end) in enumerate(zip(text_starts, [*text_starts[1:], len(sections)], strict=True)):
        files[f"texts/{shard}.json"] = texts[start:end]
    return files


_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+(?=[.,;:!?)](?:\s|<|$))")
_SPACES = re.compile(r"  +")


def readable(text: str) -> str:
    """A section's text as a search result shows it: without the space that stood before a citation mark (which
    search leaves out) where punctuation follows, or next to another space ("origin 1, 2." reads "origin .")."""
    return _SPACES.sub(" ", _SPACE_BEFORE_PUNCTUATION.sub("", text))


def lowered_pages(sections: list[dict[str, Any]], located: list[list[Any]]) -> list[int]:
    """The numbers of the pages (as :func:`_located` numbers them, ``located`` being its sections) whose front
    matter lowers their search boost below 1: the pages that gather what other pages say, and the pages for curators
    and maintainers (Rules, Contributing, Performance). The worker lists them after the reader pages that hold every
    word of a query (readerPagesFirst in the worker)."""
    return sorted({page for (page, _, _), section in zip(located, sections, strict=True)
                   if float(section.get("boost", 1)) < 1})


def _located(sections: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Each section as [its page's number, the anchor after the page's URL, its title], and the pages' URLs:
    a page's URL, written once rather than for each of its sections, was a third of the first file."""
    pages: dict[str, int] = {}
    located = []
    for section in sections:
        page, anchor, title = *section["location"].partition("#")[::2], section["title"]
        located.append([pages.setdefault(page, len(pages)), f"#{anchor}" if anchor else "", title])
    return {"pages": list(pages), "sections": located}


def write_search_index(site_dir: Path, knowledge_base: KnowledgeBase, *, suggest: bool,
                       page_search_terms: dict[str, list[str]] | None = None) -> None:
    """Write the search index from the sections Material's search plugin wrote, and keep only the settings in
    Material's file (its page script reads them). The worker is set up from ours: the same settings (and
    whether the theme suggests how to complete the last word, ``suggest``) and the sections. Pages that are not
    an entity's are named by the ``search_terms`` of their front matter (``page_search_terms``: URL -> terms)."""
    material_path = site_dir / MATERIAL_INDEX
    material = json.loads(material_path.read_text(encoding="utf-8"))
    sections = material["docs"]
    separator = re.compile(material["config"]["separator"])
    names, spellings = page_names(knowledge_base), spelling_pairs(knowledge_base.spellings)
    for url, terms in (page_search_terms or {}).items():
        names.setdefault(url, []).extend(terms)
    documents = index_documents(sections, names, separator, spellings)
    folder = material_path.parent
    for stale in ("postings", "texts"):
        shutil.rmtree(folder / stale, ignore_errors=True)
        (folder / stale).mkdir()
    files = index_files(sections, documents, named_sections(sections, names, spellings))
    files[PREBUILT_INDEX]["setup"] = {"config": material["config"], "options": {"suggest": suggest}}
    for path, data in files.items():
        (folder / path).write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
    material["docs"] = []
    material_path.write_text(json.dumps(material, separators=(",", ":")), encoding="utf-8")


def read_sections(site_dir: Path) -> list[dict[str, str]]:
    """Every section of a built site's search index, as Material's search plugin listed it, but with no text for a
    section that results list by its title only (for tests)."""
    folder = site_dir / MATERIAL_INDEX
    first = json.loads((folder.parent / PREBUILT_INDEX).read_text(encoding="utf-8"))
    texts = [text for shard in range(len(first["textShards"]))
             for text in json.loads((folder.parent / f"texts/{shard}.json").read_text(encoding="utf-8"))]
    return [{"location": first["pages"][page] + anchor, "title": title, "text": text}
            for (page, anchor, title), text in zip(first["sections"], texts, strict=True)]
