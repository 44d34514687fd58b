"""Discovery features, generated from the data: comparisons, diagrams, cross-references, tags, glossary
links, evidence levels, open data, what's new, citation and print support."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from pathlib import Path

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.conftest import REPO, make_project, mkdocs_build


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    project = make_project(tmp_path_factory.mktemp("discovery"))
    result = mkdocs_build(project, project / "site", {"SOURCE_DATE_EPOCH": "1770000000"})
    assert result.returncode == 0, result.stderr
    return project / "site"


def page(site: Path, path: str) -> str:
    return (site / path / "index.html").read_text()


def text_of(html: str) -> str:
    """What a reader sees: tags removed, white space folded."""
    inline_removed = re.sub(r"</?(abbr|a|strong|em|span)\b[^>]*>", "", html)
    return " ".join(re.sub(r"<[^>]+>", " ", inline_removed).split())


def test_product_comparison_lists_every_product_with_cited_figures(site):
    html = page(site, "compare/products")
    assert 'class="kb-sortable"' in html
    assert "tisagenlecleucel (Kymriah)" in html
    assert "49% (n = 68; Penn)" in html  # CRS grade 3+ with its scale
    assert "USD 475,000" in html
    assert "Not a head-to-head comparison" in html
    assert 'href="#fn:label-page"' in html


def test_therapy_comparison_lists_every_therapy(site):
    text = text_of(page(site, "compare/therapies"))
    assert "CAR-T cell therapy" in text
    assert "Cytokine release syndrome" in text  # main toxicities come from the therapy's risks


def test_comparison_tables_are_published_as_csv(site):
    rows = list(csv.DictReader(io.StringIO((site / "api/v1/compare-products.csv").read_text())))
    assert [row["id"] for row in rows] == ["tisagenlecleucel"]
    assert rows[0]["List price at launch"].startswith("USD 475,000")
    assert "label-page" in rows[0]["sources"]


def test_each_therapy_has_a_process_diagram_with_a_text_alternative(site):
    html = page(site, "therapies/car-t")
    svg = re.search(r"<svg class=\"kb-diagram\" role=\"img\".*?</svg>", html, re.S).group(0)
    assert "<title id=\"process-car-t-title\">Steps of CAR-T cell therapy</title>" in svg
    assert "1. Collection; 2. Infusion" in svg  # the <desc>
    assert "<abbr" not in svg  # Markdown must not reach inside the drawing


def test_products_page_has_an_approval_timeline_and_a_response_chart(site):
    html = page(site, "compare/products")
    assert 'id="approval-timeline-title"' in html
    assert 'id="response-chart-title"' in html
    assert "Approval timeline as a table" in html


def test_the_response_chart_names_the_measure_of_each_products_response_bar(site):
    chart = page(site, "compare/products").split('id="response-chart-title"', 1)[1]
    assert '<span class="kb-bar-label">Kymriah (response: CR/CRi)</span>' in chart


def test_related_sections_link_both_ways(site):
    assert 'href="../../therapies/car-t/"' in page(site, "challenges/crs")  # therapy -> challenge, seen from challenge
    assert 'href="../../challenges/crs/"' in page(site, "therapies/car-t")


def test_each_tag_has_a_page_listing_the_pages_that_carry_it_and_pages_link_to_it(site):
    tagged = page(site, "reference/tags/cd19")
    assert 'href="../../../products/tisagenlecleucel/"' in tagged
    assert 'href="../../reference/tags/cd19/"' in page(site, "products/tisagenlecleucel")


def test_the_list_of_tags_links_each_tags_page_with_its_count_and_keeps_its_anchor(site):
    row = re.search(r'<tr id="cd19">(.*?)</tr>', page(site, "reference/tags")).group(1)
    assert 'href="cd19/"' in row
    assert re.search(r"<td>[0-9]+</td>$", row)


def test_tags_are_shown_by_their_title_in_the_schemas_list(site):
    assert "Tagged CD19" in text_of(page(site, "reference/tags/cd19"))
    assert '>CD19</a>' in page(site, "products/tisagenlecleucel")
    assert '>CAR-T</a>' in page(site, "therapies/car-t")


def test_every_figure_shows_its_evidence_level_linked_to_the_scale(site):
    html = page(site, "products/tisagenlecleucel")
    assert 'href="../../reference/evidence-levels/#single-arm-trial">Single-arm trial</a>' in html
    assert "A prospective single-arm" in page(site, "reference/evidence-levels")


def test_evidence_levels_show_their_titles_in_us_spelling_while_their_values_stay(site):
    levels = text_of(page(site, "reference/evidence-levels"))
    assert "Randomized trial A randomized controlled trial." in levels and "andomised" not in levels
    exported = (site / "api" / "v1" / "products" / "tisagenlecleucel.json").read_text()
    assert '"evidence_level": "single-arm-trial"' in exported


def test_bibliography_lists_what_cites_each_source(site):
    html = page(site, "reference/sources")
    row = html.split('id="maude-2018-nejm"', 1)[1].split("</tr>", 1)[0]
    assert "Maude SL" in row and 'href="../../products/tisagenlecleucel/">tisagenlecleucel</a>' in row
    assert "<th>Cited by</th>" in html


def test_first_use_of_an_abbreviation_links_to_its_glossary_entry(site):
    html = page(site, "therapies/car-t")
    links = re.findall(r'<a class="kb-abbr" href="([^"]+)"><abbr title="[^"]+">CAR</abbr></a>', html)
    assert links == ["../../reference/glossary/#term-car"]
    assert 'id="term-car"' in page(site, "reference/glossary")


def test_open_data_has_one_file_per_type_and_per_entity_that_validate_against_the_published_schemas(site):
    api = site / "api" / "v1"
    schemas = {p.name: json.loads(p.read_text()) for p in (api / "schema").glob("*.json")}
    registry = Registry().with_resources(
        (name, Resource.from_contents(schema, default_specification=DRAFT202012)) for name, schema in schemas.items())
    checked = 0
    for plural, schema_name in [("therapies", "therapy"), ("products", "product"), ("trials", "trial"),
                                ("challenges", "challenge"), ("diseases", "disease")]:
        collection = json.loads((api / f"{plural}.json").read_text())
        validator = jsonschema.Draft202012Validator({"$ref": f"{schema_name}.schema.json"}, registry=registry)
        for entity_id, item in collection["items"].items():
            assert json.loads((api / plural / f"{entity_id}.json").read_text()) == item
            errors = [e.message for e in validator.iter_errors(item)]
            assert errors == [], (entity_id, errors)
            checked += 1
    assert checked == 5


def test_checksums_match_the_published_files(site):
    api = site / "api" / "v1"
    for line in (api / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((api / name).read_bytes()).hexdigest() == digest, name


def test_downloads_page_names_the_release_and_links_every_file(site):
    html = page(site, "reference/downloads")
    assert "Data release <strong>1.10.0</strong>" in html
    assert 'href="../../api/v1/products.json"' in html
    assert "Test release with a change." in html


def test_downloads_page_shows_checksums_of_the_whole_data_files_and_points_to_the_rest(site):
    html = page(site, "reference/downloads")
    assert "<code>api/v1/products.json</code>" in html
    assert "api/v1/products/tisagenlecleucel.json" not in html  # one row per entity would grow with the data
    assert 'href="../../api/v1/SHA256SUMS"' in html


def test_whats_new_lists_review_history_newest_first(site):
    text = text_of(page(site, "reference/whats-new"))
    assert text.index("Added the CAR-T steps.") < text.index("First version.")


def test_how_to_cite_gives_the_data_version(site):
    assert "data release 1.10.0 (2026-01-25)" in text_of(page(site, "reference/how-to-cite"))


def test_meta_description_comes_from_the_plain_language_summary(site):
    assert '<meta name="description" content="A medicine made from the patient&#x27;s own T cells.">' in \
        page(site, "products/tisagenlecleucel")


def test_sitemap_lastmod_of_an_entity_page_is_its_last_review(site):
    sitemap = (site / "sitemap.xml").read_text()
    entry = sitemap.split("products/tisagenlecleucel/</loc>", 1)[1].split("</url>", 1)[0]
    assert "<lastmod>2026-01-15</lastmod>" in entry


def test_licences_are_in_the_repository():
    assert "MIT License" in (REPO / "LICENSE").read_text()
    assert "CC BY 4.0" in (REPO / "LICENSE-CONTENT.md").read_text()


def test_every_page_says_when_it_was_last_reviewed(site):
    pages = [p for p in site.rglob("index.html") if "api" not in p.parts]
    assert len(pages) > 20
    missing = [str(p.relative_to(site)) for p in pages if "Last reviewed" not in p.read_text()]
    assert missing == []


def test_every_page_carries_the_not_medical_advice_notice(site):
    missing = [str(p.relative_to(site)) for p in site.rglob("index.html") if "Not medical advice" not in p.read_text()]
    assert missing == []
