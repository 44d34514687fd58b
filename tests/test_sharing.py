"""Sharing and reuse (issue 19, item 7), on a site built with a published address: link previews, schema.org
structured data, each entity's own JSON, the changes to a page, citable figures, the Atom feed of changes and
the bibliography for reference managers."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html import unescape
from pathlib import Path

import pytest
from kb.site.figures import figure_anchors
from kb.site.sharing import script_json

from tests.conftest import make_project, mkdocs_build

PUBLISHED = "https://example.org/kb/"
ATOM = "{http://www.w3.org/2005/Atom}"
# The schema.org types the site may use, and what the page, its site and its main entity must carry (our
# contract with search engines and reference tools: schema.org itself requires nothing). An entity the main
# one refers to carries its type, name and address.
REQUIRED = {
    "MedicalWebPage": {"@context", "name", "description", "url", "inLanguage", "license", "isPartOf"},
    "WebSite": {"name", "url"},
    "Drug": {"name", "url", "nonProprietaryName"},
    "MedicalTrial": {"name", "url"},
    "MedicalCondition": {"name", "url"},
    "MedicalTherapy": {"name", "url"},
    "MedicalGuideline": {"name", "url"},
    "MedicalEntity": {"name", "url"},
}
MAIN_ENTITY = {"products": "Drug", "trials": "MedicalTrial", "diseases": "MedicalCondition",
               "therapies": "MedicalTherapy"}
# Every CSL 1.0.2 item type.
CSL_TYPES = {"article", "article-journal", "article-magazine", "article-newspaper", "bill", "book", "broadcast",
             "chapter", "classic", "collection", "dataset", "document", "entry", "entry-dictionary",
             "entry-encyclopedia", "event", "figure", "graphic", "hearing", "interview", "legal_case", "legislation",
             "manuscript", "map", "motion_picture", "musical_score", "pamphlet", "paper-conference", "patent",
             "performance", "periodical", "personal_communication", "post", "post-weblog", "regulation", "report",
             "review", "review-book", "software", "song", "speech", "standard", "thesis", "treaty", "webpage"}
PRODUCT_HISTORY = """review_history:
  - date: '2025-11-02'
    change: First version of the page.
  - date: '2026-01-15'
    reviewer: A. Curator
    change: Checked the ELIANA figures against the NEJM paper.
