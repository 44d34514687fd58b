"""The page plan: one list of every page the data makes, with its path, template, context and edit path.

The MkDocs plugin adds the planned pages to the site; ``kb render`` writes them to a folder. A page of an
entity is ``<type folder>/<id>.md``; each type has an index (``<type folder>/index.md``, with next pages
``page_2.md``… for long lists); the pages built from all the data (comparisons, glossary, bibliography…)
have a path of their own.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from kb.data.schemas import EntityType
from kb.model import Entity, KnowledgeBase
from kb.site.abbreviations import GLOSSARY_PAGE
from kb.site.compare import (
    Comparison,
    compare_products,
    compare_therapies,
    compare_trials,
    context_products,
    leukemia_approval_events,
    other_kinds_of_products,
    trials_by_group,
)
from kb.site.export import data_version, export_files, reviewed_after_release
from kb.site.facets import filters_for
from kb.site.feed import WHATS_NEW
from kb.site.links import tag_page_path
from kb.site.render import render_page
from kb.two_processes import in_two_processes

# The list of tags; each tag has a page of its own (cut into pages like a type's index), shown under it.
TAGS = "reference/tags.md"
# Pages built from all the data (the home page among them: its lists come from the data): page path -> template.
# The bibliography and What's new are each cut into pages (PAGED_LISTS).
COLLECTION_PAGES = {
    "index.md": "home.md.j2",
    "compare/therapies.md": "compare/therapies.md.j2",
    "compare/products.md": "compare/products.md.j2",
    "compare/trials.md": "compare/trials.md.j2",
    "reference/sources.md": "reference/sources.md.j2",
    GLOSSARY_PAGE: "reference/glossary.md.j2",
    "reference/evidence-levels.md": "reference/evidence-levels.md.j2",
    TAGS: "reference/tags.md.j2",
    WHATS_NEW: "reference/whats-new.md.j2",
    "reference/downloads.md": "reference/downloads.md.j2",
    "reference/how-to-cite.md": "reference/how-to-cite.md.j2",
}
BIBLIOGRAPHY = "reference/sources.md"
# The collection pages whose list goes on over next pages: page path -> (the list's name in the template's
# context, its items in order).
PAGED_LISTS: dict[str, tuple[str, Callable[[KnowledgeBase], list[Any]]]] = {
    BIBLIOGRAPHY: ("source_ids", lambda kb: sorted(kb.sources)),
    WHATS_NEW: ("events", lambda kb: kb.review_events()),  # newest first: the whole review history
}
# The page that lists the trial comparisons (one page per group of trials, kb.site.compare.TRIAL_GROUPS), which
# follow it in reading order and are shown under it.
TRIAL_COMPARISONS = "compare/trials.md"
# The comparison pages: page path -> (what its rows are, plural; the comparison; what else its page shows).
COMPARISONS: dict[str, tuple[str, Callable[[KnowledgeBase], Comparison], Callable[[KnowledgeBase], dict[str, Any]]]] = {
    "compare/therapies.md": ("therapies", compare_therapies, lambda kb: {}),
    "compare/products.md": ("products", compare_products,
                            lambda kb: {"context_products": context_products(kb),
                                        "other_kinds_of_products": other_kinds_of_products(kb),
                                        "approvals": leukemia_approval_events(kb)}),
}
# Rows on a type's index page, or entries in the bibliography, before the list goes on on a next page: long
# lists are slow to load on a phone and hard to scan. Search and the type filters find any single entry.
ENTRIES_PER_PAGE = 100
# At most this many rows on a page of a trial comparison, the rows shared evenly among its pages (72 trials: two
# pages of 36). A row with its cited figures adds about 2 KB, the page's styles and scripts about 250 KB: a page
# stays well under the 500 KB page-weight target.
COMPARED_TRIALS_PER_PAGE = 60


@dataclass(frozen=True)
class Pagination:
    """Where one page of a long list stands among the pages of that list (all of them paths in docs/)."""

    number: int  # from 1
    paths: tuple[str, ...]
    first_entry: int  # from 1, for "entries 101-200"
    last_entry: int
    total: int

    @property
    def previous(self) -> str | None:
        return self.paths[self.number - 2] if self.number > 1 else None

    @property
    def next(self) -> str | None:
        return self.paths[self.number] if self.number < len(self.paths) else None


@dataclass
class PlannedPage:
    """One generated page: where it goes, how it is made, what "edit this page" opens."""

    path: str  # in the docs tree, e.g. products/tisagenlecleucel.md
    templates: list[str]  # the first that exists renders it
    context: dict[str, Any] = field(default_factory=dict)
    entity: Entity | None = None
    edit_path: str | None = None  # the data file behind the page, for "edit this page"
    in_nav: bool = False  # listed in the navigation (entity pages and next pages of a list are not)
    # A page outside the navigation is shown under the listed page that leads to it (its type's index, its
    # list's first page), and an entity page between the entities before and after it in its type's order.
    shown_under: str | None = None
    previous: str | None = None
    next: str | None = None

    def render(self, knowledge_base: KnowledgeBase) -> str:
        return render_page(knowledge_base, self.path, self.templates, self.context)


def list_pages(first_path: str, items: list[Any], size: int | None = None) -> list[tuple[str, list[Any],
                                                                                      Pagination]]:
    """A long list cut into pages of ``size`` (default ENTRIES_PER_PAGE): (page path, its items, where it
    stands); one page at least. A next page is named with an underscore, which ids cannot contain, so it never
    takes an entity's URL."""
    size = size or ENTRIES_PER_PAGE
    count = max(1, -(-len(items) // size))
    folder, name = posixpath.split(first_path)
    stem = "page" if name == "index.md" else name.removesuffix(".md")
    paths = (first_path, *(posixpath.join(folder, f"{stem}_{number}.md") for number in range(2, count + 1)))
    return [(path, items[(number - 1) * size:number * size],
             Pagination(number, paths, (number - 1) * size + 1, min(number * size, len(items)), len(items)))
            for number, path in enumerate(paths, start=1)]


def even_page_size(count: int, most: int) -> int:
    """The size of each page when ``count`` items go on as few pages of at most ``most`` as they fit, shared evenly
    (the last page takes what is left)."""
    pages = max(1, -(-count // most))
    return max(1, -(-count // pages))


def plan_site(knowledge_base: KnowledgeBase, exported: dict[str, bytes]) -> list[PlannedPage]:
    """Every generated page, in reading order: each type's index and entity pages, then the collection pages,
    then each tag's page."""
    pages: list[PlannedPage] = []
    for entity_type in knowledge_base.types:
        pages += _type_pages(knowledge_base, entity_type)
    shared = _collection_context(knowledge_base, exported)
    for path, template in COLLECTION_PAGES.items():
        if path in PAGED_LISTS:
            name, items = PAGED_LISTS[path]
            pages += [PlannedPage(page_path, [template], {**shared, name: listed, "pagination": pagination},
                                  in_nav=pagination.number == 1, shown_under=None if pagination.number == 1 else path)
                      for page_path, listed, pagination in list_pages(path, items(knowledge_base))]
        elif path == TRIAL_COMPARISONS:
            pages += _trial_comparison_pages(knowledge_base, template, shared)
        else:
            pages.append(PlannedPage(path, [template], {**shared, **_own_context(path, knowledge_base, exported)},
                                     in_nav=True))
    return pages + _tag_pages(knowledge_base)


def _tag_pages(knowledge_base: KnowledgeBase) -> list[PlannedPage]:
    """Each tag's page, listing the pages that carry it (cut into pages when long), shown under the list of tags: one
    page of every tag's pages grows by a line for each tag of each page (449 KB with its assets at 236 entities)."""
    return [PlannedPage(path, ["reference/tag.md.j2"], {"tag": tag, "entities": listed, "pagination": pagination},
                        shown_under=TAGS)
            for tag, entities in knowledge_base.tagged().items()
            for path, listed, pagination in list_pages(tag_page_path(tag), entities)]


def _trial_comparison_pages(knowledge_base: KnowledgeBase, template: str, shared: dict[str, Any]
                            ) -> list[PlannedPage]:
    """The page listing the groups of trials, then each group's comparison (cut into pages, each with the filters
    of the whole group)."""
    groups = trials_by_group(knowledge_base)
    pages = [PlannedPage(TRIAL_COMPARISONS, [template], {**shared, "groups": groups}, in_nav=True)]
    for group, trials in groups.items():
        comparison = compare_trials(knowledge_base, trials)
        whole = {**shared, "group": group, "groups": groups,
                 **_comparison_context(knowledge_base, "trials", comparison)}
        for path, rows, pagination in list_pages(group.path, comparison.rows,
                                                 even_page_size(len(comparison.rows), COMPARED_TRIALS_PER_PAGE)):
            earlier = Comparison(comparison.columns, comparison.rows[:pagination.first_entry - 1])
            context = {**whole, "trials": Comparison(comparison.columns, rows), "pagination": pagination,
                       "cited_before": earlier.sources()}
            pages.append(PlannedPage(path, ["compare/trial-group.md.j2"], context,
                                     shown_under=TRIAL_COMPARISONS if pagination.number == 1 else group.path))
    return pages


def _type_pages(knowledge_base: KnowledgeBase, entity_type: EntityType) -> list[PlannedPage]:
    """A type's index (cut into pages, each with the filters of the whole list), then its entities' pages, each
    between the one before and after it."""
    entities = knowledge_base.of_type(entity_type.name)
    index = f"{entity_type.plural}/index.md"
    filters = filters_for(knowledge_base, entities, entity_type.plural, f"kb-list-{entity_type.plural}")
    pages = []
    for path, listed, pagination in list_pages(index, entities):
        pages.append(PlannedPage(path, [f"{entity_type.name}/index.md.j2", "index.md.j2"],
                                 {"entity_type": entity_type, "entities": listed, "pagination": pagination,
                                  "filters": filters},
                                 in_nav=pagination.number == 1, shown_under=None if pagination.number == 1 else index))
    paths = [None, *(entity.page_path for entity in entities), None]
    for number, entity in enumerate(entities, start=1):
        pages.append(PlannedPage(entity.page_path, [f"{entity_type.name}/page.md.j2"],
                                 {"entity": entity, "d": entity.data}, entity, entity.source_path,
                                 shown_under=index, previous=paths[number - 1], next=paths[number + 1]))
    return pages


def _collection_context(knowledge_base: KnowledgeBase, exported: dict[str, bytes]) -> dict[str, Any]:
    """What the pages built from all the data share."""
    version, released = data_version(knowledge_base)
    return {"version": version, "released": released, "reviewed_after_release": reviewed_after_release(knowledge_base)}


def _comparison_context(knowledge_base: KnowledgeBase, noun: str, comparison: Comparison) -> dict[str, Any]:
    """A comparison page's table (under ``noun``, what its rows are) and the filters of its rows."""
    rows = [entity for entity, _ in comparison.rows]
    return {noun: comparison, "filters": filters_for(knowledge_base, rows, noun, f"kb-compare-{noun}")}


def _own_context(path: str, knowledge_base: KnowledgeBase, exported: dict[str, bytes]) -> dict[str, Any]:
    """What only one collection page needs."""
    if path in COMPARISONS:
        noun, compare, extra = COMPARISONS[path]
        return {**_comparison_context(knowledge_base, noun, compare(knowledge_base)), **extra(knowledge_base)}
    if path == "reference/downloads.md":
        return {"exported": sorted(exported), "sizes": {p: len(content) for p, content in exported.items()},
                "checksums": {p: hashlib.sha256(content).hexdigest() for p, content in exported.items()}}
    return {}


def render_site(knowledge_base: KnowledgeBase) -> dict[str, str]:
    """Every generated page's Markdown, keyed by its path in the docs tree (for ``kb render`` and tests)."""
    pages = plan_site(knowledge_base, export_files(knowledge_base))
    return dict(zip([page.path for page in pages], render_pages(knowledge_base, pages), strict=True))


# From this many pages on, render_pages renders them in two processes.
TWO_PROCESSES_FROM = 200


def render_pages(knowledge_base: KnowledgeBase, pages: list[PlannedPage]) -> list[str]:
    """The Markdown of each of ``pages``, in their order."""
    return in_two_processes(partial(_render_each, knowledge_base), pages, from_items=TWO_PROCESSES_FROM)


def _render_each(knowledge_base: KnowledgeBase, pages: list[PlannedPage]) -> list[str]:
    return [page.render(knowledge_base) for page in pages]
