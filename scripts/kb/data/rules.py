"""The rules JSON Schema cannot express, one small function each.

The schemas mark where three of them apply:

- ``x-references: <type>``: the string is the id of an existing entity of that type (or ``source``);
- ``x-text: plain | markdown``: the text is safe to publish and uses only the allowed Markdown subset;
- ``x-not-future: true``: the date is not later than today.

The others apply to every file: every string is free of control and invisible formatting characters, every
table has one cell per column, a review is less than a year old, the first line names the file's schema, and no
text that readers see holds a field's name (as_of) instead of words.
Plausibility rules, last, give warnings: a count larger than the number it is drawn from, dates in an impossible
order, a survival figure without follow-up, a plain-language summary above its reading level.
Each rule returns findings (or problems), each with its rule code (:mod:`kb.codes`); :mod:`kb.data.validate`
pins them to the node at fault.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from kb.data.load import Document, JsonPath
from kb.data.markup import CITATION, ENTITY_PREFIX, links_in, markup_problems
from kb.data.readability import flesch_kincaid_grade
from kb.problems import Finding, Problem

STALE_AFTER_DAYS = 365

# --- x-references -------------------------------------------------------------------------------------------


@dataclass
class IdIndex:
    """Every id the data defines, and the ids of files that could not be read (references to them are
    not checked, so that one broken file does not bring a flood of errors elsewhere)."""

    types: dict[str, str] = field(default_factory=dict)  # entity id -> type name
    sources: set[str] = field(default_factory=set)
    source_kinds: Mapping[str, str] = field(default_factory=dict)  # source id -> its kind (pubmed, news, ...)
    entity_types: set[str] = field(default_factory=set)  # every type name a schema declares
    unreadable_ids: set[str] = field(default_factory=set)
    sources_unreadable: bool = False
    skipped: int = 0  # references not checked for that reason

    def key(self) -> tuple[Any, ...]:
        """Equal for two indexes that resolve every reference the same way."""
        return (frozenset(self.types.items()), frozenset(self.sources), frozenset(self.entity_types),
                frozenset(self.unreadable_ids), self.sources_unreadable)

    def can_check(self, value: str, target_type: str) -> bool:
        if target_type == "source":
            unchecked = self.sources_unreadable
        else:
            unchecked = value in self.unreadable_ids or target_type not in self.entity_types | {"entity"}
        self.skipped += unchecked
        return not unchecked


def reference_problem(ids: IdIndex, value: str, target_type: str) -> Finding | None:
    """Why ``value`` does not name an entity of ``target_type`` (or a source); None if it does."""
    if not ids.can_check(value, target_type):
        return None
    if value.strip().startswith("TODO"):
        return Finding("placeholder", "placeholder 'TODO' not filled in")
    if target_type == "source":
        return None if value in ids.sources else Finding(
            "unknown-source", f"source '{value}' is not in data/sources.yaml{_did_you_mean(value, ids.sources)}")
    actual = ids.types.get(value)
    if actual is None:
        candidates = [i for i, t in ids.types.items() if target_type in ("entity", t)]
        return Finding("unknown-entity", f"{target_type} '{value}' is not defined{_did_you_mean(value, candidates)}")
    if target_type not in ("entity", actual):
        return Finding("wrong-entity-type", f"'{value}' is a {actual}, not a {target_type}")
    return None


def _did_you_mean(value: str, candidates: set[str] | list[str]) -> str:
    match = difflib.get_close_matches(value, sorted(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


class TextReference(NamedTuple):
    """An id a text refers to, and where in the text: the ``nth`` occurrence of ``spot``."""

    target: str
    target_type: str
    spot: str
    nth: int


def references_in_markdown(text: str) -> Iterator[TextReference]:
    """The ids a Markdown text refers to: entity links and source citations."""
    for match in links_in(text):
        target = match.group("target")
        if target.startswith(ENTITY_PREFIX):
            spot = target + ")"
            yield TextReference(target.removeprefix(ENTITY_PREFIX), "entity", spot,
                                text.count(spot, 0, match.start("target")))
    for match in CITATION.finditer(text) if "[@" in text else ():
        spot = match.group(0)
        yield TextReference(match.group("cite"), "source", spot, text.count(spot, 0, match.start()))


# --- x-text -------------------------------------------------------------------------------------------------

# Markup the renderer would escape, but whose presence says the text was pasted from somewhere it should not be.
_FORBIDDEN_MARKUP = [
    (re.compile(r"<[A-Za-z!?/]"), ("raw-html", "raw HTML is not allowed (found '{found}…'); use the Markdown subset")),
    (re.compile(r"\{[:#.]"), ("attribute-list", "attribute-list syntax '{: …}' is not allowed")),
    (re.compile(r"-{1,2}8<-{1,2}"), ("snippet-marker", "snippet markers '--8<--' are not allowed")),
    (re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}"),
     ("template-syntax", "template syntax ('{{', '{%', '{#') is not allowed")),
    (re.compile(r"\[\^"), ("footnote", "footnotes are not allowed; cite sources as [@source-id]")),
    (re.compile(r"\[@(?![^\[\]\s]+\])[^\]]{0,40}"),
     ("broken-citation", "a citation must be '[@source-id]' with no space or line break inside (found '{found}…')")),
    (re.compile(r"^[ \t]*(?:(?:[-*+]|[0-9]+[.)])[ \t]+)*\[[^\]]+\]:", re.MULTILINE),
     ("reference-definition", "reference-style link definitions are not allowed; use [text](https://…)")),
]


# At most this many of each character that opens markup in one text. Real texts hold a few dozen; Python-Markdown
# takes time that grows with the square of their number, so thousands would make a page take minutes to build.
MAX_MARKUP_CHARACTERS = 150
_MARKUP_CHARACTERS = "[*`<"


def text_problems(text: str, kind: str) -> Iterator[Finding]:
    """Why ``text`` is not fit to publish as ``kind`` ('plain' or 'markdown') text; nothing if it is fine."""
    if text.lstrip().startswith("TODO"):
        yield Finding("placeholder", "placeholder 'TODO' not filled in")
        return
    crowded = [character for character in _MARKUP_CHARACTERS if text.count(character) > MAX_MARKUP_CHARACTERS]
    if crowded:
        yield Finding("too-much-markup", f"more than {MAX_MARKUP_CHARACTERS} '{crowded[0]}' characters in one text; "
                                         "split it, or check that it was pasted as intended")
        return
    for pattern, (code, message) in _FORBIDDEN_MARKUP:
        found = pattern.search(text)
        if found:
            spot = found.group(0).strip()
            yield Finding.at(code, message.replace("{found}", spot), text, found.start(), spot)
    if kind == "plain":
        yield from _plain_text_problems(text)
        return
    for code, message in markup_problems(text):
        yield Finding(code, message)
    for match in links_in(text):
        yield from _link_problems(text, match)


def _plain_text_problems(text: str) -> Iterator[Finding]:
    found = next(links_in(text), None) or CITATION.search(text)
    if found:
        yield Finding.at("link-in-plain-text", "links and citations are not allowed in a plain-text field", text,
                         found.start(), found.group(0))


_ENTITY_LINK = re.compile(re.escape(ENTITY_PREFIX) + r"[a-z0-9]+(-[a-z0-9]+)*")


def _link_problems(text: str, match: re.Match[str]) -> Iterator[Finding]:
    """Links in text go to https:// pages or to other entities (id:entity-id); images are not allowed."""
    target = match.group("target")
    if match.group("image"):
        yield Finding.at("image", "images are not allowed in text", text, match.start(), "![")
    elif not ((target.startswith("https://") and len(target) > len("https://")) or _ENTITY_LINK.fullmatch(target)):
        yield Finding.at("unsafe-link", f"link target '{target}' is not allowed; links in text go to https://… pages "
                                        "or to entities as id:entity-id", text, match.start("target"), target or ")")


