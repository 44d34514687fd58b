"""Validate stage: find and load the data files, then check them in three steps and report every problem at once.

1. classify: which file is which entity (by its folder and name) or collection (by its name);
2. schema: each file against its JSON Schema in ``data/schema/`` (the shape of the data);
3. rules: what a schema cannot say (:mod:`kb.data.rules`), where the schema's custom keywords mark it, and
   for every file.

Every problem, whatever its kind, is a ``PATH:LINE:COL: error: MESSAGE`` line pinned to the node at fault.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from jsonschema import ValidationError

from kb import clock
from kb.data import rules
from kb.data.load import Document, JsonPath, find_data_files, load_documents
from kb.data.schemas import SchemaError, Schemas, load_schemas
from kb.problems import Problem, display_path

ID_PATTERN = r"[a-z0-9]+(-[a-z0-9]+)*"
# An entity's page is <type folder>/<id>.md: this id would take the place of the page listing the type.
RESERVED_IDS = {"index": "it names the page that lists every entity of a type"}


class Reference(NamedTuple):
    """One link from an entity to another entity or a source, as written in the data."""

    origin: str  # the id of the entity whose file holds the reference
    path: JsonPath
    target: str
    target_type: str


@dataclass
class ValidationResult:
    """What validation hands to the model: the files it accepted, the references in them, the problems."""

    schemas: Schemas
    entities: dict[str, tuple[str, Document]] = field(default_factory=dict)  # id -> (type, document)
    collections: dict[str, Document] = field(default_factory=dict)  # data file name -> document
    references: list[Reference] = field(default_factory=list)  # from entities, in id order, each once
    problems: list[Problem] = field(default_factory=list)


def check_data(data_root: Path, today: dt.date | None = None) -> ValidationResult:
    """Find, load and validate everything under ``data_root``. Raises SchemaError if the schemas are unusable."""
    schemas = load_schemas(_schema_folder(data_root))
    directories = [t.directory for t in schemas.entity_types.values()]
    paths, problems = find_data_files(data_root, directories, list(schemas.collection_files))
    problems += _undeclared_folders(data_root, directories)
    documents, unreadable, load_problems = load_documents(paths, data_root)
    result = validate_documents(documents, unreadable, data_root, schemas, today or clock.today())
    result.problems = sorted(set(problems + load_problems + result.problems))
    return result


def _schema_folder(data_root: Path) -> Path:
    folder = data_root / "schema"
    if folder.exists() and not folder.resolve().is_relative_to(data_root.resolve()):
        raise SchemaError(folder, "the schema folder is a link to a folder outside the data folder")
    return folder


def _undeclared_folders(data_root: Path, directories: list[str]) -> list[Problem]:
    """Folders beside the type folders that no schema declares (a deleted schema, a misspelt folder)."""
    if not data_root.is_dir():
        return [Problem(display_path(data_root), 1, 1, "the data folder is missing")]
    return [Problem(display_path(folder), 1, 1, f"folder '{folder.name}' is not an entity type: no schema in "
                                                f"data/schema/ declares x-directory: {folder.name}")
            for folder in sorted(data_root.iterdir())
            if folder.is_dir() and folder.name not in {*directories, "schema"} and not folder.name.startswith(".")]


def validate_documents(documents: list[Document], unreadable: list[Path], data_root: Path, schemas: Schemas,
                       today: dt.date) -> ValidationResult:
    """Check every document: classify, schema, rules."""
    result = ValidationResult(schemas)
    classify(documents, data_root, schemas, result)
    ids = _id_index(result, unreadable, data_root, schemas)
    for file_name, document in sorted(result.collections.items()):
        schema_file = schemas.collection_files[file_name]
        result.problems += schema_problems(document, schemas, schema_file)
        result.problems += rule_problems(document, schemas.inlined[schema_file], ids, today)[0]
        result.problems += rules.first_line_problems(document, f"schema/{schema_file}")
    for entity_id, (type_name, document) in sorted(result.entities.items()):
        schema_file = schemas.entity_types[type_name].schema_file
        result.problems += schema_problems(document, schemas, schema_file)
        found, references = rule_problems(document, schemas.inlined[schema_file], ids, today)
        result.problems += found
        result.problems += rules.table_problems(document)
        result.problems += rules.review_problems(document, today)
        result.problems += rules.secondary_figure_problems(document, ids.source_kinds)
        result.problems += rules.first_line_problems(document, f"../schema/{schema_file}")
        result.references += dict.fromkeys(Reference(entity_id, *reference) for reference in references)
    result.problems += _skipped_note(ids, unreadable)
    return result


# --- 1. Classify --------------------------------------------------------------------------------------------

def classify(documents: list[Document], data_root: Path, schemas: Schemas, result: ValidationResult) -> None:
    """Sort the documents into entities (by folder; the file name is the id) and collection files."""
    by_directory = {t.directory: t for t in schemas.entity_types.values()}
    for document in documents:
        relative = document.path.relative_to(data_root).parts
        if len(relative) == 1 and relative[0] in schemas.collection_files:
            result.collections[relative[0]] = document
            continue
        entity_type = by_directory.get(relative[0]) if len(relative) == 2 else None
        problem = _id_problem(document, result) if entity_type else \
            "this file is not part of any entity type's folder"
        if problem:
            result.problems.append(document.problem((), problem))
        else:
            assert entity_type is not None
            result.entities[document.path.stem] = (entity_type.name, document)


def _id_problem(document: Document, result: ValidationResult) -> str | None:
    entity_id = document.path.stem
    if not re.fullmatch(ID_PATTERN, entity_id):
        return (f"file name '{entity_id}' is not a valid id: use lower-case letters, digits and single hyphens "
                "(kebab-case)")
    if entity_id in RESERVED_IDS:
        return f"file name '{entity_id}' cannot be an id: {RESERVED_IDS[entity_id]}; rename the file"
    if entity_id in result.entities:
        other = result.entities[entity_id][1].shown_path
        return f"id '{entity_id}' is already used by {other}; ids are unique across all entity types"
    return None


def _id_index(result: ValidationResult, unreadable: list[Path], data_root: Path, schemas: Schemas) -> rules.IdIndex:
    readable = {t.name for t in schemas.entity_types.values() if not (data_root / t.directory).is_file()}
    ids = rules.IdIndex(types={i: t for i, (t, _) in result.entities.items()},
                        entity_types=readable,  # a type whose folder is a file: its ids cannot be known
                        unreadable_ids={path.stem for path in unreadable if path.parent != data_root})
    sources = result.collections.get("sources.yaml")
    if sources is not None:
        ids.sources = set(sources.data)
        ids.source_kinds = {key: entry.get("kind") for key, entry in sources.data.items() if isinstance(entry, dict)}
    elif data_root / "sources.yaml" in unreadable:
        ids.sources_unreadable = True
    else:
        result.problems.append(Problem(display_path(data_root / "sources.yaml"), 1, 1, "the bibliography file is "
                                       "missing; every [@source] citation and sources: list refers to it"))
        ids.sources_unreadable = True  # one problem is enough: citations are not reported one by one
    return ids


def _skipped_note(ids: rules.IdIndex, unreadable: list[Path]) -> list[Problem]:
    if not ids.skipped or not unreadable:
        return []
    return [Problem(display_path(unreadable[0]), 1, 1, f"{ids.skipped} reference(s) to ids defined in files that "
                                                       "could not be read were not checked; fix those files first",
                    "warning")]


# --- 2. Schema ----------------------------------------------------------------------------------------------

def schema_problems(document: Document, schemas: Schemas, schema_file: str) -> list[Problem]:
    """The document against its JSON Schema, each error in the curator's words."""
    validator = schemas.validator(schema_file)
    return [_schema_problem(document, error) for error in validator.iter_errors(document.data)]


