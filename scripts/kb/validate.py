"""Validate stage: check loaded documents against the JSON Schemas in ``data/schema/`` and against each other.

The schemas hold the shape of the data; this module only knows four custom keywords they use:

- ``x-references: <type>`` — the string must be the id of an existing entity of that type (or ``source``);
- ``x-text: plain | markdown`` — the text must not carry HTML, scripts or build-syntax (see ``text_problems``);
- ``x-not-future: true`` — the date must not be later than the clock's today;
- ``x-type`` / ``x-directory`` / ``x-file`` on a top-level schema — which files it governs.

Every problem, whatever its kind, is reported at once as ``PATH:LINE:COL: error: MESSAGE``.

Speed: ``jsonschema`` gives the precise messages but walks every keyword in Python, which made it most of the
cost of loading the data. Each schema is therefore also compiled to Python code with ``fastjsonschema``
(once per process); a document that passes it, and whose custom keywords raise nothing, is valid. Only a
document that fails goes through ``jsonschema``, so the messages are exactly the ones it gives.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import fastjsonschema
import jsonschema
from jsonschema import Draft202012Validator, FormatChecker, ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from kb import clock
from kb.forked import map_in_two_processes
from kb.load import Document, JsonPath
from kb.markup import CITATION, ENTITY_PREFIX, links_in
from kb.problems import Problem, display_path

SCHEMA_BASE = "https://leukemia-cell-therapy-kb.invalid/schema/"
ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
# An entity's page is <type folder>/<id>.md: this id would take the place of the page listing the type.
RESERVED_IDS = {"index": "it names the page that lists every entity of a type"}
STALE_AFTER_DAYS = 365


@dataclass(frozen=True)
class EntityType:
    """An entity type declared by a schema with ``x-type``."""

    name: str
    plural: str
    directory: str
    title: str
    schema_file: str


@dataclass
class Schemas:
    """The JSON Schemas of ``data/schema/``, compiled once and reused."""

    folder: Path
    raw: dict[str, dict[str, Any]]
    entity_types: dict[str, EntityType]
    collection_files: dict[str, str]  # data file name -> schema file name
    registry: Registry
    # Each schema with every $ref replaced by its target, resolved once: validating and finding references
    # then never look a reference up again (the lookups were most of the validation time).
    inlined: dict[str, dict[str, Any]] = field(default_factory=dict)
    text: str = ""  # every schema file's name and text: the same text gives the same schemas


def load_schemas(folder: Path) -> Schemas:
    """Read every ``*.schema.json``; entity types and collection files are discovered from them."""
    raw: dict[str, dict[str, Any]] = {}
    resources = []
    texts = []
    for path in sorted(folder.glob("*.schema.json")):
        text = path.read_text(encoding="utf-8")
        texts.append(f"{path.name}\0{text}")
        schema = json.loads(text)
        schema = {**schema, "$id": SCHEMA_BASE + path.name}
        raw[path.name] = schema
        resources.append((SCHEMA_BASE + path.name, Resource.from_contents(schema, default_specification=DRAFT202012)))
    entity_types = {
        s["x-type"]: EntityType(s["x-type"], s["x-plural"], s["x-directory"], s["title"], name)
        for name, s in raw.items() if "x-type" in s
    }
    collections = {s["x-file"]: name for name, s in raw.items() if "x-file" in s}
    try:
        inlined = _inline_refs(raw)
    except (RecursionError, KeyError, TypeError):  # a recursive or broken $ref: validate through the registry
        inlined = {}
    return Schemas(folder, raw, entity_types, collections, Registry().with_resources(resources), inlined,
                   "\0".join(texts))


_ANNOTATIONS = {"description", "examples", "title", "$comment", "default"}


def _inline_refs(raw: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every schema with its ``$ref``s replaced by their targets (the schemas have no recursive references).

    ``{"$ref": X, **siblings}`` becomes ``{**siblings, **X}``: the target's own keywords win, so errors raised
    inside it carry the same schema (and description) as when the reference was followed. Were a sibling to
    repeat one of the target's validation keywords, the two are kept apart under ``allOf`` instead.
    """
    done: dict[tuple[str, str], Any] = {}

    def target(file_name: str, reference: str) -> Any:
        file_part, _, pointer = reference.partition("#")
        file_name = file_part or file_name
        key = (file_name, pointer)
        if key not in done:
            node: Any = raw[file_name]
            for part in filter(None, pointer.split("/")):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            done[key] = inline(node, file_name)
        return done[key]

    def inline(node: Any, file_name: str) -> Any:
        if isinstance(node, list):
            return [inline(item, file_name) for item in node]
        if not isinstance(node, dict):
            return node
        siblings = {k: inline(v, file_name) for k, v in node.items() if k != "$ref"}
        if "$ref" not in node:
            return siblings
        resolved = target(file_name, node["$ref"])
        clashes = (set(siblings) & set(resolved)) - _ANNOTATIONS
        if not isinstance(resolved, dict) or clashes:
            return {**siblings, "allOf": [resolved, *siblings.get("allOf", [])]}
        return {**siblings, **resolved}

    return {name: inline(schema, name) for name, schema in raw.items()}


