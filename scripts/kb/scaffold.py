"""``kb new``: write a new data file (or bibliography entry) from its JSON Schema, every field explained.

Required fields are written with ``TODO`` placeholders that fail validation until they are filled in. Optional
fields are written as comments with an example, ready to uncomment; a list of items (figures, approvals,
sections…) or a group of fields (construct, enrollment…) as one commented example item, each of its fields
explained on the line above it. ``--like OTHER`` starts instead from an existing entity's shape: the same fields
in the same order, lists of items of the same length, every value a ``TODO``; none of its facts. Nothing here
repeats the schema: descriptions, examples and allowed values are read from it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from kb.data.load import load_document
from kb.data.schemas import SCHEMA_BASE, EntityType, Schemas
from kb.data.validate import ID_PATTERN, RESERVED_IDS

PLACEHOLDER = "TODO"
# Lists a new entity starts afresh with one item, whatever the entity it is modelled on has.
STARTS_AFRESH = {"review_history"}


class ScaffoldError(Exception):
    """The request cannot be carried out (bad id, existing id, unknown type)."""


def _resolve(schemas: Schemas, schema: dict[str, Any], base: str) -> tuple[dict[str, Any], str]:
    """Follow ``$ref`` (keeping sibling keywords such as a more specific description)."""
    while "$ref" in schema:
        reference = schema["$ref"]
        resolved = schemas.registry.resolver(base_uri=SCHEMA_BASE + base).lookup(reference)
        if not reference.startswith("#"):
            base = reference.split("#", 1)[0]
        siblings = {k: v for k, v in schema.items() if k != "$ref"}
        schema = {**resolved.contents, **siblings}
    return schema, base


def _choices(schema: dict[str, Any]) -> list[str]:
    if "enum" in schema:
        return [str(v) for v in schema["enum"]]
    if "oneOf" in schema and all("const" in s for s in schema["oneOf"]):
        return [str(s["const"]) for s in schema["oneOf"]]
    return []


def _example(schema: dict[str, Any]) -> Any:
    if schema.get("examples"):
        return schema["examples"][0]
    choices = _choices(schema)
    if choices:
        return choices[0]
    if "items" in schema and isinstance(schema["items"], dict) and schema["items"].get("examples"):
        return [schema["items"]["examples"][0]]
    return None


def _scalar(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _has_fields(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "object" and "properties" in schema


def _as_list_item(lines: list[str], indent: str) -> list[str]:
    """An item's field lines (indented by ``indent`` + 2) as one list item: its first field after the dash."""
    first = next(i for i, line in enumerate(lines) if not line.lstrip().startswith("#"))
    return [*lines[:first], f"{indent}- {lines[first].lstrip()}", *lines[first + 1:]]