# --- every string -------------------------------------------------------------------------------------------

# C0 and C1 control characters but the line feed (a text's line breaks), and invisible formatting characters
# (zero-width spaces and joiners, line and paragraph separators, bidirectional overrides, the byte-order mark)
# that can disguise a name or id.
_HIDDEN = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def character_problem(text: str) -> Finding | None:
    """Why ``text`` (any value or key) holds a character that has no place in data; None if it holds none."""
    found = _HIDDEN.search(text)
    if found is None:
        return None
    name = f"U+{ord(found.group(0)):04X}"
    return Finding.at("hidden-character", f"control or invisible character {name} is not allowed (at character "
                                          f"{found.start() + 1})", text, found.start(), found.group(0))


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


def field_name_problem(text: str, field_names: frozenset[str]) -> Finding | None:
    """A data field's name written with an underscore (as_of) in a text that readers see; None if there is none."""
    found = next((match for match in _WORD_WITH_UNDERSCORE.finditer(text) if match.group(0) in field_names), None)
    if found is None:
        return None
    return Finding.at("field-name-in-text", f"'{found.group(0)}' is the name of a data field, and readers see this "
                      "text", text, found.start(), found.group(0))


_WORD_WITH_UNDERSCORE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")


# --- x-not-future -------------------------------------------------------------------------------------------

