"""Every link in the built site leads somewhere: tables and lists are HTML, whose links MkDocs does not check."""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

_LINK = re.compile(r'\s(?:href|src)="([^"]*)"')
_ID = re.compile(r'\sid="([^"]*)"')


def broken_links(site: Path) -> list[str]:
    """Relative links (and their #anchors) that point at no file or no element of the site."""
    ids: dict[Path, set[str]] = {}

    def ids_of(page: Path) -> set[str]:
        if page not in ids:
            ids[page] = set(_ID.findall(page.read_text(encoding="utf-8")))
        return ids[page]

    broken = []
    for page in sorted(site.rglob("*.html")):
        for raw in _LINK.findall(page.read_text(encoding="utf-8")):
            link = urlsplit(html.unescape(raw))
            if link.scheme or link.netloc or link.path.startswith("/"):  # 404.html is served from any depth
                continue
            target = (page.parent / unquote(link.path)).resolve() if link.path else page
            if target.is_dir():
                target = target / "index.html"
            where = f"{page.relative_to(site)}: {raw}"
            if not target.is_file():
                broken.append(where)
            elif link.fragment and target.suffix == ".html" and unquote(link.fragment) not in ids_of(target):
                broken.append(where + " (no such anchor)")
    return broken


def test_every_relative_link_and_anchor_of_the_real_site_resolves(real_site):
    assert broken_links(real_site) == []


def test_the_link_check_finds_a_broken_link(tmp_path):
    (tmp_path / "page").mkdir()
    (tmp_path / "page" / "index.html").write_text('<a href="../missing/">x</a> <a href="#nowhere">y</a>')
    assert broken_links(tmp_path) == ["page/index.html: ../missing/", "page/index.html: #nowhere (no such anchor)"]


def test_only_links_to_other_sites_are_marked_to_print_their_address():
    from kb.site.links import mark_external_links

    page = ('<a href="https://doi.org/10.1/x">DOI</a> <a href="http://example.org/">old</a> '
            '<a href="../../reference/glossary/#term-crs">CRS</a> <a href="#fn:a">1</a> '
            '<a class="kb-abbr" href="../glossary/">CAR</a> <p>href="https://not.a.link/"</p>')
    assert mark_external_links(page) == (
        '<a class="kb-external" href="https://doi.org/10.1/x">DOI</a> '
        '<a class="kb-external" href="http://example.org/">old</a> '
        '<a href="../../reference/glossary/#term-crs">CRS</a> <a href="#fn:a">1</a> '
        '<a class="kb-abbr" href="../glossary/">CAR</a> <p>href="https://not.a.link/"</p>')


_CODE = re.compile(r"<(code|pre|script)\b.*?</\1>", re.DOTALL)
_ABOUT_THE_SYNTAX = {"contributing", "rules", "performance"}  # pages for curators, which write the syntax out


def markup_shown_as_typed(site: Path) -> list[str]:
    """Reader pages whose text (outside code) holds a citation or an entity link as it was typed: '[@' or
    '](id:' that the renderer did not turn into a mark or a link."""
    shown = []
    for page in sorted(site.rglob("*.html")):
        if page.relative_to(site).parts[0] in _ABOUT_THE_SYNTAX:
            continue
        text = _CODE.sub("", page.read_text(encoding="utf-8"))
        shown += [f"{page.relative_to(site)}: {typed}" for typed in ("[@", "](id:") if typed in text]
    return shown


def test_no_page_of_the_real_site_shows_a_citation_or_an_entity_link_as_typed(real_site):
    assert markup_shown_as_typed(real_site) == []


def test_a_citation_as_typed_on_a_reader_page_is_found_but_not_inside_code(tmp_path):
    (tmp_path / "trials" / "x").mkdir(parents=True)
    (tmp_path / "trials" / "x" / "index.html").write_text("<p>CRS <code>[@a]</code> in 3% [@reportify- aucatzyl].</p>")
    assert markup_shown_as_typed(tmp_path) == ["trials/x/index.html: [@"]
