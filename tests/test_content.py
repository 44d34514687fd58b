"""The real data covers the whole subject the knowledge base promises, and every figure is cited."""

from __future__ import annotations

import time

import pytest
from kb.model import load_knowledge_base

from tests.conftest import REPO

REQUIRED = {
    "therapy": ["car-t", "nk-cell-therapy", "allogeneic-sct", "donor-lymphocyte-infusion"],
    "product": ["tisagenlecleucel", "brexucabtagene-autoleucel", "obecabtagene-autoleucel",
                "lisocabtagene-maraleucel", "axicabtagene-ciloleucel", "idecabtagene-vicleucel",
                "ciltacabtagene-autoleucel"],
    "trial": ["eliana", "zuma-3", "felix", "transcend-cll-004"],
    "challenge": ["cytokine-release-syndrome", "icans", "gvhd", "cost-and-access", "durability-and-follow-up",
                  "antigen-escape-and-relapse", "cytopenias-and-infections", "secondary-malignancies"],
    "disease": ["b-all", "t-all", "aml", "cll", "cml"],
}
FULL_PRODUCTS = ["tisagenlecleucel", "brexucabtagene-autoleucel", "obecabtagene-autoleucel",
                 "lisocabtagene-maraleucel"]


@pytest.fixture(scope="module")
def kb():
    with pytest.MonkeyPatch.context() as patch:  # the real data is reviewed up to today: use the real clock
        patch.setenv("SOURCE_DATE_EPOCH", str(int(time.time())))
        return load_knowledge_base(REPO / "data", strict=True)


@pytest.mark.parametrize(("type_name", "entity_id"), [(t, i) for t, ids in REQUIRED.items() for i in ids])
def test_required_entity_exists_with_both_audiences(kb, type_name, entity_id):
    entity = kb.entities[entity_id]
    assert entity.type.name == type_name
    assert entity.data["plain_summary"] and entity.data["summary"]


def test_every_therapy_explains_steps_eligibility_risks_and_research(kb):
    for therapy in kb.of_type("therapy"):
        assert len(therapy.data["steps"]) >= 3, therapy.id
        assert therapy.data["eligibility"], therapy.id
        assert therapy.data.get("risks"), therapy.id
        assert therapy.data.get("research"), therapy.id


def test_allogeneic_transplant_covers_the_four_donor_types(kb):
    names = " ".join(d["name"].lower() for d in kb.entities["allogeneic-sct"].data["donor_types"])
    for donor in ("sibling", "unrelated", "haploidentical", "cord"):
        assert donor in names


@pytest.mark.parametrize("product_id", FULL_PRODUCTS)
def test_full_products_have_approvals_trials_figures_and_a_boxed_warning(kb, product_id):
    data = kb.entities[product_id].data
    assert data["detail"] == "full"
    assert any(a["regulator"] == "FDA" for a in data["approvals"])
    assert data["pivotal_trials"]
    assert data["boxed_warning"]["history"]
    assert data["construct"]["costimulatory_domain"]


def test_each_pivotal_trial_has_its_registry_number_design_and_results(kb):
    for trial_id in REQUIRED["trial"]:
        data = kb.entities[trial_id].data
        assert data["nct"].startswith("NCT"), trial_id
        assert data["design"] and data["enrollment"], trial_id
        assert data.get("figures"), trial_id


def test_toxicity_challenges_carry_a_grading_system(kb):
    for challenge_id in ("cytokine-release-syndrome", "icans", "gvhd"):
        grading = kb.entities[challenge_id].data["grading"]
        assert grading["system"] and grading["sources"]
    for challenge_id in ("cytokine-release-syndrome", "icans"):
        assert "ASTCT" in kb.entities[challenge_id].data["grading"]["system"]
        assert kb.entities[challenge_id].data["grading"]["rows"]


def test_grade_tables_have_as_many_cells_as_columns(kb):
    for challenge in kb.of_type("challenge"):
        grading = challenge.data.get("grading", {})
        for row in grading.get("rows", []):
            assert len(row) == len(grading["columns"]), (challenge.id, row)


def test_every_disease_says_where_each_therapy_stands(kb):
    for disease in kb.of_type("disease"):
        therapies = {t["therapy"] for t in disease.data["therapy_status"]}
        assert {"car-t", "allogeneic-sct"} <= therapies, disease.id


def test_the_seed_commentary_is_in_the_bibliography(kb):
    assert kb.sources["zhang-2024-seed"].data["doi"] == "10.35248/2157-7013.24.15.438"


def test_toxicity_figures_name_their_grading_scale_and_prices_their_market(kb):
    for entity in kb.entities.values():
        for figure in entity.data.get("figures", []):
            if figure["category"] == "toxicity":
                assert figure.get("grading_scale"), (entity.id, figure["measure"])
            if figure["category"] == "cost":
                assert figure.get("market"), (entity.id, figure["measure"])
