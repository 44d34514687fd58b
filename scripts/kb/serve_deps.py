"""Which pages a change of the data may touch, from the page plan: ``kb serve`` renders the Markdown of those
again, and converts to HTML only the ones whose Markdown changed.

A page shows its own entity, and the names (and some fields) of the entities it links to or is linked from;
an index page lists the entities of its type; a tag's page lists the entities that carry the tag; a bibliography
page lists its sources and the entities citing them; every other page built from all the data (comparisons, the
list of tags, what's new, downloads…) may show anything. All of those carry the date of the latest review in their
front matter. So a change to an entity touches its page, the pages of the entities linked with it before or after
the change, its type's index pages, the pages of its tags (before or after), the bibliography pages of the sources
it cites (before or after) when its name or its citations changed, the pages of What's new when its review
history, name or place changed (or the releases did), and the other pages built from all the data; a change to a
source touches the pages citing it and the bibliography. A change of the glossary (its abbreviations are marked on
every page) or of the schemas touches every page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kb.model import Entity, KnowledgeBase
from kb.site.plan import PlannedPage


@dataclass
class DataChange:
    """What differs between two versions of the data."""

    entities: set[str] = field(default_factory=set)  # ids added, removed or edited
    sources: set[str] = field(default_factory=set)  # bibliography ids added, removed or edited
    everything: bool = False  # the glossary or the schemas changed: every page may differ

    @classmethod
    def between(cls, before: KnowledgeBase, after: KnowledgeBase) -> DataChange:
        if before.schemas is not after.schemas or before.glossary != after.glossary:
            return cls(everything=True)
        return cls(_changed(before.entities, after.entities), _changed(before.sources, after.sources))


def _changed(before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    """The keys whose item's data differs (an unchanged file's data is the very same object)."""
    return {key for key in before.keys() | after.keys()
            if key not in before or key not in after or (before[key].data is not after[key].data
                                                          and before[key].data != after[key].data)}


def pages_to_check(change: DataChange, before: KnowledgeBase, after: KnowledgeBase,
                   planned: dict[str, PlannedPage]) -> set[str]:
    """The planned pages (paths) whose Markdown may differ after ``change``."""
    if change.everything:
        return set(planned)
    entities = set(change.entities)
    for knowledge_base in (before, after):
        for entity_id in change.entities:
            entities |= knowledge_base.linked.get(entity_id, set())
        for source_id in change.sources:
            entities |= {entity.id for entity in knowledge_base.citing(source_id)}
    types = {kb.entities[i].type.name for kb in (before, after) for i in change.entities if i in kb.entities}
    tags = {tag for kb in (before, after) for i in change.entities if i in kb.entities
            for tag in kb.entities[i].data.get("tags", [])}
    reach = _Reach(entities=entities, types=types, tags=tags,
                   cited=_sources_cited_differently(change, before, after), sources_changed=bool(change.sources),
                   latest_review_moved=before.last_reviewed() != after.last_reviewed(),
                   history_changed=_history_reads_differently(change, before, after))
    return {path for path, page in planned.items() if reach.touches(page)}


@dataclass(frozen=True)
class _Reach:
    """What a change reaches: the entities whose pages show it, the types whose indexes list it, the tags whose pages
    list it, the sources whose citing pages it changes, and whether the latest review, the sources or the review
    history changed."""

    entities: set[str]
    types: set[str]
    tags: set[str]
    cited: set[str]
    sources_changed: bool
    latest_review_moved: bool
    history_changed: bool

    def touches(self, page: PlannedPage) -> bool:
        if page.entity is not None:
            return page.entity.id in self.entities
        if self.latest_review_moved:
            return True  # every page built from the data dates itself by the latest review
        entity_type = page.context.get("entity_type")
        if entity_type is not None:
            return entity_type.name in self.types
        if "tag" in page.context:  # a tag's page: the names and types of the pages that carry it
            return page.context["tag"] in self.tags
        source_ids = page.context.get("source_ids")
        if source_ids is not None:
            return self.sources_changed or bool(self.cited.intersection(source_ids))
        if page.context.get("events") is not None:  # What's new: the review history, each row naming its page
            return self.history_changed
        return True


def _sources_cited_differently(change: DataChange, before: KnowledgeBase, after: KnowledgeBase) -> set[str]:
    """The sources whose list of citing pages may read differently: the sources that changed, and those cited
    (before or after) by an entity added, removed, renamed or moved, or that cites other sources now."""
    sources = set(change.sources)
    for entity_id in change.entities:
        old, new = before.entities.get(entity_id), after.entities.get(entity_id)
        if _listed_differently(old, new) or (old and new and set(old.cited_sources) != set(new.cited_sources)):
            sources |= set(old.cited_sources if old else ()) | set(new.cited_sources if new else ())
    return sources


def _history_reads_differently(change: DataChange, before: KnowledgeBase, after: KnowledgeBase) -> bool:
    """Whether What's new may read differently: an entity added, removed, renamed or moved, or its review history
    edited, or the releases (whose newest it names) changed."""
    if before.releases != after.releases:
        return True
    for entity_id in change.entities:
        old, new = before.entities.get(entity_id), after.entities.get(entity_id)
        history_edited = bool(old and new and old.data.get("review_history") != new.data.get("review_history"))
        if _listed_differently(old, new) or history_edited:
            return True
    return False


def _listed_differently(old: Entity | None, new: Entity | None) -> bool:
    """Whether a list naming the entity reads differently: it was added or removed, renamed or moved."""
    return old is None or new is None or (old.name, old.page_path) != (new.name, new.page_path)
