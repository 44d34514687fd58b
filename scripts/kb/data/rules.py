"""The rules JSON Schema cannot express, one small function each.

The schemas mark where three of them apply:

- ``x-references: <type>``: the string is the id of an existing entity of that type (or ``source``);
- ``x-text: plain | markdown``: the text is safe to publish and uses only the allowed Markdown subset;
- ``x-not-future: true``: the date is not later than today.

The others apply to every file: every string is free of control and invisible formatting characters, every
table has one cell per column, a review is less than a year old, the first line names the file's schema.
Each rule returns messages (or problems); :mod:`kb.data.validate` pins them to the node at fault.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from kb.data.load import Document, JsonPath
from kb.data.markup import CITATION, ENTITY_PREFIX, links_in, markup_problems
from kb.problems import Problem

STALE_AFTER_DAYS = 365

# --- x-references -------------------------------------------------------------------------------------------


@dataclass
class IdIndex:
    """Every id the data defines, and the ids of files that could not be read (references to them are
    not checked, so that one broken file does not bring a flood of errors elsewhere)."""

    types: dict[str, str] = field(default_factory=dict)  # entity id -> type name
    sources: set[str] = field(default_factory=set)
    source_kinds: dict[str, str] = field(default_factory=dict)  # source id -> its kind (pubmed, news, ...)
    entity_types: set[str] = field(default_factory=set)  # every type name a schema declares
    unreadable_ids: set[str] = field(default_factory=set)
    sources_unreadable: bool = False
    skipped: int = 0  # references not checked for that reason

    def can_check(self, value: str, target_type: str) -> bool:
        if target_type == "source":
            unchecked = self.sources_unreadable
        else:
            unchecked = value in self.unreadable_ids or target_type not in self.entity_types | {"entity"}
        self.skipped += unchecked
        return not unchecked


def reference_problem(ids: IdIndex, value: str, target_type: str) -> str | None:
    """Why ``value`` does not name an entity of ``target_type`` (or a source); None if it does."""
    if not ids.can_check(value, target_type):
        return None
    if target_type == "source":
        return None if value in ids.sources else \
            f"source '{value}' is not in data/sources.yaml{_did_you_mean(value, ids.sources)}"
    actual = ids.types.get(value)
    if actual is None:
        candidates = [i for i, t in ids.types.items() if target_type in ("entity", t)]
        return f"{target_type} '{value}' is not defined{_did_you_mean(value, candidates)}"
    if target_type not in ("entity", actual):
        return f"'{value}' is a {actual}, not a {target_type}"
    return None


def _did_you_mean(value: str, candidates: set[str] | list[str]) -> str:
    match = difflib.get_close_matches(value, sorted(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


def references_in_markdown(text: str) -> Iterator[tuple[str, str]]:
    """The (id, type) pairs a Markdown text refers to: entity links and source citations."""
    for match in links_in(text):
        if match.group("target").startswith(ENTITY_PREFIX):
            yield match.group("target").removeprefix(ENTITY_PREFIX), "entity"
    for match in CITATION.finditer(text) if "[@" in text else ():
        yield match.group("cite"), "source"


# --- x-text -------------------------------------------------------------------------------------------------

# Markup the renderer would escape, but whose presence says the text was pasted from somewhere it should not be.
_FORBIDDEN_MARKUP = [
    (re.compile(r"<[A-Za-z!?/]"), "raw HTML is not allowed (found '{found}…'); use the Markdown subset"),
    (re.compile(r"\{[:#.]"), "attribute-list syntax '{: …}' is not allowed"),
    (re.compile(r"-{1,2}8<-{1,2}"), "snippet markers '--8<--' are not allowed"),
    (re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}"), "template syntax ('{{', '{%', '{#') is not allowed"),
    (re.compile(r"\[\^"), "footnotes are not allowed; cite sources as [@source-id]"),
    (re.compile(r"^[ \t]*(?:(?:[-*+]|[0-9]+[.)])[ \t]+)*\[[^\]]+\]:", re.MULTILINE),
     "reference-style link definitions are not allowed; use [text](https://…)"),
]


# At most this many of each character that opens markup in one text. Real texts hold a few dozen; Python-Markdown
# takes time that grows with the square of their number, so thousands would make a page take minutes to build.
MAX_MARKUP_CHARACTERS = 150
_MARKUP_CHARACTERS = "[*`<"


def text_problems(text: str, kind: str) -> Iterator[str]:
    """Why ``text`` is not fit to publish as ``kind`` ('plain' or 'markdown') text; nothing if it is fine."""
    if text.lstrip().startswith("TODO"):
        yield "placeholder 'TODO' not filled in"
        return
    crowded = [character for character in _MARKUP_CHARACTERS if text.count(character) > MAX_MARKUP_CHARACTERS]
    if crowded:
        yield (f"more than {MAX_MARKUP_CHARACTERS} '{crowded[0]}' characters in one text; split it, or check that "
               "it was pasted as intended")
        return
    for pattern, message in _FORBIDDEN_MARKUP:
        found = pattern.search(text)
        if found:
            yield message.replace("{found}", found.group(0).strip())
    if kind == "plain":
        if next(links_in(text), None) or CITATION.search(text):
            yield "links and citations are not allowed in a plain-text field"
        return
    yield from markup_problems(text)
    for match in links_in(text):
        yield from _link_problems(match.group("target"), image=bool(match.group("image")))


_ENTITY_LINK = re.compile(re.escape(ENTITY_PREFIX) + r"[a-z0-9]+(-[a-z0-9]+)*")


def _link_problems(target: str, *, image: bool) -> Iterator[str]:
    """Links in text go to https:// pages or to other entities (id:entity-id); images are not allowed."""
    if image:
        yield "images are not allowed in text"
    elif not ((target.startswith("https://") and len(target) > len("https://")) or _ENTITY_LINK.fullmatch(target)):
        yield (f"link target '{target}' is not allowed; links in text go to https://… pages or to entities as "
               "id:entity-id")