class _Writer:
    def __init__(self, schemas: Schemas):
        self.schemas = schemas
        self.lines: list[str] = []

    def explain(self, schema: dict[str, Any], base: str, required: bool | None = None) -> str:
        """What a field is: its description, the values it takes, and whether it is required."""
        items = schema.get("items")
        item_choices = _choices(_resolve(self.schemas, items, base)[0]) if isinstance(items, dict) else []
        parts = [schema.get("description", "")]
        choices = _choices(schema)
        if choices:
            parts.append("One of: " + ", ".join(choices) + ".")
        if item_choices:
            parts.append("Any of: " + ", ".join(item_choices) + ".")
        if required is not None:
            parts.append("(required)" if required else "(optional)")
        return " ".join(part for part in parts if part)

    def comment(self, indent: str, text: str) -> None:
        if text:
            self.lines.append(f"{indent}# {text}")

    # --- A new file from the schema --------------------------------------------------------------------------

    def mapping(self, schema: dict[str, Any], base: str, indent: str) -> None:
        required = schema.get("required", [])
        for name, sub in schema.get("properties", {}).items():
            self.field(name, sub, base, indent, name in required)

    def field(self, name: str, schema: dict[str, Any], base: str, indent: str, required: bool) -> None:
        schema, base = _resolve(self.schemas, schema, base)
        self.comment(indent, self.explain(schema, base))
        if required:
            self.required(name, schema, base, indent)
        else:
            self.lines += [f"{indent}# {line}" for line in self.example(name, schema, base)]

    def required(self, name: str, schema: dict[str, Any], base: str, indent: str) -> None:
        """A required field: its fields (or items) to fill in, each value a TODO."""
        kind = schema.get("type")
        items, item_base = _resolve(self.schemas, schema.get("items", {}), base) if kind == "array" else ({}, base)
        if _has_fields(schema):
            self.lines.append(f"{indent}{name}:")
            self.mapping(schema, base, indent + "  ")
        elif _has_fields(items):
            self.lines.append(f"{indent}{name}:")
            for _ in range(max(1, schema.get("minItems", 1))):
                self.lines.append(f"{indent}  -")
                self.mapping(items, item_base, indent + "    ")
        elif kind == "array":
            self.lines.append(f"{indent}{name}: [{PLACEHOLDER}]")
        else:
            example = _example(schema)
            kind_hint = "a number, " if kind in ("integer", "number") else ""
            hint = f"  # {kind_hint}e.g. {_scalar(example)}" if example is not None else ""
            self.lines.append(f"{indent}{name}: {PLACEHOLDER}{hint}")

    def example(self, name: str, schema: dict[str, Any], base: str) -> list[str]:
        """The field with an example value as YAML lines (the first unindented); each field of a group or of a
        list's item explained on a comment line above it."""
        items, item_base = _resolve(self.schemas, schema.get("items", {}), base) \
            if schema.get("type") == "array" else ({}, base)
        if _has_fields(schema):
            return [f"{name}:", *self.example_fields(schema, base, "  ")]
        if _has_fields(items):
            return [f"{name}:", *_as_list_item(self.example_fields(items, item_base, "    "), "  ")]
        example = _example(schema)
        if example is None and items:  # a list of values: one example value
            example = [_example(items)] if _example(items) is not None else None
        return [f"{name}: {_scalar(example) if example is not None else '…'}"]

    def example_fields(self, schema: dict[str, Any], base: str, indent: str) -> list[str]:
        lines = []
        required = schema.get("required", [])
        for name, sub in schema.get("properties", {}).items():
            sub, sub_base = _resolve(self.schemas, sub, base)
            lines.append(f"{indent}# {self.explain(sub, sub_base, name in required)}")
            lines += [indent + line for line in self.example(name, sub, sub_base)]
        return lines

    # --- A new file in the shape of another ------------------------------------------------------------------

    def shape(self, value: dict[str, Any], schema: dict[str, Any], base: str, indent: str, explain: bool = True
              ) -> None:
        """The fields of ``value`` in order, each value a TODO, lists of items as long as in ``value``."""
        properties = schema.get("properties", {})
        for name, item in value.items():
            sub, sub_base = _resolve(self.schemas, properties.get(name, {}), base)
            if explain:
                self.comment(indent, self.explain(sub, sub_base))
            if isinstance(item, dict):
                self.lines.append(f"{indent}{name}:")
                self.shape(item, sub, sub_base, indent + "  ", explain)
            elif isinstance(item, list) and item and all(isinstance(entry, dict) for entry in item):
                self.shaped_items(name, item, sub, sub_base, indent, explain)
            elif isinstance(item, list):
                self.lines.append(f"{indent}{name}: [{PLACEHOLDER}]")
            else:
                kind = {bool: "true or false", int: "a number", float: "a number"}.get(type(item))
                self.lines.append(f"{indent}{name}: {PLACEHOLDER}" + (f"  # {kind}" if kind else ""))

    def shaped_items(self, name: str, items: list[dict[str, Any]], schema: dict[str, Any], base: str, indent: str,
                     explain: bool) -> None:
        item_schema, item_base = _resolve(self.schemas, schema.get("items", {}), base)
        self.lines.append(f"{indent}{name}:")
        for number, item in enumerate(items[:1] if name in STARTS_AFRESH else items):
            start = len(self.lines)
            self.shape(item, item_schema, item_base, indent + "    ", explain and number == 0)
            self.lines[start:] = _as_list_item(self.lines[start:], indent + "  ")


