"""The JSON Schemas in ``data/schema/``: the shape of the data, and the entity types and files it has.

A schema with ``x-type`` declares an entity type (its folder ``x-directory``, its plural ``x-plural``, its place
in reading order ``x-order``); a schema with ``x-file`` governs one collection file (the bibliography, the
glossary, the releases). Nothing else in the code lists the types: adding one is adding its schema (and a
template). The custom keywords the schemas use are checked by :mod:`kb.data.rules`.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema_rs

from kb.problems import Problem, display_path

if TYPE_CHECKING:  # jsonschema is imported when errors are listed or a schema is checked: most runs need neither
    from jsonschema import Draft202012Validator, FormatChecker
    from referencing import Registry

SCHEMA_BASE = "https://leukemia-cell-therapy-kb.invalid/schema/"
_TYPE_KEYS = ("x-type", "x-plural", "x-directory", "title")


class SchemaError(Exception):
    """A schema file (or the schema folder, or the data folder) cannot be used: printed as one problem line."""

    def __init__(self, path: Path | str, message: str, line: int = 1, column: int = 1, *, code: str = "schema-file"):
        self.problem = Problem(display_path(Path(path)), line, column, message, code=code)
        super().__init__(str(self.problem))


@dataclass(frozen=True)
class EntityType:
    """An entity type declared by a schema with ``x-type``."""

    name: str
    plural: str
    directory: str
    title: str
    schema_file: str
    order: int


@dataclass
class Schemas:
    """The JSON Schemas of ``data/schema/``, read once."""

    folder: Path
    raw: dict[str, dict[str, Any]]  # file name -> schema as written
    inlined: dict[str, dict[str, Any]]  # file name -> schema with every $ref replaced by its target
    entity_types: dict[str, EntityType]  # in reading order (x-order)
    collection_files: dict[str, str]  # data file name -> schema file name
    _deciders: dict[str, Any] = field(default_factory=dict, repr=False)  # schema file -> its jsonschema-rs validator

    @functools.cached_property
    def compound_field_names(self) -> frozenset[str]:
        """The data's field names written with an underscore (as_of, follow_up): a curator's words, not a reader's."""
        return frozenset(name for schema in self.raw.values() for name in _property_names(schema) if "_" in name)

    def governing(self) -> set[str]:
        """The schema files that govern data files (common.schema.json, which only defines parts, is not one)."""
        return {*self.collection_files.values(), *(t.schema_file for t in self.entity_types.values())}

    @functools.cached_property
    def registry(self) -> Registry:
        """The schemas by their address (SCHEMA_BASE + file name), to follow a $ref with."""
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        return Registry().with_resources(
            (SCHEMA_BASE + name, Resource.from_contents({**schema, "$id": SCHEMA_BASE + name},
                                                        default_specification=DRAFT202012))
            for name, schema in self.raw.items())

    def validator(self, schema_file: str) -> Draft202012Validator:
        """The validator that lists every error of a data file against its schema (jsonschema)."""
        from jsonschema import Draft202012Validator

        return Draft202012Validator(self.inlined[schema_file], registry=self.registry,
                                    format_checker=_format_checker())

    def passes(self, schema_file: str, data: Any) -> bool:
        """Whether ``data`` passes its schema, without listing errors: from jsonschema-rs, which gives the
        verdict about forty times faster than jsonschema (most files have no error, and then nothing more is
        needed). The two give the same verdict (tests/test_schema_verdicts.py), but for text holding a control
        or invisible character, which a pattern's ``\\s`` may read as a space in one and not in the other, and
        which the hidden-character rule rejects in every string. False if jsonschema-rs cannot read the schema
        (a pattern in Python's own syntax): then jsonschema decides."""
        if schema_file not in self._deciders:
            self._deciders[schema_file] = _decider(self.inlined[schema_file])
        decider = self._deciders[schema_file]
        return decider is not None and decider.is_valid(data)

    def check(self, names: Iterable[str]) -> None:
        """Check these schema files, and the files they refer to, against JSON Schema's meta-schema."""
        pending, seen = [name for name in names if name in self.raw], set()
        while pending:
            name = pending.pop()
            if name not in seen:
                seen.add(name)
                _check_schema(self.folder / name, self.raw[name])
                pending += [file for file in _referenced_files(self.raw[name]) if file in self.raw]

    def collection_schema(self, kind: str) -> tuple[str, dict[str, Any]]:
        """The schema file and schema of the collection whose entries are of ``kind`` (e.g. ``source``)."""
        for name, schema in self.raw.items():
            if schema.get("x-collection") == kind:
                return name, schema
        raise SchemaError(self.folder, f"no schema declares the collection of {kind}s (x-collection: {kind})")