def future_date_problem(value: str, today: dt.date) -> Finding | None:
    """Why the date ``value`` cannot be right: it is after today. (Its form is the schema's business.)"""
    try:
        when = dt.date.fromisoformat(value)
    except ValueError:
        return None
    return Finding("future-date", f"date {value} is in the future (today is {today.isoformat()})") \
        if when > today else None


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
                                           "(quote cells that hold commas)", code="table-cells")
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
                                                   "re-check the page against its sources", severity="warning",
                               code="stale-review")


def first_line_problems(document: Document, schema_path: str) -> Iterator[Problem]:
    """A warning when the first line does not name the schema (editors use it to check as you type)."""
    expected = f"# yaml-language-server: $schema={schema_path}"
    if document.first_line.strip() != expected:
        yield Problem(document.shown_path, 1, 1, f"the first line should be '{expected}' so that editors "
                                                 "check the file as you type", "warning", code="schema-line")


# --- plausibility (warnings) ---------------------------------------------------------------------------------

COUNT_UNITS = ("patients", "cases", "deaths")
SURVIVAL_METRICS = ("overall-survival", "event-free-survival", "relapse-free-survival", "progression-free-survival",
                    "leukemia-free-survival", "gvhd-free-relapse-free-survival")
# Flesch-Kincaid grade 12 is the end of secondary school. Patient materials aim at grades 6 to 8 (half of today's
# plain-language summaries are below 7.7); a summary above 12 needs a college reader, which a plain-language
# summary must not. See the Rules page.
MAX_READING_GRADE = 12.0
TrialLookup = Callable[[str], dict[str, Any] | None]  # a trial's id -> its data (None if unknown or unreadable)


def _warning(document: Document, path: JsonPath, code: str, message: str) -> Problem:
    return document.problem(path, f"{field_name(path)}: {message}", code=code, severity="warning")


