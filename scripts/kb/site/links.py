"""Where pages live and how one page links to another: the one link vocabulary of the renderer.

Every generated page has a path in the docs tree (``products/tisagenlecleucel.md``) and, under MkDocs'
directory URLs, a URL (``products/tisagenlecleucel/``). A link written in Markdown points at the other
page's path (MkDocs resolves and checks it); a link written in HTML, which MkDocs leaves alone, points at its
final URL relative to the page it is on.
"""

from __future__ import annotations

import posixpath
import re

_LINK_TO_ANOTHER_SITE = re.compile(r'<a href="(?=https?://)')


def tag_page_path(tag: str) -> str:
    """The page listing the pages that carry ``tag`` (its first page, for a long list)."""
    return f"reference/tags/{tag}.md"


def page_url(page_path: str) -> str:
    """The URL path of a docs page under directory URLs: ``a/b.md`` -> ``a/b/``, ``a/index.md`` -> ``a/``."""
    stem = page_path.removesuffix(".md")
    if stem == "index" or stem.endswith("/index"):
        return stem.removesuffix("index")
    return stem + "/"


def relative_path(from_page: str, to_page: str) -> str:
    """A Markdown link from one docs page to another: the other page's path, relative to this page's folder."""
    return posixpath.relpath(to_page, posixpath.dirname(from_page) or ".")


def relative_url(from_page: str, to_page: str) -> str:
    """An HTML link from one docs page to another: the other page's URL, relative to this page's URL."""
    here, there = page_url(from_page), page_url(to_page)
    link = posixpath.relpath(there or ".", here or ".")
    return "./" if link == "." else link + "/"


def mark_external_links(page_html: str) -> str:
    """Each link to another site marked ``class="kb-external"``: printed, it shows its address. (Links within
    the site print as text; instant navigation makes their addresses absolute too, so the address alone
    cannot tell them apart.)"""
    return _LINK_TO_ANOTHER_SITE.sub('<a class="kb-external" href="', page_html)
