"""Where a page outside the navigation stands: its section, breadcrumbs, table of contents, previous and next.

Entity pages (and the next pages of a long list) are left out of the navigation: listed there, every page
would carry every entity and the build would grow quadratically. Each of them gets, while it is rendered, a
view of the navigation of its own: the configured navigation with one section changed, the one holding the
page it is shown under (its type's index), which lists that page and then this one. The theme then draws
the section's tab as active, breadcrumbs (Home › Products), the page in the sidebar with its table of
contents (in the drawer on a phone), exactly as for a page in the navigation; the view holds a constant
number of items, whatever the number of entities. Previous and next come from the page plan (the type's
order), not from the navigation.
"""

from __future__ import annotations

from mkdocs.structure import StructureItem
from mkdocs.structure.files import Files
from mkdocs.structure.nav import Navigation, Section
from mkdocs.structure.pages import Page


def navigation_for(page: Page, shown_under: Page, nav: Navigation) -> Navigation:
    """``nav`` as ``page`` sees it: the section of ``shown_under`` lists ``page`` right after it, and that
    section and its parents are active. Nothing shared is changed: the sections on the way are copies."""
    original = shown_under.parent
    if original is None:  # a top-level page has no section to show another page in
        return nav
    children = []
    for child in original.children:
        children.append(child)
        if child is shown_under:
            children.append(page)
    copy = _copy(original, children)
    page.parent = copy
    while original.parent is not None:  # copy the sections above it, each with the copy in place of the original
        above = original.parent
        copy.parent = _copy(above, [copy if child is original else child for child in above.children])
        copy, original = copy.parent, above
    view = Navigation([copy if item is original else item for item in nav.items], nav.pages)
    page.active = True  # the theme marks the copied sections active, up to the tab
    return view


def _copy(section: Section, children: list[StructureItem]) -> Section:
    copy = Section(section.title, children)
    copy.parent = section.parent
    return copy


def neighbours(files: Files, previous: str | None, next: str | None) -> tuple[Page | None, Page | None]:
    """The pages at two docs paths (either may be None), for the theme's previous and next links."""
    def page_at(path: str | None) -> Page | None:
        file = files.get_file_from_path(path) if path else None
        return file.page if file is not None else None
    return page_at(previous), page_at(next)