"""  # oldest first in the file: the page lists the changes newest first all the same


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    project = make_project(tmp_path_factory.mktemp("sharing"))
    product = project / "data" / "products" / "tisagenlecleucel.yaml"
    product.write_text(product.read_text() + PRODUCT_HISTORY)
    result = mkdocs_build(project, project / "site", {"SITE_URL": PUBLISHED, "SOURCE_DATE_EPOCH": "1770000000",
                                                      "NO_MKDOCS_2_WARNING": "true"})
    assert result.returncode == 0, result.stderr
    return project / "site"


def _pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "api" not in p.parts and p.name != "404.html")


def _head(html: str, attribute: str, name: str) -> str | None:
    match = re.search(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)"', html)
    return unescape(match[1]) if match else None


def _json_ld(html: str) -> list[dict]:
    return [json.loads(block) for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html,
                                                      re.DOTALL)]


def _nodes(node):
    """Every typed object in a JSON-LD document, nested ones included."""
    if isinstance(node, dict):
        if "@type" in node:
            yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list):
        for item in node:
            yield from _nodes(item)


# --- link previews -----------------------------------------------------------------------------------------

def test_every_page_has_opengraph_and_twitter_card_tags_with_its_own_description(site):
    descriptions = set()
    for path in _pages(site):
        html = path.read_text()
        for name in ("og:title", "og:description", "og:url", "og:type", "og:site_name"):
            assert _head(html, "property", name), (path, name)
        assert _head(html, "name", "twitter:card") == "summary"
        assert _head(html, "name", "twitter:description") == _head(html, "property", "og:description")
        assert _head(html, "property", "og:url").startswith(PUBLISHED)
        descriptions.add(_head(html, "property", "og:description"))
    assert len(descriptions) > len(_pages(site)) // 2  # per page, not one for the whole site


def test_an_entity_page_previews_with_its_name_and_plain_summary(site):
    html = (site / "products/tisagenlecleucel/index.html").read_text()
    assert _head(html, "property", "og:title") == "tisagenlecleucel"
    assert _head(html, "property", "og:description") == "A medicine made from the patient's own T cells."
    assert _head(html, "property", "og:url") == PUBLISHED + "products/tisagenlecleucel/"
    assert _head(html, "property", "og:type") == "article"


def test_no_preview_image_and_nothing_from_another_host(site):
    for path in _pages(site):
        html = path.read_text()
        assert "og:image" not in html and "twitter:image" not in html
        assert "fonts.googleapis" not in html


# --- structured data ---------------------------------------------------------------------------------------

def test_every_page_has_json_ld_that_parses_with_its_context_an_allowed_type_and_the_required_properties(site):
    for path in _pages(site):
        documents = _json_ld(path.read_text())
        assert len(documents) == 1, path
        document = documents[0]
        assert document["@context"] == "https://schema.org"
        assert document["@type"] == "MedicalWebPage"
        for node in (document, document["isPartOf"], document.get("mainEntity")):
            missing = REQUIRED[node["@type"]] - set(node) if node is not None else set()
            assert not missing, (path, missing)
        for node in _nodes(document):  # the entities it refers to, too: named and linked
            assert node["@type"] in REQUIRED and node["name"] and node["url"].startswith(PUBLISHED), (path, node)


@pytest.mark.parametrize(("folder", "schema_type"), MAIN_ENTITY.items())
def test_an_entity_page_is_about_its_entity_typed_as_its_schema_says(site, folder, schema_type):
    page = next((site / folder).glob("*/index.html"))
    document = _json_ld(page.read_text())[0]
    assert document["mainEntity"]["@type"] == schema_type
    assert document["mainEntity"]["url"] == document["url"]
    assert document["lastReviewed"] == "2026-01-15"


def test_the_drug_and_the_trial_carry_their_names_and_link_each_other(site):
    drug = _json_ld((site / "products/tisagenlecleucel/index.html").read_text())[0]["mainEntity"]
    assert drug["nonProprietaryName"] == "tisagenlecleucel" and drug["proprietaryName"] == "Kymriah"
    assert "CTL019" in drug["alternateName"]
    assert drug["study"] == {"@type": "MedicalTrial", "name": "ELIANA", "url": PUBLISHED + "trials/eliana/"}
    trial = _json_ld((site / "trials/eliana/index.html").read_text())[0]["mainEntity"]
    assert trial["identifier"] == "NCT02435849" and trial["phase"] == "phase 2"
    assert trial["healthCondition"]["@type"] == "MedicalCondition"
    assert trial["studySubject"]["name"] == "tisagenlecleucel"


def test_text_from_the_data_cannot_close_the_script_element():
    text = script_json({"name": "</script><script>alert(1)</script> & <!--"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"name": "</script><script>alert(1)</script> & <!--"}


# --- open data, changes, figures ---------------------------------------------------------------------------

def test_each_entity_page_links_to_its_own_json(site):
    for page in (site / "products").glob("*/index.html"):
        html = page.read_text()
        entity_id = page.parent.name
        assert f'href="../../api/v1/products/{entity_id}.json"' in html
        assert (site / "api" / "v1" / "products" / f"{entity_id}.json").is_file()


def test_changes_to_this_page_come_from_its_review_history_newest_first(site):
    html = (site / "products/tisagenlecleucel/index.html").read_text()
    section = html.split('id="changes-to-this-page"', 1)[1].split("<h2", 1)[0]
    text = " ".join(re.sub(r"<[^>]+>", " ", section).split())
    assert "2026-01-15 (A. Curator): Checked the ELIANA figures against the NEJM paper." in text
    assert text.index("2026-01-15") < text.index("2025-11-02")
    assert 'href="../../feed.xml"' in section


def test_every_figure_has_a_citable_address_unique_on_its_page(site):
    html = (site / "products/tisagenlecleucel/index.html").read_text()
    anchors = re.findall(r'<tr id="(figure-[^"]+)"', html)
    assert anchors == ["figure-overall-remission", "figure-crs-grade-3-plus", "figure-list-price"]
    assert all(f'href="#{anchor}"' in html for anchor in anchors)
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def test_a_figures_address_does_not_change_when_the_figures_are_reordered():
    figures = [{"metric": "crs-grade-3-plus", "measure": "CRS grade 3 or higher (label)"},
               {"metric": "crs-grade-3-plus", "measure": "CRS grade 3 or higher (paper)"},
               {"metric": "overall-remission", "measure": "Overall remission"},
               {"measure": "Median time to manufacture"}]
    anchors = dict(zip((f["measure"] for f in figures), figure_anchors(figures), strict=True))
    reordered = list(reversed(figures))
    assert dict(zip((f["measure"] for f in reordered), figure_anchors(reordered), strict=True)) == anchors
    assert anchors == {"CRS grade 3 or higher (label)": "figure-crs-grade-3-or-higher-label",
                       "CRS grade 3 or higher (paper)": "figure-crs-grade-3-or-higher-paper",
                       "Overall remission": "figure-overall-remission",
                       "Median time to manufacture": "figure-median-time-to-manufacture"}


def test_figures_alike_in_everything_still_get_distinct_addresses():
    assert figure_anchors([{"measure": "Price"}, {"measure": "Price"}]) == ["figure-price", "figure-price-2"]


# --- the feed ----------------------------------------------------------------------------------------------

def test_the_atom_feed_parses_and_carries_what_atom_requires(site):
    feed = ET.parse(site / "feed.xml").getroot()
    assert feed.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{tag}") is not None, tag
    assert feed.find(f"{ATOM}link[@rel='self']").get("href") == PUBLISHED + "feed.xml"
    entries = feed.findall(f"{ATOM}entry")
    assert entries
    ids = [entry.findtext(f"{ATOM}id") for entry in entries]
    assert len(ids) == len(set(ids))
    for entry in entries:
        assert entry.findtext(f"{ATOM}title")
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T00:00:00Z", entry.findtext(f"{ATOM}updated"))
        assert entry.find(f"{ATOM}link").get("href").startswith(PUBLISHED)
    updated = [entry.findtext(f"{ATOM}updated") for entry in entries]
    assert updated == sorted(updated, reverse=True)
    assert feed.findtext(f"{ATOM}updated") == updated[0]


def test_the_feed_lists_the_releases_and_every_pages_changes(site):
    feed = ET.parse(site / "feed.xml").getroot()
    entries = {entry.findtext(f"{ATOM}summary"): entry for entry in feed.findall(f"{ATOM}entry")}
    assert "Test release with a change." in entries
    change = entries["Checked the ELIANA figures against the NEJM paper."]
    assert change.find(f"{ATOM}link").get("href") == PUBLISHED + "products/tisagenlecleucel/#changes-to-this-page"
    assert "Added the CAR-T steps." in entries  # another page's history


def test_every_page_announces_the_feed(site):
    for path in _pages(site):
        link = re.search(r'<link rel="([^"]+)" type="application/atom\+xml" [^>]*href="([^"]+)"', path.read_text())
        assert link, path
        assert "alternate" in link[1].split()  # how feed readers find it
        assert (path.parent / link[2]).resolve() == (site / "feed.xml").resolve()


# --- the bibliography for reference managers ---------------------------------------------------------------

def test_the_bibliography_as_csl_json_parses_and_has_one_valid_item_per_source(site):
    items = json.loads((site / "api/v1/sources.csl.json").read_text())
    sources = json.loads((site / "api/v1/sources.json").read_text())
    assert [item["id"] for item in items] == sorted(sources)
    for item in items:
        assert item["type"] in CSL_TYPES and item["title"]
        for name in item.get("author", []):
            assert set(name) <= {"family", "given"} and name["family"]
        if "issued" in item:
            assert all(isinstance(part, int) for part in item["issued"]["date-parts"][0])
    maude = next(item for item in items if item["id"] == "maude-2018-nejm")
    assert maude["type"] == "article-journal"
    assert maude["author"] == [{"family": "Maude", "given": "S. L."}]
    assert maude["title"] == "Tisagenlecleucel in children and young adults with B-cell lymphoblastic leukemia"
    assert (maude["container-title"], maude["volume"], maude["page"]) == ("N Engl J Med", "378", "439-48")
    assert maude["issued"] == {"date-parts": [[2018]]}
    assert (maude["DOI"], maude["PMID"]) == ("10.1056/NEJMoa1709866", "29385370")


def _ris_records(text: str) -> list[dict[str, list[str]]]:
    """RIS read as the format says: 'XX  - value' lines, a record from TY to ER."""
    records: list[dict[str, list[str]]] = []
    for line in text.split("\r\n"):
        if not line:
            continue
        match = re.fullmatch(r"([A-Z][A-Z0-9])  - (.*)", line)
        assert match, line
        tag, value = match.groups()
        if tag == "TY":
            records.append({})
        records[-1].setdefault(tag, []).append(value)
    return records


def test_the_bibliography_as_ris_parses_into_one_record_per_source(site):
    text = (site / "api/v1/sources.ris").read_bytes().decode("utf-8")
    assert "\n" not in text.replace("\r\n", "")  # every line ends in CRLF
    records = _ris_records(text)
    assert len(records) == len(json.loads((site / "api/v1/sources.json").read_text()))
    assert all(record["ER"] == [""] and record["TI"] and record["ID"] for record in records)
    maude = next(record for record in records if record["ID"] == ["maude-2018-nejm"])
    assert maude["TY"] == ["JOUR"] and maude["AU"] == ["Maude, S. L."] and maude["PY"] == ["2018"]
    assert (maude["SP"], maude["EP"], maude["DO"]) == (["439"], ["48"], ["10.1056/NEJMoa1709866"])
    registry = next(record for record in records if record["ID"] == ["eliana-registry"])
    assert registry["UR"] == ["https://clinicaltrials.gov/study/NCT02435849"]


def test_the_bibliography_page_and_downloads_link_both_formats(site):
    for page in ("reference/sources", "reference/downloads"):
        html = (site / page / "index.html").read_text()
        assert 'href="../../api/v1/sources.csl.json"' in html and 'href="../../api/v1/sources.ris"' in html
