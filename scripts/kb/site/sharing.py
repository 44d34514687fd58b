"""What a page tells search engines, link previews and reference tools about itself: schema.org structured
data (JSON-LD) and the plain title and description for OpenGraph and Twitter cards (the theme's ``main.html``
writes the tags).

Every page is a ``MedicalWebPage``. An entity page's ``mainEntity`` is the entity, typed as its schema says
(``x-schema-org`` on the schema: a product is a ``Drug``, a trial a ``MedicalTrial``, a disease a
``MedicalCondition``), with the fields its schema maps to schema.org properties (``x-schema-org`` on a field;
a reference becomes the referenced entity, named and linked). Addresses are absolute, from ``site_url``.
"""

from __future__ import annotations

import json
from typing import Any

from kb.model import Entity, KnowledgeBase

SCHEMA_ORG = "https://schema.org"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
# What a referenced entity is when its type names no schema.org type.
UNTYPED = "MedicalEntity"


def page_json_ld(kb: KnowledgeBase | None, *, title: str, description: str, url: str, site_url: str,
                 site_name: str, entity: Entity | None = None, last_reviewed: str | None = None) -> dict[str, Any]:
    """The structured data of one page (``url`` absolute)."""
    data: dict[str, Any] = {
        "@context": SCHEMA_ORG, "@type": "MedicalWebPage", "name": title, "description": description, "url": url,
        "inLanguage": "en", "license": LICENSE,
        "isPartOf": {"@type": "WebSite", "name": site_name, "url": site_url},
    }
    if last_reviewed:
        data["lastReviewed"] = data["dateModified"] = last_reviewed
    if kb is not None and entity is not None:
        node = entity_node(kb, entity, site_url)
        if node is not None:
            data["mainEntity"] = {**node, "description": description}
    return data


def schema_org_type(kb: KnowledgeBase, type_name: str) -> str | None:
    """The schema.org type an entity type's schema names (``x-schema-org``), if any."""
    entity_type = kb.schemas.entity_types[type_name]
    declared = kb.schemas.raw[entity_type.schema_file].get("x-schema-org")
    return declared if isinstance(declared, str) else None


def entity_node(kb: KnowledgeBase, entity: Entity, site_url: str) -> dict[str, Any] | None:
    """The entity as schema.org sees it, with the fields its schema maps; None if its type names no type."""
    schema_type = schema_org_type(kb, entity.type.name)
    if schema_type is None:
        return None
    node: dict[str, Any] = {"@type": schema_type, "name": entity.name, "url": site_url + entity.url}
    properties = kb.schemas.inlined[entity.type.schema_file].get("properties", {})
    for field_name, field_schema in properties.items():
        target = field_schema.get("x-schema-org")
        if not isinstance(target, str) or field_name not in entity.data:
            continue
        for value in _values(kb, entity.data[field_name], field_schema, site_url):
            _append(node, target, value)
    return node


def _values(kb: KnowledgeBase, value: Any, field_schema: dict[str, Any], site_url: str) -> list[Any]:
    """A field's values: each reference as the entity it names, the rest as text."""
    items = value if isinstance(value, list) else [value]
    item_schema = field_schema.get("items", field_schema) if isinstance(value, list) else field_schema
    if item_schema.get("x-references") in {t.name for t in kb.types}:
        referenced = [kb.entities[i] for i in items if i in kb.entities]
        return [{"@type": schema_org_type(kb, other.type.name) or UNTYPED, "name": other.name,
                 "url": site_url + other.url} for other in referenced]
    return [str(item) for item in items]


def _append(node: dict[str, Any], key: str, value: Any) -> None:
    """Set ``key``, or make it a list when a second value comes (aliases and an abbreviation, say)."""
    if key not in node:
        node[key] = value
    elif isinstance(node[key], list):
        if value not in node[key]:
            node[key].append(value)
    elif node[key] != value:
        node[key] = [node[key], value]


def script_json(data: dict[str, Any]) -> str:
    """JSON for inside a ``<script>`` element: ``<``, ``>`` and ``&`` escaped, so no text from the data can
    close the element or start markup."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