def _full_date(value: object) -> bool:
    """YYYY-MM-DD naming a real day (JSON Schema's "date", as jsonschema reads it)."""
    return _date_like(value, r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _partial_date(value: object) -> bool:
    """YYYY, YYYY-MM or YYYY-MM-DD naming a real day."""
    return _date_like(value, r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?")


def _date_like(value: object, pattern: str) -> bool:
    """Whether ``value`` is written as ``pattern`` says and names a real day (a non-string is the type check's
    business)."""
    if not isinstance(value, str):
        return True
    return re.fullmatch(pattern, value) is not None and _real_date(value)


def _real_date(value: str) -> bool:
    year, month, day = ([*map(int, value.split("-")), 1, 1])[:3]
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


FORMATS: dict[str, Callable[[object], bool]] = {"date": _full_date, "partial-date": _partial_date}


@functools.cache
def _format_checker() -> FormatChecker:
    """FORMATS, for jsonschema (jsonschema-rs is given them as they are)."""
    from jsonschema import FormatChecker

    checker = FormatChecker([])
    for name, conforms in FORMATS.items():
        checker.checks(name)(conforms)
    return checker


def _decider(schema: dict[str, Any]) -> Any:
    """The schema's validator in jsonschema-rs, which checks the formats with FORMATS, as jsonschema does; None if it
    cannot read the schema."""
    try:
        return jsonschema_rs.validator_for(schema, validate_formats=True, formats=FORMATS)
    except ValueError:
        return None


def load_schemas(folder: Path, *, check_all: bool = True) -> Schemas:
    """Read every ``*.schema.json`` in ``folder``; raise SchemaError naming the file if one cannot be used.
    Each is checked against JSON Schema's own meta-schema (unless it passed before, word for word), unless
    ``check_all`` is false: then only those that :meth:`Schemas.check` is given (``kb validate FILE…`` checks
    the schemas of its files, and saves the time)."""
    if not folder.is_dir():
        raise SchemaError(folder, "the schema folder is missing; it holds the JSON Schemas that define the data")
    raw = {path.name: _read_schema(path) for path in sorted(folder.glob("*.schema.json"))}
    if check_all:
        for name, schema in raw.items():
            _check_schema(folder / name, schema)
    entity_types = dict(sorted(((t.name, t) for t in map(_entity_type, raw, raw.values()) if t),
                               key=lambda item: (item[1].order, item[0])))
    collections = {schema["x-file"]: name for name, schema in raw.items() if "x-file" in schema}
    if not entity_types:
        raise SchemaError(folder, "no schema declares an entity type (x-type); is this the schema folder?")
    return Schemas(folder, raw, _inline_refs(folder, raw), entity_types, collections)


def _read_schema(path: Path) -> dict[str, Any]:
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaError(path, f"cannot read the schema file ({exc})") from None
    except json.JSONDecodeError as exc:
        raise SchemaError(path, f"the schema file is not valid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    if not isinstance(schema, dict):
        raise SchemaError(path, f"a schema file must hold a JSON object, found {type(schema).__name__}")
    return schema


def _check_schema(path: Path, schema: dict[str, Any]) -> None:
    """Raise SchemaError if ``schema`` breaks JSON Schema's own rules (e.g. a pattern that is no regex).
    A schema that passed once, word for word, is not checked again (see _passed_schemas_file)."""
    digest = hashlib.sha256(json.dumps(schema, sort_keys=True).encode()).hexdigest()
    if digest in _passed_schemas(_passed_schemas_file()):
        return
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError as JsonSchemaError

    try:
        Draft202012Validator.check_schema(schema)
    except JsonSchemaError as exc:
        where = "/".join(map(str, exc.absolute_path)) or "the top level"
        raise SchemaError(path, f"not a valid JSON Schema at {where}: {exc.message[:200]}") from None
    _remember_passed(digest)


# The schemas that passed the meta-schema check, one SHA-256 of a schema's content a line, in the user's cache
# folder. Checking the 12 schemas against JSON Schema's meta-schema took 0.1-0.2 s of the 1 s that `kb validate`
# takes on the whole data, on every run, although they rarely change. A missing, unreadable or unwritable file
# only means checking again.
_KEPT_DIGESTS = 500


def _passed_schemas_file() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kb" / "passed-schemas.txt"


@functools.cache
def _passed_schemas(file: Path) -> set[str]:
    """The digests in the file (read once a process; the set grows as schemas pass)."""
    try:
        lines = file.read_text(encoding="ascii").split()
    except (OSError, UnicodeDecodeError):
        lines = []
    return {line for line in lines if re.fullmatch(r"[0-9a-f]{64}", line)}


def _remember_passed(digest: str) -> None:
    file = _passed_schemas_file()
    passed = _passed_schemas(file)
    passed.add(digest)
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        if len(passed) > _KEPT_DIGESTS:  # start again rather than grow without end
            passed.intersection_update({digest})
            file.write_text(digest + "\n", encoding="ascii")
        else:
            with file.open("a", encoding="ascii") as lines:
                lines.write(digest + "\n")
    except OSError:
        pass


def _mappings(node: Any) -> Iterator[dict[str, Any]]:
    """Every mapping in a schema (or a part of it), the node itself first."""
    if isinstance(node, list):
        for item in node:
            yield from _mappings(item)
    elif isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _mappings(value)


def _property_names(node: Any) -> set[str]:
    """The names of every property a schema (or a part of it) declares."""
    return {name for mapping in _mappings(node) if isinstance(mapping.get("properties"), dict)
            for name in mapping["properties"]}


def _referenced_files(node: Any) -> set[str]:
    """The schema files a schema's ``$ref``s point into."""
    return {mapping["$ref"].split("#", 1)[0] for mapping in _mappings(node)
            if isinstance(mapping.get("$ref"), str)} - {""}


def _entity_type(file_name: str, schema: dict[str, Any]) -> EntityType | None:
    if "x-type" not in schema:
        return None
    missing = [key for key in _TYPE_KEYS if not isinstance(schema.get(key), str)]
    if missing:
        raise SchemaError(file_name, f"an entity type's schema needs {', '.join(missing)} (text)")
    order = schema.get("x-order", 99)
    return EntityType(schema["x-type"], schema["x-plural"], schema["x-directory"], schema["title"], file_name,
                      order if isinstance(order, int) else 99)


_ANNOTATIONS = {"description", "examples", "title", "$comment", "default"}
_CHOICE_KEYS = {"const", "x-facet", *_ANNOTATIONS}  # what an option of a choice holds (x-facet: its group of tags)


def _inline_refs(folder: Path, raw: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every schema with its ``$ref``s replaced by their targets, so that checks walk one tree per file.

    ``{"$ref": X, **siblings}`` becomes ``{**siblings, **X}``: the target's own keywords win, so errors raised
    inside it carry the same schema (and description) as when the reference was followed. Were a sibling to
    repeat one of the target's validation keywords, the two are kept apart under ``allOf`` instead.
    """
    done: dict[tuple[str, str], Any] = {}

    def target(file_name: str, reference: str, chain: tuple[tuple[str, str], ...]) -> Any:
        file_part, _, pointer = reference.partition("#")
        key = (file_part or file_name, pointer)
        if key in chain:
            raise SchemaError(folder / file_name, f"$ref {reference!r} refers to itself")
        if key not in done:
            node = _pointed_at(raw.get(key[0]), pointer)
            if node is None:
                raise SchemaError(folder / file_name, f"$ref {reference!r} points at nothing")
            done[key] = inline(node, key[0], (*chain, key))
        return done[key]

    def inline(node: Any, file_name: str, chain: tuple[tuple[str, str], ...] = ()) -> Any:
        if isinstance(node, list):
            return [inline(item, file_name, chain) for item in node]
        if not isinstance(node, dict):
            return node
        siblings = {k: inline(v, file_name, chain) for k, v in node.items() if k != "$ref"}
        if not isinstance(node.get("$ref"), str):
            return _choice_as_enum(siblings)
        resolved = target(file_name, node["$ref"], chain)
        clashes = (set(siblings) & set(resolved)) - _ANNOTATIONS if isinstance(resolved, dict) else set()
        if not isinstance(resolved, dict) or clashes:
            return {**siblings, "allOf": [resolved, *siblings.get("allOf", [])]}
        return {**siblings, **resolved}

    return {name: inline(schema, name) for name, schema in raw.items()}


def _choice_as_enum(node: dict[str, Any]) -> dict[str, Any]:
    """A ``oneOf`` of ``const`` values (a choice with a description or title per value, for editors and
    ``kb new``) as the ``enum`` it means: checked in one step instead of one sub-schema per value."""
    options = node.get("oneOf")
    if not isinstance(options, list) or not options or not all(
            isinstance(option, dict) and "const" in option and set(option) <= _CHOICE_KEYS
            for option in options):
        return node
    # The options stay beside the enum, as an annotation, for what reads their titles (tags on the site).
    return {**{key: value for key, value in node.items() if key != "oneOf"}, "enum": [o["const"] for o in options],
            "x-choices": options}


def choices(node: dict[str, Any]) -> list[dict[str, Any]]:
    """The options of a choice with a ``const`` each (and their titles or descriptions), whether the schema was
    inlined (which checks them as an enum and keeps them under ``x-choices``) or not."""
    options = node.get("x-choices") or node.get("oneOf") or []
    return [option for option in options if isinstance(option, dict) and "const" in option]


def _pointed_at(node: Any, pointer: str) -> Any:
    """The part of a schema a JSON pointer (``/$defs/id``) names, or None."""
    for part in filter(None, pointer.split("/")):
        node = node.get(part.replace("~1", "/").replace("~0", "~")) if isinstance(node, dict) else None
    return node