class Reference(NamedTuple):  # a tuple: tens of thousands are made, several times faster than a class
    """One id reference found in the data: which entity points where, from which field."""

    origin: str  # the id of the entity whose file holds the reference
    path: JsonPath
    target: str
    target_type: str


# Reference(...) runs the named tuple's __new__ written in Python; tuple.__new__ builds the same in C.
_new_reference = functools.partial(tuple.__new__, Reference)


@dataclass
class IdIndex:
    """Every id the data defines, by type."""

    types: dict[str, str] = field(default_factory=dict)  # entity id -> type name
    sources: set[str] = field(default_factory=set)

    def close_matches(self, value: str, candidates: list[str]) -> str:
        match = difflib.get_close_matches(value, candidates, n=1, cutoff=0.6)
        return f" (did you mean '{match[0]}'?)" if match else ""


@dataclass
class ValidationResult:
    """What validation hands to the model: the documents it accepted, the links and citations in them, the
    problems."""

    entities: dict[str, tuple[str, Document]]  # id -> (type, document)
    collections: dict[str, Document]  # data file name -> document
    links: list[Reference]  # from one entity to another: entity by entity (in id order), each once, as written
    citations: dict[str, list[str]]  # entity id -> the source ids it cites, each once, in order of first citation
    problems: list[Problem]


# --- Text safety --------------------------------------------------------------------------------------------