def _schema_problem(document: Document, error: ValidationError) -> Problem:
    path: JsonPath = tuple(error.absolute_path)
    where = rules.field_name(path)
    prefix = f"{where}: " if where else ""
    message, at = _MESSAGES.get(str(error.validator), _default_message)(error)
    return document.problem((*path, *at), prefix + message, at_key=bool(at))


MessageAndPlace = tuple[str, tuple[str, ...]]  # the message, and a key below the error's node to point at


def _default_message(error: ValidationError) -> MessageAndPlace:
    return error.message, ()


def _missing_field(error: ValidationError) -> MessageAndPlace:
    missing = error.message.split("'")[1] if "'" in error.message else error.message
    # Conditional requirements (if/then) carry the reason in the `then` schema's description.
    why = error.schema.get("description") if "then" in error.relative_schema_path else None
    return f"missing required field '{missing}'" + (f" ({why})" if why else ""), ()


def _unknown_field(error: ValidationError) -> MessageAndPlace:
    allowed = sorted(error.schema.get("properties", {}))
    extra = [key for key in error.instance if key not in allowed] if isinstance(error.instance, dict) else []
    key = str(extra[0]) if extra else "?"
    hint = difflib.get_close_matches(key, allowed, n=1)
    suggestion = f" (did you mean '{hint[0]}'?)" if hint else f"; allowed: {', '.join(allowed)}"
    return f"unknown field '{key}'{suggestion}", (key,)


def _bad_key(error: ValidationError) -> MessageAndPlace:
    return f"'{error.instance}' is not a valid key here ({error.message})", (str(error.instance),)


_TYPE_NAMES = {"string": "text", "integer": "a whole number", "number": "a number", "array": "a list",
               "object": "a mapping", "boolean": "true or false"}


