"""Model stage: turn validated documents into a read-only knowledge base with cross-references both ways.

The entity's fields stay the plain mapping the schema describes (``entity.data``); this module adds only
what is derived: URLs, the ordered list of sources a page cites, and who refers to whom.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from kb.data.load import Document
from kb.data.schemas import EntityType, Schemas, choices
from kb.data.validate import Reference, ValidationResult, check_data
from kb.problems import DataError, Problem


@dataclass
class Source:
    """One bibliography entry and the links that open it."""

    id: str
    data: dict[str, Any]
    links: tuple[tuple[str, str], ...] = field(init=False)

    def __post_init__(self) -> None:
        self.links = self._links()

    def _links(self) -> tuple[tuple[str, str], ...]:
        """(label, URL) pairs, most authoritative first."""
        links = []
        if "pmid" in self.data:
            links.append((f"PubMed {self.data['pmid']}", f"https://pubmed.ncbi.nlm.nih.gov/{self.data['pmid']}/"))
        if "doi" in self.data:
            links.append((f"doi:{self.data['doi']}", f"https://doi.org/{self.data['doi']}"))
        if "nct" in self.data:
            links.append((self.data["nct"], f"https://clinicaltrials.gov/study/{self.data['nct']}"))
        if "url" in self.data and self.data["url"].rstrip("/") not in {url.rstrip("/") for _, url in links}:
            links.append(("Web page" if links else "Link", self.data["url"]))
        return tuple(links)


@dataclass
class Entity:
    """One entity: its id, type, fields as written in YAML, and where it came from."""

    id: str
    type: EntityType
    data: dict[str, Any]
    document: Document = field(repr=False)
    source_path: str = ""  # e.g. data/products/tisagenlecleucel.yaml, for edit links
    cited_sources: list[str] = field(default_factory=list)  # each once, in the order the file first cites them
    name: str = field(init=False)
    page_path: str = field(init=False)  # where the rendered Markdown lives inside the docs tree
    url: str = field(init=False)

    def __post_init__(self) -> None:
        self.name = self.data["name"]
        self.page_path = f"{self.type.plural}/{self.id}.md"
        self.url = f"{self.type.plural}/{self.id}/"


@dataclass
class KnowledgeBase:
    """Everything the renderer needs, with the cross-reference index built once."""

    types: list[EntityType]
    entities: dict[str, Entity]
    sources: dict[str, Source]
    glossary: dict[str, dict[str, Any]]
    releases: dict[str, dict[str, Any]]
    spellings: dict[str, str]  # data/spellings.yaml: a word start in American spelling -> in British spelling
    incoming: dict[str, list[Reference]]  # entity id -> the links to it from other entities
    problems: list[Problem]
    schemas: Schemas
    linked: dict[str, set[str]] = field(default_factory=dict)  # entity id -> the ids it links to or is linked from

    def of_type(self, type_name: str) -> list[Entity]:
        return sorted((e for e in self.entities.values() if e.type.name == type_name), key=lambda e: e.name.lower())

    def related(self, entity_id: str) -> dict[str, list[Entity]]:
        """Entities linked to or from this one, grouped by type name, each listed once."""
        linked = self.linked.get(entity_id, set()) - {entity_id}
        grouped: dict[str, list[Entity]] = defaultdict(list)
        for other in sorted((self.entities[i] for i in linked), key=lambda e: e.name.lower()):
            grouped[other.type.name].append(other)
        return {t.name: grouped[t.name] for t in self.types if grouped.get(t.name)}

    def referrers(self, entity_id: str, field_name: str) -> list[Entity]:
        """Entities whose top-level field ``field_name`` refers to ``entity_id`` (e.g. products of a therapy)."""
        origins = {r.origin for r in self.incoming.get(entity_id, []) if r.path and r.path[0] == field_name}
        return sorted((self.entities[i] for i in origins), key=lambda e: e.name.lower())

    def citing(self, source_id: str) -> list[Entity]:
        """Entities that cite a source."""
        return list(self._citing_index.get(source_id, ()))

    @cached_property
    def _citing_index(self) -> dict[str, list[Entity]]:
        """Source id -> the entities citing it, built in one pass (not one scan of every entity per source)."""
        index: dict[str, list[Entity]] = defaultdict(list)
        for entity in self.entities.values():
            for source_id in dict.fromkeys(entity.cited_sources):
                index[source_id].append(entity)
        return {source_id: sorted(entities, key=lambda e: e.name.lower()) for source_id, entities in index.items()}

    def last_reviewed(self) -> str:
        """The most recent review of any entity: when pages built from all the data were last checked."""
        return max((e.data["last_reviewed"] for e in self.entities.values()), default="")

    def tagged(self) -> dict[str, list[Entity]]:
        """Entities by tag, tags in alphabetical order."""
        by_tag: dict[str, list[Entity]] = defaultdict(list)
        for entity in sorted(self.entities.values(), key=lambda e: e.name.lower()):
            for tag in entity.data.get("tags", []):
                by_tag[tag].append(entity)
        return dict(sorted(by_tag.items()))

    @cached_property
    def tag_titles(self) -> dict[str, str]:
        """Each tag's title in the schemas' controlled list (car-t: CAR-T); empty if the list gives none."""
        for entity_type in self.types:
            schema = self.schemas.inlined.get(entity_type.schema_file, {})
            options = choices(schema.get("properties", {}).get("tags", {}).get("items", {}))
            if options:
                return _titles(options)
        return {}

    @cached_property
    def metric_titles(self) -> dict[str, str]:
        """Each figure metric's short label in the schemas (overall-remission: CR/CRi), for comparisons."""
        figure = self._shared_definition("figure")
        return _titles(choices(figure.get("properties", {}).get("metric", {})))

    @cached_property
    def evidence_level_titles(self) -> dict[str, str]:
        """Each evidence level's title in the schemas (randomised-trial: Randomized trial): the value stays as
        it is in the data and the open data, the title is what a page shows."""
        return _titles(choices(self._shared_definition("evidenceLevel")))

    def _shared_definition(self, name: str) -> dict[str, Any]:
        """A definition of the shared schema (common.schema.json's $defs), with its references inlined."""
        return self.schemas.inlined.get("common.schema.json", {}).get("$defs", {}).get(name, {})

    def review_events(self) -> list[tuple[str, Entity, dict[str, Any]]]:
        """Every review-history entry as (date, entity, entry), newest first."""
        events = [(entry["date"], entity, entry) for entity in self.entities.values()
                  for entry in entity.data.get("review_history", [])]
        return sorted(events, key=lambda event: (event[0], event[1].name.lower()), reverse=True)

    def recently_reviewed(self, count: int) -> list[Entity]:
        """The ``count`` pages reviewed last (by ``last_reviewed``), newest first; pages of one day by name."""
        by_name = sorted(self.entities.values(), key=lambda entity: entity.name.lower())
        return sorted(by_name, key=lambda entity: entity.data["last_reviewed"], reverse=True)[:count]