def _figures(data: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    figures = data.get("figures")
    for index, figure in enumerate(figures if isinstance(figures, list) else []):
        if isinstance(figure, dict):
            yield index, figure


def _number(value: Any) -> float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def count_problems(document: Document) -> Iterator[Problem]:
    """A count drawn from a number is not larger than it: treated <= enrolled; a figure's count <= its n."""
    enrollment = document.data.get("enrollment")
    if isinstance(enrollment, dict):
        treated, enrolled = _number(enrollment.get("treated")), _number(enrollment.get("enrolled"))
        if treated is not None and enrolled is not None and treated > enrolled:
            yield _warning(document, ("enrollment", "treated"), "count-above-n",
                           f"{treated:g} treated, more than the {enrolled:g} enrolled")
    for index, figure in _figures(document.data):
        n, value = _number(figure.get("n")), _number(figure.get("value"))
        if n is not None and value is not None and figure.get("unit") in COUNT_UNITS and value > n:
            yield _warning(document, ("figures", index, "value"), "count-above-n",
                           f"{value:g} {figure['unit']}, more than the figure's n of {n:g}")


def _trial_enrollment(figure: dict[str, Any], own_trial: str | None, trial_of: TrialLookup
                      ) -> tuple[str, dict[str, Any]] | None:
    """The id and enrolment of the trial a figure comes from (its ``trial``, or the trial whose file holds it)."""
    trial_id = figure.get("trial") or own_trial
    trial = trial_of(trial_id) if isinstance(trial_id, str) else None
    enrollment = trial.get("enrollment") if isinstance(trial, dict) else None
    return (trial_id, enrollment) if isinstance(trial_id, str) and isinstance(enrollment, dict) else None


def trial_count_problems(document: Document, own_trial: str | None, trial_of: TrialLookup) -> Iterator[Problem]:
    """A figure's n is not larger than the enrolment of its trial, unless the figure was reported after the
    enrolment was counted (the cohort may have grown since, or been pooled with another phase)."""
    for index, figure in _figures(document.data):
        n, trial = _number(figure.get("n")), _trial_enrollment(figure, own_trial, trial_of)
        if n is None or trial is None:
            continue
        trial_id, enrollment = trial
        enrolled = _number(enrollment.get("enrolled"))
        if enrolled is not None and n > enrolled and not _later(figure.get("as_of"), enrollment.get("as_of")):
            yield _warning(document, ("figures", index, "n"), "count-above-n",
                           f"n of {n:g}, more than the {enrolled:g} enrolled in trial '{trial_id}'")


def _date_parts(value: Any) -> tuple[int, ...] | None:
    """A partial ISO date as numbers: '2018-06' -> (2018, 6); None if it is not one."""
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?", value):
        return None
    return tuple(int(part) for part in value.split("-"))


def _later(first: Any, second: Any) -> bool:
    """Whether the date ``first`` is after ``second``, to the precision both give ('2018' is not after '2018-06')."""
    a, b = _date_parts(first), _date_parts(second)
    if a is None or b is None:
        return False
    shared = min(len(a), len(b))
    return a[:shared] > b[:shared]


def approval_order_problems(document: Document) -> Iterator[Problem]:
    """In the EU the CHMP's opinion comes before the Commission's decision on the same indication (same disease,
    or the same wording when a disease is not given)."""
    approvals = document.data.get("approvals")
    entries = [(i, a) for i, a in enumerate(approvals if isinstance(approvals, list) else []) if isinstance(a, dict)]
    opinions = [a for _, a in entries if a.get("regulator") == "EMA CHMP" and a.get("action") == "positive opinion"]
    for index, decision in entries:
        if decision.get("regulator") != "European Commission":
            continue
        same = [opinion for opinion in opinions if _same_indication(opinion, decision)]
        if same and all(_later(opinion.get("date"), decision.get("date")) for opinion in same):
            yield _warning(document, ("approvals", index, "date"), "dates-out-of-order",
                           f"the Commission's decision ({decision.get('date')}) comes before the CHMP opinion on the "
                           f"same indication ({same[0].get('date')})")


def _same_indication(one: dict[str, Any], other: dict[str, Any]) -> bool:
    if one.get("disease") and other.get("disease"):
        return one["disease"] == other["disease"]
    return " ".join(str(one.get("indication", "")).lower().split()) == \
        " ".join(str(other.get("indication", "")).lower().split())


def enrollment_date_problems(document: Document) -> Iterator[Problem]:
    """A trial's enrolment is counted after the trial began (enrollment.start)."""
    enrollment = document.data.get("enrollment")
    if isinstance(enrollment, dict) and _later(enrollment.get("start"), enrollment.get("as_of")):
        yield _warning(document, ("enrollment", "as_of"), "dates-out-of-order",
                       f"counted on {enrollment.get('as_of')}, before the trial began ({enrollment.get('start')})")


def trial_date_problems(document: Document, own_trial: str | None, trial_of: TrialLookup) -> Iterator[Problem]:
    """What a trial reported comes after the trial began: a figure's as_of is not before its trial's start."""
    for index, figure in _figures(document.data):
        trial = _trial_enrollment(figure, own_trial, trial_of)
        start = trial[1].get("start") if trial else None
        if trial and _later(start, figure.get("as_of")):
            yield _warning(document, ("figures", index, "as_of"), "dates-out-of-order",
                           f"reported {figure.get('as_of')}, before trial '{trial[0]}' began ({start})")


def review_order_problems(document: Document) -> Iterator[Problem]:
    """No entry of the review history is later than the last review."""
    history = document.data.get("review_history")
    last = document.data.get("last_reviewed")
    for index, entry in enumerate(history if isinstance(history, list) else []):
        if isinstance(entry, dict) and _later(entry.get("date"), last):
            yield _warning(document, ("review_history", index, "date"), "dates-out-of-order",
                           f"{entry.get('date')} is after last_reviewed ({last})")


def follow_up_problems(document: Document) -> Iterator[Problem]:
    """A survival figure says over what follow-up it was measured."""
    for index, figure in _figures(document.data):
        survival = figure.get("category") == "survival" or figure.get("metric") in SURVIVAL_METRICS
        if survival and not figure.get("follow_up"):
            yield _warning(document, ("figures", index), "survival-without-follow-up",
                           "a survival figure without follow_up")


def reading_level_problems(document: Document) -> Iterator[Problem]:
    """The plain-language summary reads at most at MAX_READING_GRADE (Flesch-Kincaid)."""
    text = document.data.get("plain_summary")
    if not isinstance(text, str) or text.lstrip().startswith("TODO"):
        return
    grade = flesch_kincaid_grade(text)
    if grade > MAX_READING_GRADE:
        yield _warning(document, ("plain_summary",), "reading-level",
                       f"reads at grade {grade:.1f} (Flesch-Kincaid); plain-language summaries stay at or below "
                       f"{MAX_READING_GRADE:g}")


def own_plausibility_problems(document: Document, *, is_trial: bool) -> Iterator[Problem]:
    """The plausibility warnings one entity's file gives on its own."""
    yield from count_problems(document)
    yield from approval_order_problems(document)
    if is_trial:
        yield from enrollment_date_problems(document)
    yield from review_order_problems(document)
    yield from follow_up_problems(document)
    yield from reading_level_problems(document)


def trial_plausibility_problems(document: Document, own_trial: str | None, trial_of: TrialLookup
                                ) -> Iterator[Problem]:
    """The plausibility warnings that compare an entity's figures with their trial; ``own_trial`` is the
    entity's id if it is a trial."""
    yield from trial_count_problems(document, own_trial, trial_of)
    yield from trial_date_problems(document, own_trial, trial_of)


# A figure rests on a primary source when one of its sources is of these kinds (see sources.schema.json).
PRIMARY_SOURCE_KINDS = {"pubmed", "doi", "trial-registry", "regulator", "guideline"}


def secondary_figure_problems(document: Document, source_kinds: Mapping[str, str]) -> Iterator[Problem]:
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
        yield document.problem(("figures", index, "sources"), f"figures[{index}].sources: every source is secondary "
                                                              f"({shown})", severity="note", code="secondary-source")


def field_name(path: JsonPath) -> str:
    """A JSON path as a curator reads it: ``figures[0].n``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
