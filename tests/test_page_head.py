"""What every page's head asks of the browser before the first paint: one style sheet to fetch (the theme's main
one, the same on every page), with the palette and the site's own CSS held inline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import REPO, make_project
from tests.test_build import mkdocs_build


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    project = make_project(tmp_path_factory.mktemp("head"))
    result = mkdocs_build(project, project / "site", {"SOURCE_DATE_EPOCH": "1770000000"})
    assert result.returncode == 0, result.stderr
    return project / "site"


def _head(site: Path, path: str) -> str:
    return (site / path / "index.html").read_text(encoding="utf-8").partition("</head>")[0]


@pytest.mark.parametrize("path", ["", "products/tisagenlecleucel", "compare/products", "about"])
def test_a_page_links_only_the_themes_main_style_sheet(site: Path, path: str):
    links = re.findall(r'<link rel="stylesheet" href="([^"]+)"', _head(site, path))
    assert len(links) == 1
    assert re.fullmatch(r"(\.\./)*assets/stylesheets/main\.[0-9a-f]+\.min\.css", links[0])


def test_the_palette_and_the_sites_own_css_are_in_the_head(site: Path):
    styles = "".join(re.findall(r"<style>(.*?)</style>", _head(site, "products/tisagenlecleucel"), re.S))
    assert "[data-md-color-scheme=slate]" in styles  # the theme's palette: dark mode
    own = (REPO / "docs/assets/stylesheets/kb.css").read_text(encoding="utf-8")
    first_rule = next(line for line in own.splitlines() if line.strip() and not line.startswith(("/*", " ")))
    assert first_rule in styles
    assert "sourceMappingURL" not in styles


def test_the_table_sorter_and_the_filters_wait_for_the_page_to_be_parsed(site: Path):
    scripts = [tag for page in site.rglob("index.html")
               for tag in re.findall(r"<script\b[^>]*assets/javascripts/(?:tablesort|filters)\.js[^>]*>",
                                     page.read_text(encoding="utf-8"))]
    assert any("tablesort" in tag for tag in scripts)  # the fixture's lists are too short to have filters
    assert all(re.search(r"\bdefer\b", tag) for tag in scripts)
