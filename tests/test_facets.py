"""The filters of a list come from the schemas: a field or a choice marked ``x-facet`` is one, with no code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kb.model import load_knowledge_base
from kb.site.facets import filters_for, slug
from kb.site.plan import render_site

from tests.conftest import write

SECOND_PRODUCT = """# yaml-language-server: $schema=../schema/product.schema.json
name: idecabtagene vicleucel
brand: Abecma
therapy: car-t
status: approved
target: BCMA
summary: A BCMA CAR-T product for myeloma.
plain_summary: A medicine for myeloma.
approvals:
  - regulator: European Commission
    action: conditional marketing authorisation
    date: '2021-08'
    indication: Multiple myeloma
    sources: [label-page]
  - regulator: EMA CHMP
    action: positive opinion
    date: '2021-06'
    indication: Multiple myeloma
    sources: [label-page]
tags: [car-t, bcma]
sources: [label-page]
last_reviewed: '2026-01-15'
reviewed_by: Test team
"""


@pytest.fixture
def kb(data_root: Path):
    write(data_root / "products" / "idecabtagene-vicleucel.yaml", SECOND_PRODUCT)
    return load_knowledge_base(data_root)


def _facets(filters):
    return {facet.key: {value: (label, facet.counts[value]) for value, label in facet.values.items()}
            for facet in filters.facets}


def test_a_products_facets_are_the_fields_its_schema_marks(kb):
    facets = _facets(filters_for(kb, kb.of_type("product"), "products", "list"))
    assert facets["disease"] == {"b-all": ("B-ALL", 1)}  # a reference: the disease's abbreviation
    assert facets["target"] == {"bcma": ("BCMA", 1), "cd19": ("CD19", 1)}  # the field and the tags agree
    assert facets["region"] == {"us": ("US", 1), "eu": ("EU", 1)}  # EMA CHMP and the Commission are one region
    assert "status" not in facets and "therapy" not in facets  # every product has the same: nothing to choose


def test_each_row_carries_its_values_and_a_value_shared_by_two_fields_once(kb):
    filters = filters_for(kb, kb.of_type("product"), "products", "list")
    ide = kb.entities["idecabtagene-vicleucel"]
    assert filters.attributes(ide) == ' data-kb-target="bcma" data-kb-region="eu"'
    assert filters.rows["tisagenlecleucel"]["target"] == ["cd19"]


def test_facets_are_listed_in_the_order_and_with_the_titles_the_common_schema_gives(kb):
    filters = filters_for(kb, kb.of_type("product"), "products", "list")
    assert [(facet.key, facet.title) for facet in filters.facets] == [
        ("disease", "Disease"), ("target", "Target"), ("region", "Regulator (region)")]


def test_enum_values_keep_the_schemas_order_and_read_as_words(kb, data_root):
    trial = data_root / "trials" / "second.yaml"
    write(trial, (data_root / "trials" / "eliana.yaml").read_text().replace("name: ELIANA", "name: SECOND")
          .replace("phase: phase 2", "phase: phase 1/2").replace("nct: NCT02435849\n", ""))
    kb = load_knowledge_base(data_root)
    facets = _facets(filters_for(kb, kb.of_type("trial"), "trials", "list"))
    assert list(facets["phase"].items()) == [("phase-1-2", ("Phase 1/2", 1)), ("phase-2", ("Phase 2", 1))]


def test_a_field_marked_in_its_schema_becomes_a_filter_and_an_unmarked_one_stops_being_one(kb, data_root):
    schema_path = data_root / "schema" / "product.schema.json"
    schema = json.loads(schema_path.read_text())
    schema["properties"]["brand"]["x-facet"] = "brand"  # a key without a title in x-facets: its name, as words
    del schema["properties"]["target"]["x-facet"]
    schema_path.write_text(json.dumps(schema))
    kb = load_knowledge_base(data_root)
    filters = filters_for(kb, kb.of_type("product"), "products", "list")
    facets = _facets(filters)
    assert facets["brand"] == {"abecma": ("Abecma", 1), "kymriah": ("Kymriah", 1)}
    assert filters.facets[-1].title == "Brand"
    assert facets["target"] == {"bcma": ("BCMA", 1), "cd19": ("CD19", 1)}  # still from the tags, marked in common


def test_the_index_page_has_the_form_hidden_and_every_row_with_its_values(kb):
    page = render_site(kb)["products/index.md"]
    assert '<form class="kb-filters" data-kb-filters="kb-list-products"' in page and " hidden " in page
    assert '<input type="checkbox" name="target" value="bcma"> BCMA' in page
    assert '<table id="kb-list-products">' in page
    assert '<tr data-kb-target="bcma" data-kb-region="eu">' in page


def test_a_list_with_nothing_to_choose_has_no_form(data_root):
    page = render_site(load_knowledge_base(data_root))["products/index.md"]
    assert "kb-filters" not in page  # one product: every facet has one value, which every row has


@pytest.mark.parametrize(("text", "expected"), [("Phase 1/2", "phase-1-2"), ("CD19", "cd19"), ("EU", "eu"),
                                                ("active-not-recruiting", "active-not-recruiting")])
def test_values_become_url_slugs(text, expected):
    assert slug(text) == expected