_RAW_HTML = re.compile(r"<\s*[/!?]?\s*[A-Za-z]")
_UNSAFE_SCHEME = re.compile(r"\b(javascript|vbscript)\s*:|\b(data)\s*:\s*[a-z]+/[a-z]|\b(file)\s*:/", re.IGNORECASE)
_FORBIDDEN_MARKUP = [
    (re.compile(r"\{\s*[:#.]"), "attribute-list syntax '{: …}' is not allowed"),
    (re.compile(r"-{1,2}8<-{1,2}"), "snippet markers '--8<--' are not allowed"),
    (re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}"), "template syntax ('{{', '{%', '{#') is not allowed"),
    (re.compile(r"^\s*\[[^\]]+\]:\s*\S", re.MULTILINE), "reference-style link definitions are not allowed; use [text](https://…)"),
    (re.compile(r"\[\^"), "footnotes are not allowed; cite sources as [@source-id]"),
    (re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"), "control characters are not allowed"),
]


_SUSPECT_CHARACTERS = re.compile(r"[<{}%#\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SCHEME_WORD_AT_END = re.compile(r"(?i:script|data|file)\Z")


def _might_hold_markup(text: str) -> bool:
    """A cheap test that text might hold something the markup checks look for (a superset of them: every
    pattern needs one of these characters, or a scheme word before a colon). Most text holds none and is
    cleared here: one search for a character class and a few substring tests are several times faster than
    one regex of them all."""
    if _SUSPECT_CHARACTERS.search(text) or "TODO" in text or "[^" in text or "]:" in text:
        return True
    return ":" in text and _might_name_a_scheme(text)


def _might_name_a_scheme(text: str) -> bool:
    """Whether 'script', 'data' or 'file', in any case, comes before a colon with only white space between,
    as every scheme the markup checks refuse does. Looked for back from each colon, which most text has
    few of: a case-insensitive pattern of words is tried at every position of the text."""
    colon = text.find(":")
    while colon >= 0:
        end = colon
        while end and text[end - 1].isspace():  # str.isspace() is what \s matches
            end -= 1
        # Case-insensitive matching pairs single characters, so a word of six takes the last six.
        if _SCHEME_WORD_AT_END.search(text, max(0, end - 6), end):
            return True
        colon = text.find(":", colon + 1)
    return False


def text_problems(text: str, kind: str) -> Iterator[str]:
    """Why ``text`` is unsafe to publish as ``kind`` ('plain' or 'markdown') text; nothing if it is fine."""
    if _might_hold_markup(text):
        if text.strip().startswith("TODO"):
            yield "placeholder 'TODO' not filled in"
            return
        yield from _markup_problems(text)
    # A link or image needs "](" and a citation "[@": most text has neither, and then is not searched at all.
    has_link, has_citation = "](" in text, "[@" in text
    if kind == "plain":
        if (has_link and next(links_in(text), None)) or (has_citation and CITATION.search(text)):
            yield "links and citations are not allowed in a plain-text field"
        return
    for match in links_in(text) if has_link else ():
        if match.group("image"):
            yield "images are not allowed in text"
        target = match.group("target")
        if not (target.startswith(("https://", "http://", ENTITY_PREFIX)) and len(target) > len(ENTITY_PREFIX)):
            yield f"link target '{target}' is not allowed; use https://… or id:entity-id"


def _markup_problems(text: str) -> Iterator[str]:
    html = _RAW_HTML.search(text)
    if html:
        yield f"raw HTML is not allowed (found '{html.group(0).strip()}…'); use the Markdown subset"
    scheme = _UNSAFE_SCHEME.search(text)
    if scheme:
        name = next(g for g in scheme.groups() if g)
        yield f"'{name}:' links are not allowed; only https:// and http:// links"
    for pattern, message in _FORBIDDEN_MARKUP:
        if pattern.search(text):
            yield message


def markdown_links(text: str) -> Iterator[tuple[str, str]]:
    """The (kind, id) pairs a Markdown text refers to: entity links and source citations."""
    for match in links_in(text) if "](" in text else ():  # see text_problems
        if match.group("target").startswith(ENTITY_PREFIX):
            yield "entity", match.group("target").removeprefix(ENTITY_PREFIX)
    for match in CITATION.finditer(text) if "[@" in text else ():
        yield "source", match.group("cite")


# --- Schema validation with the custom keywords -------------------------------------------------------------

def _partial_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = value.split("-")
    try:
        dt.date(int(parts[0]), int(parts[1]) if len(parts) > 1 else 1, int(parts[2]) if len(parts) > 2 else 1)
    except (ValueError, IndexError):
        return False
    return True


_FORMATS = FormatChecker(["date"])
_FORMATS.checks("partial-date")(_partial_date)
_FAST_FORMATS = {name: functools.partial(_FORMATS.conforms, format=name) for name in ("date", "partial-date")}
_CUSTOM_KEYWORDS = ("x-references", "x-text", "x-not-future")


@functools.lru_cache(maxsize=64)  # a few versions of each schema: `kb serve` compiles again after each edit
def _fast_validator(schema_json: str) -> Callable[[Any], Any] | None:
    """The schema compiled to Python code, or None if it cannot be. Its keywords are all draft-07 ones, so
    the draft fastjsonschema picks without ``$schema`` checks the same rules; the custom ones it skips."""
    schema = _consts_as_enums(json.loads(schema_json))
    schema.pop("$schema", None)
    schema["$id"] = _FAST_ID
    try:
        code = fastjsonschema.compile_to_code(schema, formats=_FAST_FORMATS, use_default=False)
        # Only pass or fail is used here (a failing document is checked again by jsonschema for the messages).
        # Each error the compiled code raises first spells out the field's name from every local variable,
        # ``.format(**locals())``, and an ``if`` fails by raising, several times per figure: unformatted
        # names halve the time of this check.
        namespace: dict[str, Any] = {}
        exec(code.replace(".format(**locals())", ""), namespace)  # code generated from our own schemas
        return functools.partial(namespace[_FAST_FUNCTION], custom_formats=_FAST_FORMATS)
    except Exception:  # any schema it cannot compile (or trips on) is validated by jsonschema alone
        return None


def _fast_validators(schemas: Schemas) -> dict[str, Callable[[Any], Any] | None]:
    """The compiled check of each schema that governs files, by schema file name (common.schema.json, which
    governs none, is left out). Looked up by the schema files' text: writing every schema out as the key of
    :func:`_fast_validator` took longer than checking a hundred entities."""
    if schemas.text not in _FAST_VALIDATORS:
        while len(_FAST_VALIDATORS) >= KEPT_SCHEMA_VERSIONS:  # the oldest first: an edited schema is not used again
            del _FAST_VALIDATORS[next(iter(_FAST_VALIDATORS))]
        governing = {*schemas.collection_files.values(), *(t.schema_file for t in schemas.entity_types.values())}
        _FAST_VALIDATORS[schemas.text] = {name: _fast_validator(json.dumps(schemas.inlined[name], sort_keys=True))
                                          for name in governing if name in schemas.inlined}
    return _FAST_VALIDATORS[schemas.text]


_FAST_VALIDATORS: dict[str, dict[str, Callable[[Any], Any] | None]] = {}
KEPT_SCHEMA_VERSIONS = 4  # compiled checks kept for this many versions of the schema files
_FAST_ID = "kb-fast"
_FAST_FUNCTION = "validate_kb_fast"  # fastjsonschema names the function after the schema's $id


def _consts_as_enums(schema: Any) -> Any:
    """``oneOf`` a list of ``const``s (a choice with a description per value) as the equivalent ``enum``:
    compiled code tries each branch of a ``oneOf`` by raising and catching an exception."""
    if isinstance(schema, list):
        return [_consts_as_enums(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    options = schema.get("oneOf")
    if isinstance(options, list) and options and all(isinstance(o, dict) and "const" in o and
                                                      set(o) <= {"const", "description", "title"} for o in options):
        values = [o["const"] for o in options]
        if len({json.dumps(v) for v in values}) == len(values):
            schema = {k: v for k, v in schema.items() if k != "oneOf"} | {"enum": values}
    return {key: _consts_as_enums(value) for key, value in schema.items()}


CustomNode = tuple[JsonPath, Any, dict]


def _custom_nodes(schema: Any, instance: Any, path: JsonPath = (), found: list[CustomNode] | None = None
                  ) -> list[CustomNode]:
    """Each value of ``instance`` whose (inlined) schema carries a custom keyword: its path, it, that schema.
    (Runs once per value of every file: it appends to one list rather than yielding through every level.)"""
    found = [] if found is None else found
    if not isinstance(schema, dict):
        return found
    if "x-text" in schema or "x-references" in schema or "x-not-future" in schema:  # _CUSTOM_KEYWORDS
        found.append((path, instance, schema))
    if isinstance(instance, dict):
        properties = schema.get("properties", {})
        additional = schema.get("additionalProperties")
        for key, value in instance.items():
            _custom_nodes(properties.get(key, additional), value, (*path, key), found)
    elif isinstance(instance, list):
        items = schema.get("items")
        for index, value in enumerate(instance):
            _custom_nodes(items, value, (*path, index), found)
    return found


def _references_of(path: JsonPath, text: str, schema: dict) -> Iterator[tuple[JsonPath, str, str]]:
    """The (path, id, type) references one string makes: it is an id, or Markdown with links and citations."""
    if "x-references" in schema:
        yield path, text, schema["x-references"]
    elif schema.get("x-text") == "markdown":
        for target_type, value in markdown_links(text):
            yield path, value, target_type


class _Checker:
    """Holds what the custom keywords need: the id index and the clock."""

    def __init__(self, ids: IdIndex, today: dt.date):
        self.ids = ids
        self.today = today

    def reference_error(self, value: str, target_type: str) -> str | None:
        if target_type == "source":
            if value in self.ids.sources:
                return None
            hint = self.ids.close_matches(value, sorted(self.ids.sources))
            return f"source '{value}' is not in data/sources.yaml{hint}"
        actual = self.ids.types.get(value)
        if actual is None:
            candidates = sorted(i for i, t in self.ids.types.items() if target_type in ("entity", t))
            return f"{'entity' if target_type == 'entity' else target_type} '{value}' is not defined" + \
                self.ids.close_matches(value, candidates)
        if target_type not in ("entity", actual):
            return f"'{value}' is a {actual}, not a {target_type}"
        return None

    def x_references(self, validator: Any, target_type: str, instance: Any, schema: dict) -> Iterator[ValidationError]:
        if not isinstance(instance, str):
            return
        message = self.reference_error(instance, target_type)
        if message:
            yield ValidationError(message, validator="x-references")

    def x_text(self, validator: Any, kind: str, instance: Any, schema: dict) -> Iterator[ValidationError]:
        if not isinstance(instance, str):
            return
        for message in text_problems(instance, kind):
            yield ValidationError(message, validator="x-text")
        if kind == "markdown":
            for target_type, value in markdown_links(instance):
                message = self.reference_error(value, target_type)
                if message:
                    yield ValidationError(message, validator="x-references")

    def scan(self, nodes: list[CustomNode]) -> tuple[list[tuple[JsonPath, str, str]], bool]:
        """The (path, id, type) references the custom-keyword nodes make, in document order, and whether
        their custom keywords all hold. Only the verdict is needed: a document that fails is checked again by
        jsonschema, whose keyword functions above give the messages."""
        references: list[tuple[JsonPath, str, str]] = []
        holds = True
        for path, instance, schema in nodes:
            if not isinstance(instance, str):  # a wrong type: the schema check reports it
                continue
            for reference in _references_of(path, instance, schema):
                references.append(reference)
                holds = holds and self.reference_error(reference[1], reference[2]) is None
            if holds and "x-text" in schema:
                holds = next(text_problems(instance, schema["x-text"]), None) is None
            if holds and schema.get("x-not-future"):
                holds = next(self.x_not_future(None, True, instance, schema), None) is None
        return references, holds

    def x_not_future(self, validator: Any, enabled: bool, instance: Any, schema: dict) -> Iterator[ValidationError]:
        if enabled and isinstance(instance, str):
            try:
                when = dt.date.fromisoformat(instance)
            except ValueError:
                return
            if when > self.today:
                yield ValidationError(f"date {instance} is in the future (today is {self.today.isoformat()})",
                                      validator="x-not-future")


def _validator_class(checker: _Checker) -> type[jsonschema.protocols.Validator]:
    return jsonschema.validators.extend(Draft202012Validator, {
        "x-references": checker.x_references,
        "x-text": checker.x_text,
        "x-not-future": checker.x_not_future,
    })


def _field_name(path: JsonPath) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _describe_type(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    names = {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list", dict: "a mapping"}
    shown = json.dumps(value, ensure_ascii=False) if isinstance(value, str | int | float | bool) else ""
    return names.get(type(value), type(value).__name__) + (f" {shown[:40]}" if shown else "")


_TYPE_NAMES = {"string": "text", "integer": "a whole number", "number": "a number", "array": "a list",
               "object": "a mapping", "boolean": "true or false"}


def _schema_problem(document: Document, error: ValidationError) -> Problem:
    path: JsonPath = tuple(error.absolute_path)
    where = _field_name(path)
    prefix = f"{where}: " if where else ""
    kind = error.validator
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        # Conditional requirements (if/then) carry the reason in the `then` schema's description.
        why = error.schema.get("description") if "then" in error.relative_schema_path else None
        return document.problem(path, f"{prefix}missing required field '{missing}'" + (f" ({why})" if why else ""))
    if kind == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(error.schema.get("properties", {}))
        extra = [k for k in error.instance if k not in allowed]
        key = extra[0] if extra else "?"
        hint = difflib.get_close_matches(key, allowed, n=1)
        hint_text = f" (did you mean '{hint[0]}'?)" if hint else f"; allowed: {', '.join(allowed)}"
        return document.problem((*path, key), f"{prefix}unknown field '{key}'{hint_text}", at_key=True)
    if kind == "propertyNames":
        key = error.instance
        return document.problem((*path, key), f"{prefix}'{key}' is not a valid key here ({error.message})",
                                at_key=True)
    if kind == "type":
        expected = error.validator_value
        expected_list = [expected] if isinstance(expected, str) else expected
        expected_text = " or ".join(_TYPE_NAMES.get(t, t) for t in expected_list)
        return document.problem(path, f"{prefix}expected {expected_text}, found {_describe_type(error.instance)}")
    if kind == "enum":
        choices = ", ".join(str(c) for c in error.validator_value)
        return document.problem(path, f"{prefix}'{error.instance}' is not one of the allowed values: {choices}")
    if kind == "oneOf" and all(isinstance(s, dict) and "const" in s for s in error.validator_value):
        choices = ", ".join(str(s["const"]) for s in error.validator_value)
        return document.problem(path, f"{prefix}'{error.instance}' is not one of the allowed values: {choices}")
    if kind in ("pattern", "format") and isinstance(error.schema, dict):
        if error.schema.get("format") in ("date", "partial-date") or "date" in str(error.schema.get("description", "")):
            wanted = "YYYY-MM-DD" if error.schema.get("format") == "date" else "YYYY-MM-DD, YYYY-MM or YYYY"
            return document.problem(path, f"{prefix}'{error.instance}' is not a valid date ({wanted})")
        return document.problem(path, f"{prefix}'{error.instance}' does not have the expected form "
                                      f"({error.schema.get('description') or error.validator_value})")
    if kind == "minItems":
        return document.problem(path, f"{prefix}needs at least {error.validator_value} item(s)")
    if kind == "minLength":
        return document.problem(path, f"{prefix}must not be empty")
    if kind == "uniqueItems":
        return document.problem(path, f"{prefix}lists the same item twice")
    if kind == "minimum":
        return document.problem(path, f"{prefix}must be at least {error.validator_value}, found {error.instance}")
    return document.problem(path, f"{prefix}{error.message}")


# --- The whole check ----------------------------------------------------------------------------------------

def _classify(documents: list[Document], data_root: Path, schemas: Schemas) -> tuple[
        dict[str, tuple[str, Document]], dict[str, Document], list[Problem]]:
    by_directory = {t.directory: t for t in schemas.entity_types.values()}
    entities: dict[str, tuple[str, Document]] = {}
    collections: dict[str, Document] = {}
    problems: list[Problem] = []
    root = data_root.parts
    for document in documents:
        # The files were found under data_root: comparing parts is cheaper than relative_to() for each.
        parts = document.path.parts
        relative = parts[len(root):] if parts[:len(root)] == root else document.path.relative_to(data_root).parts
        if len(relative) == 1 and relative[0] in schemas.collection_files:
            collections[relative[0]] = document
            continue
        entity_type = by_directory.get(relative[0]) if len(relative) == 2 else None
        if entity_type is None:
            problems.append(document.problem((), "this file is not part of any entity type's folder"))
            continue
        entity_id = document.path.stem
        if not ID_PATTERN.fullmatch(entity_id):
            problems.append(document.problem((), f"file name '{entity_id}' is not a valid id: use lower-case "
                                                 "letters, digits and single hyphens (kebab-case)"))
            continue
        if entity_id in RESERVED_IDS:
            problems.append(document.problem((), f"file name '{entity_id}' cannot be an id: "
                                                 f"{RESERVED_IDS[entity_id]}; rename the file"))
            continue
        if entity_id in entities:
            other = entities[entity_id][1].shown_path
            problems.append(document.problem((), f"id '{entity_id}' is already used by {other}; ids are unique "
                                                 "across all entity types"))
            continue
        entities[entity_id] = (entity_type.name, document)
    return entities, collections, problems


def _staleness_warnings(document: Document, today: dt.date) -> Iterator[Problem]:
    reviewed = document.data.get("last_reviewed")
    try:
        when = dt.date.fromisoformat(reviewed) if isinstance(reviewed, str) else None
    except ValueError:
        when = None
    if when and (today - when).days > STALE_AFTER_DAYS:
        yield document.problem(("last_reviewed",), f"last reviewed {reviewed}, more than 12 months ago; "
                                                   "re-check the page against its sources", severity="warning")


def _table_problems(document: Document, value: Any = None, path: JsonPath = (),
                    found: list[Problem] | None = None) -> list[Problem]:
    """A table (a mapping with ``columns`` and ``rows``) must have as many cells in each row as columns:
    JSON Schema cannot compare two lengths, and an unquoted comma silently splits a cell in two.
    (Runs over every value of a file that may hold a table: it descends only into mappings and lists.)"""
    found = [] if found is None else found
    value = document.data if value is None and not path else value
    if isinstance(value, dict):
        columns, rows = value.get("columns"), value.get("rows")
        if isinstance(columns, list) and isinstance(rows, list):
            for index, row in enumerate(rows):
                if isinstance(row, list) and len(row) != len(columns):
                    where = _field_name((*path, "rows", index))
                    message = (f"{where}: has {len(row)} cells but the table has {len(columns)} columns "
                               "(quote cells that hold commas)")
                    found.append(document.problem((*path, "rows", index), message))
        children: Any = value.items()
    else:
        children = enumerate(value)
    for key, child in children:
        if isinstance(child, dict | list):
            _table_problems(document, child, (*path, key), found)
    return found


def _might_hold_a_table(document: Document) -> bool:
    """Whether the file may hold a ``rows`` key, which every table has: the word is in its text, or a quoted
    key may spell it with an escape (a backslash). Most files hold no table, and are then not walked at all."""
    text = document.text
    return text is None or "rows" in text or "\\" in text


def _schema_line_warnings(document: Document, schema_path: str) -> Iterator[Problem]:
    expected = f"# yaml-language-server: $schema={schema_path}"
    if document.first_line.strip() != expected:
        yield Problem(document.shown_path, 1, 1, f"the first line should be '{expected}' so that editors "
                                                 "check the file as you type", "warning")


def validate_documents(documents: list[Document], data_root: Path, schemas: Schemas,
                       today: dt.date | None = None, *, split: bool = False) -> ValidationResult:
    """Check every document; return what passed, its links and citations, and every problem. With ``split``,
    a forked process checks some of the files, as many as it gets to (see kb.forked)."""
    today = today or clock.today()
    entities, collections, problems = _classify(documents, data_root, schemas)
    ids = IdIndex(types={i: t for i, (t, _) in entities.items()})
    sources_document = collections.get("sources.yaml")
    if sources_document is not None and isinstance(sources_document.data, dict):
        ids.sources = set(sources_document.data)
    elif sources_document is None:
        problems.append(Problem(display_path(data_root / "sources.yaml"), 1, 1, "the bibliography file is missing"))

    checker = _Checker(ids, today)
    validator_class = _validator_class(checker)
    compiled = {name: validator_class(schemas.inlined.get(name, schema), registry=schemas.registry,
                                      format_checker=_FORMATS)
                for name, schema in schemas.raw.items()}
    # Compiled before the entities are checked, so that a forked checker has them too; common.schema.json,
    # which governs no file, never is.
    fast = _fast_validators(schemas)

    def check(document: Document, schema_file: str) -> tuple[list[Problem], list[tuple[JsonPath, str, str]] | None]:
        """The document's schema problems, and the references it makes (None without the fast path)."""
        schema = schemas.inlined.get(schema_file)
        validate = fast.get(schema_file)
        references = None
        if validate is not None and schema is not None:
            references, holds = checker.scan(_custom_nodes(schema, document.data))
            try:
                if holds:
                    validate(document.data)
                    return [], references
            except fastjsonschema.JsonSchemaException:
                pass
        return [_schema_problem(document, e) for e in compiled[schema_file].iter_errors(document.data)], references

    def check_entity(entity_id: str, type_name: str, document: Document) -> tuple[list[Problem], list[tuple[Any, ...]],
                                                                                list[str]]:
        """The entity's problems, the (entity id, path, id, type) links it makes to other entities, and the
        sources it cites. Plain values, which a forked checker hands back several times faster than named
        tuples (a link becomes one at C speed); a citation is handed back as its source id alone."""
        schema_file = schemas.entity_types[type_name].schema_file
        found_problems, found = check(document, schema_file)
        found_problems.extend(_staleness_warnings(document, today))
        found_problems.extend(_schema_line_warnings(document, f"../schema/{schema_file}"))
        if _might_hold_a_table(document):
            found_problems.extend(_table_problems(document))
        if found is None:
            found = list(find_references(schemas, schema_file, document.data))
        # Each reference once (a text may link to the same page twice); done here, in whichever process
        # checks the entity, since the references of two entities never repeat each other's.
        unique = dict.fromkeys(found)
        links = [(entity_id, *reference) for reference in unique if reference[2] != "source"]
        cited = list(dict.fromkeys(target for _, target, kind in unique if kind == "source"))
        return found_problems, links, cited

    def check_collection(file_name: str, document: Document) -> tuple[list[Problem], list[tuple[Any, ...]], list[str]]:
        schema_file = schemas.collection_files[file_name]
        found_problems = check(document, schema_file)[0]
        found_problems.extend(_schema_line_warnings(document, f"schema/{schema_file}"))
        return found_problems, [], []

    # The collection files first: the bibliography is one large file, which the two processes share out best
    # as an early item (see kb.forked).
    checks: list[tuple[str | None, Callable[[], tuple[list[Problem], list[tuple[Any, ...]], list[str]]]]] = [
        (None, functools.partial(check_collection, name, document)) for name, document in sorted(collections.items())]
    checks += [(entity_id, functools.partial(check_entity, entity_id, type_name, document))
               for entity_id, (type_name, document) in sorted(entities.items())]
    links: list[Reference] = []
    citations: dict[str, list[str]] = {}
    found_all = map_in_two_processes(lambda check: check[1](), checks, split=split)
    for (entity_id, _), (found_problems, found_links, cited) in zip(checks, found_all, strict=True):
        problems.extend(found_problems)
        links.extend(map(_new_reference, found_links))
        if entity_id is not None:
            citations[entity_id] = cited
    return ValidationResult(entities, collections, links, citations, sorted(set(problems)))


def find_references(schemas: Schemas, schema_file: str, data: Any) -> Iterator[tuple[JsonPath, str, str]]:
    """Every (path, id, type) the data refers to, found by walking it alongside its schema."""
    resolver = schemas.registry.resolver(base_uri=SCHEMA_BASE + schema_file)
    yield from _walk(schemas.inlined.get(schema_file, schemas.raw[schema_file]), data, (), resolver)


def _walk(schema: Any, instance: Any, path: JsonPath, resolver: Any) -> Iterator[tuple[JsonPath, str, str]]:
    while isinstance(schema, dict) and "$ref" in schema:
        resolved = resolver.lookup(schema["$ref"])
        schema, resolver = resolved.contents, resolved.resolver
    if not isinstance(schema, dict):
        return
    if isinstance(instance, str):
        yield from _references_of(path, instance, schema)
    elif isinstance(instance, dict):
        properties = schema.get("properties", {})
        for key, value in instance.items():
            yield from _walk(properties.get(key, schema.get("additionalProperties")), value, (*path, key), resolver)
    elif isinstance(instance, list):
        for index, value in enumerate(instance):
            yield from _walk(schema.get("items"), value, (*path, index), resolver)