# --- every string -------------------------------------------------------------------------------------------

# C0 and C1 control characters but the line feed (a text's line breaks), and invisible formatting characters
# (zero-width spaces and joiners, line and paragraph separators, bidirectional overrides, the byte-order mark)
# that can disguise a name or id.
_HIDDEN = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def character_problem(text: str) -> str | None:
    """Why ``text`` (any value or key) holds a character that has no place in data; None if it holds none."""
    found = _HIDDEN.search(text)
    if found is None:
        return None
    code = f"U+{ord(found.group(0)):04X}"
    return f"control or invisible character {code} is not allowed (at character {found.start() + 1})"


def strings_in(value: Any, path: JsonPath = ()) -> Iterator[tuple[JsonPath, str, bool]]:
    """Every string in a document, keys included: (path, text, whether it is a key)."""
    if isinstance(value, str):
        yield path, value, False
    elif isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key), key, True
            yield from strings_in(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from strings_in(item, (*path, index))


# --- x-not-future -------------------------------------------------------------------------------------------

def future_date_problem(value: str, today: dt.date) -> str | None:
    """Why the date ``value`` cannot be right: it is after today. (Its form is the schema's business.)"""
    try:
        when = dt.date.fromisoformat(value)
    except ValueError:
        return None
    return f"date {value} is in the future (today is {today.isoformat()})" if when > today else None


# --- whole files --------------------------------------------------------------------------------------------

def table_problems(document: Document, value: Any = None, path: JsonPath = ()) -> Iterator[Problem]:
    """A table (a mapping with ``columns`` and ``rows``) has one cell per column in every row: JSON Schema
    cannot compare two lengths, and an unquoted comma silently splits a cell in two."""
    value = document.data if not path else value
    if isinstance(value, dict):
        columns, rows = value.get("columns"), value.get("rows")
        if isinstance(columns, list) and isinstance(rows, list):
            for index, row in enumerate(rows):
                if isinstance(row, list) and len(row) != len(columns):
                    yield document.problem((*path, "rows", index), f"{field_name((*path, 'rows', index))}: has "
                                           f"{len(row)} cells but the table has {len(columns)} columns "
                                           "(quote cells that hold commas)")
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in children:
        yield from table_problems(document, child, (*path, key))


def review_problems(document: Document, today: dt.date) -> Iterator[Problem]:
    """A warning when the entity was last reviewed more than a year ago."""
    reviewed = document.data.get("last_reviewed")
    try:
        when = dt.date.fromisoformat(reviewed) if isinstance(reviewed, str) else None
    except ValueError:
        return
    if when and (today - when).days > STALE_AFTER_DAYS:
        yield document.problem(("last_reviewed",), f"last reviewed {reviewed}, more than 12 months ago; "
                                                   "re-check the page against its sources", severity="warning")


def first_line_problems(document: Document, schema_path: str) -> Iterator[Problem]:
    """A warning when the first line does not name the schema (editors use it to check as you type)."""
    expected = f"# yaml-language-server: $schema={schema_path}"
    if document.first_line.strip() != expected:
        yield Problem(document.shown_path, 1, 1, f"the first line should be '{expected}' so that editors "
                                                 "check the file as you type", "warning")


# A figure rests on a primary source when one of its sources is of these kinds (see sources.schema.json).
PRIMARY_SOURCE_KINDS = {"pubmed", "doi", "trial-registry", "regulator", "guideline"}


def secondary_figure_problems(document: Document, source_kinds: dict[str, str]) -> Iterator[Problem]:
    """A note for each figure whose sources are all secondary (news, press releases, web pages…) unless its
    evidence level says so: the paper, label or registry record should be cited where one exists. A note, not a
    warning: most such figures cite a paper whose PubMed ID or DOI is not recorded yet (a backlog the
    Contributing page describes), which --strict must not turn into a failed build."""
    figures = document.data.get("figures")
    for index, figure in enumerate(figures if isinstance(figures, list) else []):
        sources = figure.get("sources") if isinstance(figure, dict) else None
        if not isinstance(sources, list) or not sources or figure.get("evidence_level") == "secondary-report":
            continue
        kinds = [source_kinds.get(source) for source in sources]
        if None in kinds or PRIMARY_SOURCE_KINDS.intersection(kinds):
            continue
        shown = ", ".join(sorted(set(kinds)))
        yield document.problem(("figures", index, "sources"),
                               f"figures[{index}].sources: every source is secondary ({shown}); cite the paper, "
                               "label or registry record, or, if none exists, set evidence_level: secondary-report",
                               severity="note")


def field_name(path: JsonPath) -> str:
    """A JSON path as a curator reads it: ``figures[0].n``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
