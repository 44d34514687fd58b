"""Filters for lists of entities (each type's index, the comparisons): what a reader can narrow a list by.

The facets come from the schemas, not from code: a field marked ``"x-facet": "<key>"`` is one (a product's
``target``, a trial's ``phase``, an indication's ``disease``), and so is a choice marked the same way in a list
of choices (the tag ``cd19`` is a target). ``x-facets`` in ``common.schema.json`` gives each key its title and
the order the filters are shown in. A field may map its values onto the facet's (``x-facet-values``: the
regulator ``EMA CHMP`` is the region ``EU``).

A value's label is the referenced entity's abbreviation or name for a reference (``b-all``: B-ALL), the
choice's title for a choice, and the value itself otherwise; its slug (what the URL and the page carry)
is the id, or the label in kebab case. The page is a plain list without JavaScript; ``filters.js`` turns the
form on, hides the rows that do not match (OR within a facet, AND across facets) and keeps the choice in the
URL (``?disease=b-all&phase=phase-2``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from kb.data.schemas import choices
from kb.model import Entity, KnowledgeBase

_KEY = re.compile(r"[a-z][a-z0-9-]*")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """``Phase 1/2`` -> ``phase-1-2``: what a value looks like in the URL."""
    return _NOT_SLUG.sub("-", text.lower()).strip("-")


@dataclass(frozen=True)
class FacetField:
    """One place in a type's data whose values are facet values."""

    path: tuple[str, ...]  # property names, "*" for each item of a list
    key: str | None  # the facet, or None when each choice names its own (choice_keys)
    choice_keys: dict[str, str] = field(default_factory=dict)  # value -> facet, for choices marked one by one
    choice_titles: dict[str, str] = field(default_factory=dict)  # value -> its title in the schema
    mapped: dict[str, str] = field(default_factory=dict)  # value -> the facet's value (x-facet-values)
    order: tuple[str, ...] = ()  # the values of an enum, in the schema's order (the order they are listed in)
    references: str | None = None  # the entity type a reference names


def facet_fields(schema: dict[str, Any], path: tuple[str, ...] = ()) -> Iterator[FacetField]:
    """Every field of a schema (with its references inlined) marked as a facet, or holding choices that are."""
    if not isinstance(schema, dict):
        return
    options = choices(schema)
    titles = {str(o["const"]): o["title"] for o in options if "title" in o}
    choice_keys = {str(o["const"]): o["x-facet"] for o in options if _KEY.fullmatch(str(o.get("x-facet", "")))}
    key = schema.get("x-facet")
    if _KEY.fullmatch(str(key or "")) or choice_keys:
        order = tuple(map(str, schema.get("enum", [])))
        yield FacetField(path, key if _KEY.fullmatch(str(key or "")) else None, choice_keys, titles,
                         dict(schema.get("x-facet-values", {})), order, schema.get("x-references"))
    for name, child in schema.get("properties", {}).items():
        yield from facet_fields(child, (*path, name))
    if isinstance(schema.get("items"), dict):
        yield from facet_fields(schema["items"], (*path, "*"))


def _values_at(data: Any, path: tuple[str, ...]) -> Iterator[Any]:
    if not path:
        yield data
    elif path[0] == "*":
        for item in data if isinstance(data, list) else []:
            yield from _values_at(item, path[1:])
    elif isinstance(data, dict) and path[0] in data:
        yield from _values_at(data[path[0]], path[1:])


@dataclass
class Facet:
    key: str
    title: str
    values: dict[str, str] = field(default_factory=dict)  # slug -> label, in the order to list them
    counts: dict[str, int] = field(default_factory=dict)  # slug -> how many rows have it


@dataclass
class Filters:
    """The facets of one list and each row's values; what the filter form and the rows' attributes show."""

    noun: str  # what the rows are, plural ("products")
    list_id: str  # the id of the table the form filters
    facets: list[Facet]
    rows: dict[str, dict[str, list[str]]]  # entity id -> facet key -> slugs

    def attributes(self, entity: Entity) -> str:
        """The row's facet values as ``data-kb-<facet>`` attributes (space-separated slugs)."""
        values = self.rows.get(entity.id, {})
        return "".join(f' data-kb-{facet.key}="{html.escape(" ".join(values[facet.key]))}"'
                       for facet in self.facets if values.get(facet.key))


def filters_for(kb: KnowledgeBase, entities: list[Entity], noun: str, list_id: str, *, every_facet: bool = False
                ) -> Filters:
    """The filters of a list of entities (the whole list, where it is cut into pages): every facet their schemas
    declare that tells some rows from others (or that any row has, with ``every_facet``: for a CSV)."""
    titles = kb.schemas.raw.get("common.schema.json", {}).get("x-facets", {})
    facets: dict[str, Facet] = {key: Facet(key, title) for key, title in titles.items()}
    ranks: dict[tuple[str, str], tuple[int, str]] = {}
    rows: dict[str, dict[str, list[str]]] = {}
    fields_of: dict[str, list[FacetField]] = {}
    for entity in entities:
        if entity.type.name not in fields_of:
            fields_of[entity.type.name] = list(facet_fields(kb.schemas.inlined[entity.type.schema_file]))
        found: dict[str, list[str]] = {}
        for facet_field in fields_of[entity.type.name]:
            for raw in _values_at(entity.data, facet_field.path):
                key = facet_field.key or facet_field.choice_keys.get(str(raw))
                if key is None:
                    continue
                value_slug, label, rank = _value(kb, facet_field, raw)
                facet = facets.setdefault(key, Facet(key, key.replace("-", " ").capitalize()))
                facet.values.setdefault(value_slug, label)
                ranks.setdefault((key, value_slug), (rank, label.lower()))
                if value_slug not in found.setdefault(key, []):
                    found[key].append(value_slug)
        rows[entity.id] = found
        for key, slugs in found.items():
            for value_slug in slugs:
                facets[key].counts[value_slug] = facets[key].counts.get(value_slug, 0) + 1
    shown = [_sorted(facet, ranks) for facet in facets.values()
             if (every_facet and facet.values) or _tells_apart(facet, len(entities))]
    return Filters(noun, list_id, shown, rows)


def _value(kb: KnowledgeBase, facet_field: FacetField, raw: Any) -> tuple[str, str, int]:
    """(slug, label, rank in the schema's order) of one value of a facet field."""
    text = str(raw)
    rank = facet_field.order.index(text) if text in facet_field.order else len(facet_field.order)
    if facet_field.references and text in kb.entities:
        entity = kb.entities[text]
        return text, str(entity.data.get("abbreviation", entity.name)), rank
    if text in facet_field.mapped:
        return slug(facet_field.mapped[text]), facet_field.mapped[text], rank
    if text in facet_field.choice_titles:
        return slug(text), facet_field.choice_titles[text], rank
    label = text.replace("-", " ").capitalize() if facet_field.order else text
    return slug(text), label, rank


def _tells_apart(facet: Facet, rows: int) -> bool:
    """A facet is worth a filter when choosing one of its values would hide some rows."""
    return bool(facet.values) and (len(facet.values) > 1 or facet.counts.get(next(iter(facet.values)), 0) < rows)


def _sorted(facet: Facet, ranks: dict[tuple[str, str], tuple[int, str]]) -> Facet:
    order = sorted(facet.values, key=lambda value_slug: ranks[(facet.key, value_slug)])
    return Facet(facet.key, facet.title, {s: facet.values[s] for s in order}, facet.counts)