def _wrong_type(error: ValidationError) -> MessageAndPlace:
    expected = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
    return f"expected {' or '.join(_TYPE_NAMES.get(t, t) for t in expected)}, found {_describe(error.instance)}", ()


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    names = {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list", dict: "a mapping"}
    shown = json.dumps(value, ensure_ascii=False)[:40] if isinstance(value, str | int | float | bool) else ""
    return names.get(type(value), type(value).__name__) + (f" {shown}" if shown else "")


def _not_allowed_value(error: ValidationError) -> MessageAndPlace:
    options = error.validator_value
    if error.validator == "oneOf":
        if not all(isinstance(option, dict) and "const" in option for option in options):
            return _default_message(error)
        options = [option["const"] for option in options]
    return f"'{error.instance}' is not one of the allowed values: {', '.join(map(str, options))}", ()


def _wrong_form(error: ValidationError) -> MessageAndPlace:
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "pattern" and error.validator_value == r"\S":
        return "must hold more than spaces", ()
    if schema.get("format") in ("date", "partial-date"):
        wanted = "YYYY-MM-DD" if schema.get("format") == "date" else "YYYY-MM-DD, YYYY-MM or YYYY"
        return f"'{error.instance}' is not a valid date ({wanted})", ()
    expected = schema.get("description") or error.validator_value
    return f"'{error.instance}' does not have the expected form ({expected})", ()


_MESSAGES: dict[str, Callable[[ValidationError], MessageAndPlace]] = {
    "required": _missing_field,
    "additionalProperties": _unknown_field,
    "propertyNames": _bad_key,
    "type": _wrong_type,
    "enum": _not_allowed_value,
    "oneOf": _not_allowed_value,
    "pattern": _wrong_form,
    "format": _wrong_form,
    "minItems": lambda error: (f"needs at least {error.validator_value} item(s)", ()),
    "minLength": lambda error: ("must not be empty", ()),
    "maxLength": lambda error: (f"is {len(error.instance)} characters long; at most {error.validator_value} "
                                "are allowed", ()),
    "uniqueItems": lambda error: ("lists the same item twice", ()),
    "minimum": lambda error: (f"must be at least {error.validator_value}, found {error.instance}", ()),
    "maximum": lambda error: (f"must be at most {error.validator_value}, found {error.instance}", ()),
}


# --- 3. Rules -----------------------------------------------------------------------------------------------

CustomNode = tuple[JsonPath, Any, dict[str, Any]]


def rule_problems(document: Document, schema: dict[str, Any], ids: rules.IdIndex, today: dt.date
                  ) -> tuple[list[Problem], list[tuple[JsonPath, str, str]]]:
    """The problems the rules find in ``document``, and the (path, id, type) references it makes."""
    problems: list[Problem] = []
    references: list[tuple[JsonPath, str, str]] = []
    for path, text, is_key in rules.strings_in(document.data):
        message = rules.character_problem(text)
        if message:
            problems.append(document.problem(path, f"{_where(path)}{message}", at_key=is_key))
    for path, value, node in custom_nodes(schema, document.data):
        if not isinstance(value, str):  # a wrong type: the schema check reports it
            continue
        for message in _node_problems(value, node, today):
            problems.append(document.problem(path, f"{_where(path)}{message}"))
        for target, target_type in _references(value, node):
            references.append((path, target, target_type))
            message = rules.reference_problem(ids, target, target_type)
            if message:
                problems.append(document.problem(path, f"{_where(path)}{message}"))
    return problems, references


def _where(path: JsonPath) -> str:
    name = rules.field_name(path)
    return f"{name}: " if name else ""


def _node_problems(value: str, node: dict[str, Any], today: dt.date) -> Iterator[str]:
    if "x-text" in node:
        yield from rules.text_problems(value, node["x-text"])
    if node.get("x-not-future"):
        message = rules.future_date_problem(value, today)
        if message:
            yield message


def _references(value: str, node: dict[str, Any]) -> Iterator[tuple[str, str]]:
    if "x-references" in node:
        yield value, node["x-references"]
    elif node.get("x-text") == "markdown":
        yield from rules.references_in_markdown(value)


def custom_nodes(schema: Any, value: Any, path: JsonPath = ()) -> Iterator[CustomNode]:
    """Each value whose (inlined) schema carries a custom keyword: its path, the value, that schema."""
    if not isinstance(schema, dict):
        return
    if "x-text" in schema or "x-references" in schema or "x-not-future" in schema:
        yield path, value, schema
    if isinstance(value, dict):
        properties, additional = schema.get("properties", {}), schema.get("additionalProperties")
        for key, item in value.items():
            yield from custom_nodes(properties.get(key, additional), item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from custom_nodes(schema.get("items"), item, (*path, index))