def scaffold_entity(schemas: Schemas, type_name: str, entity_id: str, data_root: Path, like: str | None = None
                    ) -> Path:
    """Write ``data/<type dir>/<id>.yaml`` (in the shape of the entity ``like``, if given); refuse bad,
    duplicate or existing ids."""
    if type_name not in schemas.entity_types:
        raise ScaffoldError(f"unknown type '{type_name}'; choose one of: {', '.join(sorted(schemas.entity_types))}"
                            ", source")
    _check_new_id(schemas, entity_id, data_root)
    entity_type = schemas.entity_types[type_name]
    schema = schemas.raw[entity_type.schema_file]
    writer = _Writer(schemas)
    writer.lines += [f"# yaml-language-server: $schema=../schema/{entity_type.schema_file}",
                     f"# {entity_type.title}: {schema.get('description', '')}"]
    if like is None:
        writer.lines += [f"# Replace every {PLACEHOLDER}; `kb validate` lists the ones left. Optional fields are "
                         "commented out, with an example: uncomment the ones you need.", ""]
        writer.mapping(schema, entity_type.schema_file, "")
    else:
        model = _model_entity(entity_type, like, data_root)
        writer.lines += [f"# In the shape of {like}: its fields, and as many items in each list, every value a "
                         f"{PLACEHOLDER}. Fill each in from your sources, or delete what does not apply; "
                         "`kb validate` lists the ones left.", ""]
        writer.shape(model, schema, entity_type.schema_file, "")
    path = data_root / entity_type.directory / f"{entity_id}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as handle:  # "x": never overwrite, even in a race
        handle.write("\n".join(writer.lines) + "\n")
    return path


def _model_entity(entity_type: EntityType, entity_id: str, data_root: Path) -> dict[str, Any]:
    """The data of the entity a new one takes its shape from (of the same type)."""
    path = data_root / entity_type.directory / f"{entity_id}.yaml"
    if not re.fullmatch(ID_PATTERN, entity_id) or not path.is_file():
        raise ScaffoldError(f"--like: there is no {entity_type.name} '{entity_id}' ({path} does not exist); give "
                            f"the id of an existing {entity_type.name}")
    document, problems = load_document(path, data_root)
    if document is None:
        raise ScaffoldError(f"--like: {problems[0]}")
    return document.data


def scaffold_source(schemas: Schemas, source_id: str, data_root: Path) -> Path:
    """Append a placeholder entry, explained field by field, to the bibliography."""
    _check_new_id(schemas, source_id, data_root)
    schema_file, _ = schemas.collection_schema("source")
    entry = schemas.raw[schema_file]["additionalProperties"]
    writer = _Writer(schemas)
    writer.lines.append("\n# New source: fill in kind and citation, then the identifier its kind needs.")
    writer.lines.append(f"{source_id}:")
    for name, sub in entry["properties"].items():
        writer.field(name, sub, schema_file, "  ", name in entry.get("required", []))
    path = data_root / "sources.yaml"
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(writer.lines) + "\n")
    return path


def _existing_ids(schemas: Schemas, data_root: Path) -> set[str]:
    ids = {p.stem for t in schemas.entity_types.values() for p in (data_root / t.directory).glob("*.yaml")}
    sources = data_root / "sources.yaml"
    if sources.exists():
        ids |= {line.split(":", 1)[0] for line in sources.read_text(encoding="utf-8").splitlines()
                if line and not line.startswith((" ", "#", "-")) and ":" in line}
    return ids


def _check_new_id(schemas: Schemas, new_id: str, data_root: Path) -> None:
    if not re.fullmatch(ID_PATTERN, new_id):
        raise ScaffoldError(f"'{new_id}' is not a valid id: use lower-case letters, digits and single hyphens, "
                            "e.g. 'car-nk' or 'tisagenlecleucel'")
    if new_id in RESERVED_IDS:
        raise ScaffoldError(f"'{new_id}' cannot be an id: {RESERVED_IDS[new_id]}")
    if new_id in _existing_ids(schemas, data_root):
        raise ScaffoldError(f"id '{new_id}' already exists; ids are unique across all types")