def _titles(options: list[dict[str, Any]]) -> dict[str, str]:
    """Each choice's title, by its value, for the choices of a schema list that give one."""
    return {option["const"]: option["title"] for option in options if "const" in option and "title" in option}


def load_knowledge_base(data_root: Path, *, strict: bool = False) -> KnowledgeBase:
    """The validated model of ``data_root``; raises DataError with every error (and warning, if strict)."""
    result = check_data(data_root)
    blocking = [p for p in result.problems if p.blocks(strict)]
    if blocking:
        raise DataError(blocking)
    return build_knowledge_base(result)


def build_knowledge_base(result: ValidationResult) -> KnowledgeBase:
    """Assemble the model from a validation result that had no errors."""
    schemas = result.schemas
    cited: dict[str, list[str]] = defaultdict(list)
    incoming: dict[str, list[Reference]] = defaultdict(list)
    linked: dict[str, set[str]] = defaultdict(set)
    for reference in result.references:
        if reference.target_type == "source":
            cited[reference.origin].append(reference.target)
            continue
        incoming[reference.target].append(reference)
        linked[reference.origin].add(reference.target)
        linked[reference.target].add(reference.origin)
    entities = {
        entity_id: Entity(entity_id, schemas.entity_types[type_name], document.data, document,
                          "data/" + "/".join(document.path.parts[-2:]), list(dict.fromkeys(cited[entity_id])))
        for entity_id, (type_name, document) in result.entities.items()
    }
    sources_doc = result.collections.get("sources.yaml")
    glossary_doc = result.collections.get("glossary.yaml")
    releases_doc = result.collections.get("releases.yaml")
    spellings_doc = result.collections.get("spellings.yaml")
    sources = {i: Source(i, d) for i, d in (sources_doc.data if sources_doc else {}).items()}
    return KnowledgeBase(
        types=list(schemas.entity_types.values()),
        entities=entities,
        sources=sources,
        glossary=dict(glossary_doc.data) if glossary_doc else {},
        releases=dict(releases_doc.data) if releases_doc else {},
        spellings=dict(spellings_doc.data) if spellings_doc else {},
        incoming=dict(incoming),
        problems=result.problems,
        schemas=schemas,
        linked=dict(linked),
    )

