"""End to end: the YAML becomes a searchable site, and bad data never touches the previous site."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from kb.site.search_index import read_sections

from tests.conftest import REPO, make_project, mkdocs_build, run_kb


def tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def built_fixture_site(tmp_path_factory) -> Path:
    """The fixture project built once with plain `mkdocs build --strict`."""
    project = make_project(tmp_path_factory.mktemp("project"))
    result = mkdocs_build(project, project / "site", {"SOURCE_DATE_EPOCH": "1770000000"})
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr, result.stderr
    return project / "site"


def test_mkdocs_build_strict_generates_every_entity_page(built_fixture_site):
    for page in ["therapies/car-t", "products/tisagenlecleucel", "trials/eliana", "challenges/crs",
                 "diseases/b-all", "products", "reference/sources", "reference/glossary"]:
        assert (built_fixture_site / page / "index.html").is_file(), page


def test_search_index_contains_entity_pages_and_their_aliases(built_fixture_site):
    by_location = {doc["location"]: doc for doc in read_sections(built_fixture_site)}
    assert "products/tisagenlecleucel/" in by_location
    assert "CTL019" in by_location["products/tisagenlecleucel/"]["text"]


def test_glossary_terms_become_tooltips(built_fixture_site):
    html = (built_fixture_site / "therapies" / "car-t" / "index.html").read_text()
    assert '<abbr title="chimeric antigen receptor">CAR</abbr>' in html


def test_entity_pages_are_not_listed_in_the_navigation(built_fixture_site):
    html = (built_fixture_site / "index.html").read_text()
    before_content, _, rest = html.partition("<article")
    after_content = rest.partition("</article>")[2]
    assert "products/tisagenlecleucel/" not in before_content + after_content
    assert "products/tisagenlecleucel/" in rest  # the home page's content lists it (recently reviewed)


def test_no_page_loads_anything_from_another_host(built_fixture_site):
    for page in built_fixture_site.rglob("*.html"):
        html = page.read_text()
        assert "fonts.googleapis" not in html and "unpkg.com" not in html and "cdn.jsdelivr" not in html, page


def test_the_real_data_builds_with_strict_mkdocs(real_site_build):
    result = real_site_build.result
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr, result.stderr
    assert (real_site_build.site / "products" / "tisagenlecleucel" / "index.html").is_file()


def test_kb_build_switches_the_site_in_one_step(project):
    result = run_kb("build", cwd=project)
    assert result.returncode == 0, result.stderr
    site = project / "site"
    assert site.is_symlink()
    assert (site / "products" / "tisagenlecleucel" / "index.html").is_file()


def test_bad_data_leaves_the_previous_site_byte_identical(project):
    assert run_kb("build", cwd=project).returncode == 0
    before = tree_digest(project / "site")
    product = project / "data" / "products" / "tisagenlecleucel.yaml"
    product.write_text(product.read_text().replace("therapy: car-t", "therapy: car-tt"))
    result = run_kb("build", cwd=project)
    assert result.returncode == 1
    assert "tisagenlecleucel.yaml:5:10: error: therapy: therapy 'car-tt' is not defined" in result.stderr
    assert "Traceback" not in result.stderr
    assert tree_digest(project / "site") == before


def test_mkdocs_failure_after_validation_keeps_the_previous_site(project):
    assert run_kb("build", cwd=project).returncode == 0
    before = tree_digest(project / "site")
    (project / "docs" / "about.md").write_text("# About\n\n[broken](missing-page.md)\n")
    result = run_kb("build", cwd=project)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert tree_digest(project / "site") == before


def test_search_terms_in_a_pages_front_matter_that_are_not_a_list_stop_the_build_naming_file_and_line(project):
    (project / "docs" / "about.md").write_text("---\ntitle: About\nsearch_terms: who made this site\n---\n\n# About\n")
    result = run_kb("build", cwd=project)
    assert result.returncode == 1
    assert "docs/about.md:3:1: error: search_terms in the front matter must be a list of phrases" in result.stderr
    assert "Traceback" not in result.stderr


def test_kb_render_writes_every_generated_page(project, tmp_path):
    out = tmp_path / "rendered"
    result = run_kb("render", "--out", str(out), cwd=project)
    assert result.returncode == 0, result.stderr
    page = (out / "products" / "tisagenlecleucel.md").read_text()
    assert page.startswith("---\n")
    assert '\ntitle: "tisagenlecleucel"\n' in page
    assert (out / "therapies" / "index.md").is_file()
    assert (out / "reference" / "sources.md").is_file()


def test_kb_validate_reports_errors_without_a_traceback(project):
    (project / "data" / "trials" / "eliana.yaml").write_text("name: [broken\n")
    result = run_kb("validate", cwd=project)
    assert result.returncode == 1
    assert "data/trials/eliana.yaml:2:1: error: YAML syntax error" in result.stderr
    assert "Traceback" not in result.stderr


def test_kb_validate_json_output_is_machine_readable(project):
    result = run_kb("validate", "--format", "json", cwd=project)
    assert result.returncode == 0
    assert json.loads(result.stdout) == {"ok": True, "errors": [], "warnings": [], "notes": []}


def test_search_indexes_every_section_of_an_entity_page_and_both_audience_tabs(built_fixture_site):
    entries = {doc["location"]: doc for doc in read_sections(built_fixture_site)
               if doc["location"].startswith("products/tisagenlecleucel/")}
    assert "products/tisagenlecleucel/" in entries and len(entries) > 3
    first = entries["products/tisagenlecleucel/"]["text"]
    assert "own T cells" in first  # the plain-language tab
    assert "CD19-directed" in first  # the clinicians' tab
    assert "products/tisagenlecleucel/#references" in entries
    material = json.loads((built_fixture_site / "search" / "search_index.json").read_text())
    assert material["docs"] == [] and material["config"]["separator"]  # the sections are in the prebuilt file


# --- what a page asks of the browser before its first paint: one style sheet to fetch (the theme's main one, the
# same on every page), the palette and the site's own CSS inline, the table sorter and the filters deferred ----

def _head(built_fixture_site: Path, path: str) -> str:
    return (built_fixture_site / path / "index.html").read_text(encoding="utf-8").partition("</head>")[0]


@pytest.mark.parametrize("path", ["", "products/tisagenlecleucel", "compare/products", "about"])
def test_a_page_links_only_the_themes_main_style_sheet(built_fixture_site: Path, path: str):
    links = re.findall(r'<link rel="stylesheet" href="([^"]+)"', _head(built_fixture_site, path))
    assert len(links) == 1
    assert re.fullmatch(r"(\.\./)*assets/stylesheets/main\.[0-9a-f]+\.min\.css", links[0])


def test_the_palette_and_the_sites_own_css_are_in_the_head(built_fixture_site: Path):
    styles = "".join(re.findall(r"<style>(.*?)</style>", _head(built_fixture_site, "products/tisagenlecleucel"), re.S))
    assert "[data-md-color-scheme=slate]" in styles  # the theme's palette: dark mode
    own = (REPO / "docs/assets/stylesheets/kb.css").read_text(encoding="utf-8")
    first_rule = next(line for line in own.splitlines() if line.strip() and not line.startswith(("/*", " ")))
    assert first_rule in styles
    assert "sourceMappingURL" not in styles


def test_the_table_sorter_and_the_filters_wait_for_the_page_to_be_parsed(built_fixture_site: Path):
    scripts = [tag for page in built_fixture_site.rglob("index.html")
               for tag in re.findall(r"<script\b[^>]*assets/javascripts/(?:tablesort|filters)\.js[^>]*>",
                                     page.read_text(encoding="utf-8"))]
    assert any("tablesort" in tag for tag in scripts)  # the fixture's lists are too short to have filters
    assert all(re.search(r"\bdefer\b", tag) for tag in scripts)
