"""``kb new``: write a new data file (or bibliography entry) from its JSON Schema, every field explained.

Required fields are written with ``TODO`` placeholders that fail validation until they are filled in;
optional fields are written as comments with an example, ready to uncomment. Nothing here repeats the
schema: descriptions, examples and allowed values are read from it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from kb.data.schemas import SCHEMA_BASE, Schemas
from kb.data.validate import ID_PATTERN, RESERVED_IDS

PLACEHOLDER = "TODO"


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


class _Writer:
    def __init__(self, schemas: Schemas):
        self.schemas = schemas
        self.lines: list[str] = []

    def comment(self, indent: str, schema: dict[str, Any], item_choices: list[str]) -> None:
        text = schema.get("description", "")
        choices = _choices(schema)
        if choices:
            text += (" " if text else "") + "One of: " + ", ".join(choices) + "."
        if item_choices:
            text += (" " if text else "") + "Any of: " + ", ".join(item_choices) + "."
        if text:
            self.lines.append(f"{indent}# {text}")

    def field(self, name: str, schema: dict[str, Any], base: str, indent: str, required: bool) -> None:
        schema, base = _resolve(self.schemas, schema, base)
        items = schema.get("items")
        # A list of values from a fixed list (tags): the comment names them, the example is the first.
        item_choices = _choices(_resolve(self.schemas, items, base)[0]) if isinstance(items, dict) else []
        self.comment(indent, schema, item_choices)
        if not required:
            example = _example(schema)
            if example is None and item_choices:
                example = [item_choices[0]]
            shown = _scalar(example) if example is not None else "…"
            self.lines.append(f"{indent}# {name}: {shown}")
            return
        kind = schema.get("type")
        if kind == "object" and "properties" in schema:
            self.lines.append(f"{indent}{name}:")
            self.mapping(schema, base, indent + "  ")
        elif kind == "array":
            items, item_base = _resolve(self.schemas, schema.get("items", {}), base)
            if items.get("type") == "object" and "properties" in items:
                self.lines.append(f"{indent}{name}:")
                for _ in range(max(1, schema.get("minItems", 1))):
                    self.lines.append(f"{indent}  -")
                    self.mapping(items, item_base, indent + "    ")
            else:
                self.lines.append(f"{indent}{name}: [{PLACEHOLDER}]")
        elif kind in ("integer", "number"):
            example = _example(schema)
            self.lines.append(f"{indent}{name}: {PLACEHOLDER}  # a number{f', e.g. {example}' if example else ''}")
        else:
            example = _example(schema)
            hint = f"  # e.g. {_scalar(example)}" if example is not None else ""
            self.lines.append(f"{indent}{name}: {PLACEHOLDER}{hint}")

    def mapping(self, schema: dict[str, Any], base: str, indent: str) -> None:
        required = schema.get("required", [])
        for name, sub in schema.get("properties", {}).items():
            self.field(name, sub, base, indent, name in required)


def scaffold_entity(schemas: Schemas, type_name: str, entity_id: str, data_root: Path) -> Path:
    """Write ``data/<type dir>/<id>.yaml``; refuse bad, duplicate or existing ids."""
    if type_name not in schemas.entity_types:
        raise ScaffoldError(f"unknown type '{type_name}'; choose one of: {', '.join(sorted(schemas.entity_types))}"
                            ", source")
    _check_new_id(schemas, entity_id, data_root)
    entity_type = schemas.entity_types[type_name]
    schema = schemas.raw[entity_type.schema_file]
    writer = _Writer(schemas)
    writer.lines += [
        f"# yaml-language-server: $schema=../schema/{entity_type.schema_file}",
        f"# {entity_type.title}: {schema.get('description', '')}",
        f"# Replace every {PLACEHOLDER}; `kb validate` lists the ones left. Optional fields are commented out.",
        "",
    ]
    writer.mapping(schema, entity_type.schema_file, "")
    path = data_root / entity_type.directory / f"{entity_id}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as handle:  # "x": never overwrite, even in a race
        handle.write("\n".join(writer.lines) + "\n")
    return path


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
