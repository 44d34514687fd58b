"""Wayfinding on pages outside the navigation: each sees its type's section with itself in it (tab, breadcrumbs,
sidebar and table of contents), previous and next in its type's order, and no other entity of its type."""

from __future__ import annotations

import re
import time

from kb.mkdocs.wayfinding import navigation_for
from kb.model import load_knowledge_base
from kb.site.export import export_files
from kb.site.plan import plan_site
from mkdocs.structure import StructureItem
from mkdocs.structure.nav import Navigation, Section

from tests.conftest import REPO


class _Page(StructureItem):
    """Stands in for an MkDocs page: a title, a parent, and ``active`` passed up to the parent as MkDocs does."""

    def __init__(self, title: str, is_homepage: bool = False):
        self.title, self.is_homepage, self.parent, self._active = title, is_homepage, None, False

    @property
    def active(self) -> bool:
        return self._active

    @active.setter
    def active(self, value: bool) -> None:
        self._active = value
        if self.parent is not None:
            self.parent.active = value


def _navigation() -> tuple[Navigation, _Page, Section]:
    home, index, glossary = _Page("Home", is_homepage=True), _Page("Products"), _Page("Glossary")
    products, terms = Section("Products", [index]), Section("Terms", [glossary])
    reference = Section("Reference", [terms])
    index.parent, glossary.parent, terms.parent = products, terms, reference
    return Navigation([home, products, reference], [home, index, glossary]), index, reference


def test_a_page_is_shown_in_its_section_right_after_the_page_it_is_listed_on():
    nav, index, _ = _navigation()
    page = _Page("tisagenlecleucel")
    view = navigation_for(page, index, nav)
    section = view.items[1]
    assert section.title == "Products" and section.children == [index, page]
    assert page.parent is section and section.active  # the tab and the breadcrumbs follow from these
    assert nav.items[1].children == [index] and not nav.items[1].active  # the shared navigation is untouched
    assert view.homepage is nav.homepage and view.items[0] is nav.items[0]


def test_a_page_under_a_nested_section_activates_every_section_up_to_the_tab():
    nav, _, reference = _navigation()
    glossary = reference.children[0].children[0]
    page = _Page("Glossary, page 2")
    view = navigation_for(page, glossary, nav)
    assert [ancestor.title for ancestor in page.ancestors] == ["Terms", "Reference"]
    assert view.items[2].active and view.items[2].children[0].children == [glossary, page]
    page.active = False  # as MkDocs does once the page is written
    assert not view.items[2].active and not reference.active


def test_each_entity_is_planned_under_its_types_index_between_its_neighbours(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(time.time())))  # the real data is reviewed up to today
    knowledge_base = load_knowledge_base(REPO / "data")
    planned = {page.path: page for page in plan_site(knowledge_base, export_files(knowledge_base))}
    for entity_type in knowledge_base.types:
        paths = [entity.page_path for entity in knowledge_base.of_type(entity_type.name)]
        assert [planned[path].shown_under for path in paths] == [f"{entity_type.plural}/index.md"] * len(paths)
        assert [planned[path].previous for path in paths] == [None, *paths][:-1]
        assert [planned[path].next for path in paths] == [*paths, None][1:]


def test_an_entity_page_has_its_tab_breadcrumbs_sidebar_and_neighbours_but_no_other_entity(real_site, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(time.time())))
    products = [entity.id for entity in load_knowledge_base(REPO / "data").of_type("product")]
    second = products[1]
    html = (real_site / "products" / second / "index.html").read_text(encoding="utf-8")
    active_tab = re.search(r'md-tabs__item--active">\s*<a href="([^"]+)"', html)
    assert active_tab and active_tab.group(1) == "../"
    breadcrumbs = re.search(r'<nav class="md-path".*?</nav>', html, re.DOTALL).group(0)
    assert re.findall(r'href="([^"]+)"', breadcrumbs) == ["../..", "../"]
    assert 'id="__toc"' in html and 'for="__toc"' in html  # the page and its contents in the drawer
    assert re.findall(r'<link rel="(prev|next)" href="([^"]+)"', html) == [("prev", f"../{products[0]}/"),
                                                                           ("next", f"../{products[2]}/")]
    primary = re.search(r"md-sidebar--primary.*?md-sidebar--secondary", html, re.DOTALL).group(0)
    assert not re.findall(r'href="\.\./[a-z0-9-]+/"', primary)  # no other product: the page stays the same size
