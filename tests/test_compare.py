"""The product comparison compares leukemia indications only: which products are in it, which approval and
which response figure each cell shows, with the metric named and the figure's provenance said."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import yaml
from kb.model import load_knowledge_base
from kb.site.compare import (
    best_figure,
    by_date,
    compare_products,
    compare_trials,
    context_products,
    date_order,
    describe_figure,
    leukemia_approval_events,
    other_kinds_of_products,
    provenance,
    response_metrics,
    trials_by_group,
)
from kb.site.export import export_files
from kb.site.plan import render_site

from tests.conftest import write

LYMPHOMA_ONLY = """# yaml-language-server: $schema=../schema/product.schema.json
name: axicabtagene ciloleucel
brand: Yescarta
therapy: car-t
status: approved
target: CD19
summary: A CD19 CAR-T product for lymphoma.
plain_summary: A medicine for a lymph node cancer.
approvals:
  - regulator: FDA
    action: approval
    date: '2017-10-18'
    indication: Large B-cell lymphoma
    sources: [label-page]
figures:
  - measure: Objective response in lymphoma
    metric: overall-response
    category: efficacy
    value: 82
    unit: '%'
    population: Adults with large B-cell lymphoma
    n: 101
    as_of: '2017'
    evidence_level: single-arm-trial
    sources: [maude-2018-nejm]
sources: [label-page]
last_reviewed: '2026-01-15'
reviewed_by: Test team
"""

# Lymphoma first (2020), leukemia later (2021): the comparison shows the leukemia approval; a lymphoma figure
# of the pivotal trial's paper must not be taken for the leukemia response.
LYMPHOMA_THEN_LEUKEMIA = """# yaml-language-server: $schema=../schema/product.schema.json
name: brexucabtagene autoleucel
brand: Tecartus
therapy: car-t
status: approved
target: CD19
summary: A CD19 CAR-T product.
plain_summary: A medicine for two blood cancers.
indications:
  - disease: b-all
    description: Adults with relapsed or refractory B-ALL
    sources: [label-page]
approvals:
  - regulator: FDA
    action: accelerated approval
    date: '2020-07-24'
    indication: Mantle cell lymphoma
    sources: [label-page]
  - regulator: FDA
    action: label expansion
    date: '2021-10-01'
    indication: Adults with relapsed or refractory B-ALL
    disease: b-all
    sources: [label-page]
  - regulator: PMDA
    action: approval
    date: '2022-03'
    indication: B-ALL
    disease: b-all
    sources: [label-page]
  - regulator: FDA
    action: withdrawal
    date: '2019-01'
    indication: A withdrawn leukemia use, not an approval
    disease: b-all
    sources: [label-page]
figures:
  - measure: Complete remission, B-ALL, from a news report
    metric: complete-remission
    category: efficacy
    value: 52
    unit: '%'
    population: Adults with B-ALL
    n: 54
    as_of: '2021'
    evidence_level: secondary-report
    disease: b-all
    sources: [news-report]
  - measure: Overall response in mantle cell lymphoma (a paper)
    metric: overall-response
    category: efficacy
    value: 93
    unit: '%'
    population: Adults with mantle cell lymphoma
    n: 60
    as_of: '2020'
    evidence_level: single-arm-trial
    sources: [maude-2018-nejm]
  - measure: Overall complete remission, B-ALL, the pivotal paper
    metric: overall-remission
    category: efficacy
    value: 71
    unit: '%'
    population: Adults with B-ALL
    n: 55
    as_of: '2021'
    evidence_level: single-arm-trial
    disease: b-all
    sources: [maude-2018-nejm]
sources: [label-page]
last_reviewed: '2026-01-15'
reviewed_by: Test team
"""

# A product of another kind of cell therapy (a cord blood graft, for transplant) with a leukemia indication.
TRANSPLANT_THERAPY = (Path(__file__).parent / "fixtures" / "valid" / "therapies" / "car-t.yaml").read_text().replace(
    "name: CAR-T cell therapy\nkind: car-t", "name: Allogeneic stem cell transplantation\nkind: stem-cell-transplant")
CORD_BLOOD_PRODUCT = """# yaml-language-server: $schema=../schema/product.schema.json
name: expanded cord blood
brand: Cordex
therapy: allogeneic-sct
status: approved
summary: An expanded cord blood graft.
plain_summary: Blood from an umbilical cord, grown in a laboratory before the transplant.
indications:
  - disease: b-all
    description: Patients with blood cancers planned for cord blood transplantation
    sources: [label-page]
approvals:
  - regulator: FDA
    action: approval
    date: '2023-04-17'
    indication: Blood cancers, cord blood transplantation
    disease: b-all
    sources: [label-page]
sources: [label-page]
last_reviewed: '2026-01-15'
reviewed_by: Test team
"""


NEWS = """news-report:
  kind: news
  citation: A news report of a result.
  url: https://example.org/news
"""


@pytest.fixture
def kb(data_root: Path):
    write(data_root / "products" / "axicabtagene-ciloleucel.yaml", LYMPHOMA_ONLY)
    write(data_root / "products" / "brexucabtagene-autoleucel.yaml", LYMPHOMA_THEN_LEUKEMIA)
    sources = data_root / "sources.yaml"
    sources.write_text(sources.read_text() + NEWS)
    return load_knowledge_base(data_root)


def _row(comparison, product_id):
    return next(cells for entity, cells in comparison.rows if entity.id == product_id)


def test_only_products_with_a_leukemia_indication_are_compared(kb):
    comparison = compare_products(kb)
    assert [entity.id for entity, _ in comparison.rows] == ["brexucabtagene-autoleucel", "tisagenlecleucel"]
    assert [product.id for product in context_products(kb)] == ["axicabtagene-ciloleucel"]


def test_the_approval_columns_show_the_first_leukemia_approval_not_the_first_approval(kb):
    cells = _row(compare_products(kb), "brexucabtagene-autoleucel")
    assert cells["first_fda_approval"].text == "2021-10-01"  # not the 2020 lymphoma approval, nor the withdrawal
    assert cells["first_eu_step"].text == "—"
    assert cells["other_approvals"].text == "PMDA 2022-03"


def test_the_approval_timeline_lists_leukemia_approvals_of_compared_products_only(kb):
    events = [(product.id, approval["date"]) for product, approval in leukemia_approval_events(kb)]
    assert events == [("tisagenlecleucel", "2017-08-30"), ("brexucabtagene-autoleucel", "2021-10-01"),
                      ("brexucabtagene-autoleucel", "2022-03")]


def test_the_response_names_its_metric_and_comes_from_a_paper_before_a_news_report(kb):
    cells = _row(compare_products(kb), "brexucabtagene-autoleucel")
    response = cells["response"]
    assert response.text.startswith("CR/CRi: 71%")  # overall remission, labelled with the schema's title
    assert response.note == "From a published paper"
    assert response.sort_key == 71.0


def test_a_lymphoma_figure_is_never_the_leukemia_response(kb):
    cells = _row(compare_products(kb), "brexucabtagene-autoleucel")
    assert "93%" not in cells["response"].text and "ORR" not in cells["response"].text


def test_the_pivotal_trials_paper_is_named_as_such(kb):
    response = _row(compare_products(kb), "tisagenlecleucel")["response"]
    assert response.text.startswith("CR/CRi: 81%")
    assert response.note == "From the pivotal trial's paper, ELIANA"


def test_a_date_known_only_to_its_year_or_month_is_not_taken_for_the_first_of_that_year_or_month():
    dates = [{"date": "2020"}, {"date": "2020-07-24"}, {"date": "2019-12"}, {"date": "2019-12-01"}, {"date": "2021"}]
    assert [item["date"] for item in by_date(dates)] == ["2019-12-01", "2019-12", "2020-07-24", "2020", "2021"]


def test_a_figure_the_data_calls_a_secondary_report_is_not_said_to_come_from_the_paper_it_cites(kb):
    figure = {"sources": ["maude-2018-nejm"], "evidence_level": "secondary-report", "trial": "eliana"}
    assert provenance(kb, figure, ["eliana"]) == (3, "From a secondary source, ELIANA")


def test_a_label_figure_is_said_to_come_from_the_label_though_it_also_cites_a_paper(kb):
    figure = {"sources": ["label-page", "maude-2018-nejm"], "evidence_level": "regulatory-label", "trial": "eliana"}
    assert provenance(kb, figure, ["eliana"]) == (1, "From the regulator's label or review, ELIANA")


def test_a_figure_from_the_pivotal_trials_paper_is_said_to_come_from_it(kb):
    figure = {"sources": ["maude-2018-nejm"], "evidence_level": "single-arm-trial", "trial": "eliana"}
    assert provenance(kb, figure, ["eliana"]) == (0, "From the pivotal trial's paper, ELIANA")


def _edit_product(data_root: Path, product_id: str, change) -> None:
    path = data_root / "products" / f"{product_id}.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def test_the_metric_label_follows_the_figure_cr_and_orr_are_told_apart(data_root, kb):
    def as_cr(data):
        data["figures"][2]["metric"] = "complete-remission"
    _edit_product(data_root, "brexucabtagene-autoleucel", as_cr)
    cells = _row(compare_products(load_knowledge_base(data_root)), "brexucabtagene-autoleucel")
    assert cells["response"].text.startswith("CR: 71%")  # the paper's CR, before the news report's CR


def test_a_response_from_a_secondary_source_says_so(data_root, kb):
    def without_the_paper(data):
        del data["figures"][2]
    _edit_product(data_root, "brexucabtagene-autoleucel", without_the_paper)
    cells = _row(compare_products(load_knowledge_base(data_root)), "brexucabtagene-autoleucel")
    assert cells["response"].text.startswith("CR: 52%")
    assert cells["response"].note == "From a secondary source (news)"


def test_the_csv_carries_the_metric_and_the_provenance(kb):
    rows = list(csv.DictReader(io.StringIO(export_files(kb)["api/v1/compare-products.csv"].decode())))
    assert [row["id"] for row in rows] == ["brexucabtagene-autoleucel", "tisagenlecleucel"]
    assert rows[1]["Response"].startswith("CR/CRi: 81%")
    assert rows[1]["Response"].endswith("(From the pivotal trial's paper, ELIANA)")


def test_the_trial_comparison_shows_design_n_response_toxicity_with_its_scale_and_follow_up(kb, data_root):
    trial = data_root / "trials" / "eliana.yaml"
    trial.write_text(trial.read_text().replace("summary: The pivotal", """enrollment:
  enrolled: 97
  treated: 79
  sources: [eliana-registry]
figures:
  - measure: CRS grade 3 or higher
    metric: crs-grade-3-plus
    category: toxicity
    value: 46
    unit: '%'
    population: Infused patients
    n: 75
    grading_scale: Penn
    as_of: '2018'
    evidence_level: single-arm-trial
    sources: [maude-2018-nejm]
  - measure: Overall remission
    metric: overall-remission
    category: efficacy
    value: 81
    unit: '%'
    population: Infused patients
    n: 75
    follow_up: median 13.1 months
    as_of: '2018'
    evidence_level: single-arm-trial
    sources: [maude-2018-nejm]
summary: The pivotal"""))
    comparison = compare_trials(load_knowledge_base(data_root))
    cells = _row(comparison, "eliana")
    assert cells["phase"].text == "Phase 2"
    assert cells["design"].text == "Single-arm multicentre phase 2"
    assert cells["n"].text == "79 treated of 97 enrolled"
    assert cells["outcome"].text.startswith("CR/CRi: 81%")
    assert cells["outcome"].note == "From the trial's paper"
    assert cells["toxicity"].text == "CRS grade ≥3: 46% (n = 75; Penn)"
    assert cells["follow_up"].text == "median 13.1 months"


def _eliana_with(data_root: Path, crs_figures: list[tuple[int, int, str]]) -> dict:
    """The ELIANA row of the trial comparison, its result CR/CRi 81% of 75 infused patients (from the paper) and
    its CRS figures given as (value, n, population), each from the same paper."""
    figures = [{"measure": "CRS grade 3 or higher", "metric": "crs-grade-3-plus", "category": "toxicity",
                "value": value, "unit": "%", "population": population, "n": n, "grading_scale": "Penn",
                "as_of": "2018", "evidence_level": "single-arm-trial", "sources": ["maude-2018-nejm"]}
               for value, n, population in crs_figures]
    figures.append({"measure": "Overall remission", "metric": "overall-remission", "category": "efficacy",
                    "value": 81, "unit": "%", "population": "Infused patients", "n": 75, "as_of": "2018",
                    "evidence_level": "single-arm-trial", "sources": ["maude-2018-nejm"]})
    path = data_root / "trials" / "eliana.yaml"
    data = yaml.safe_load(path.read_text())
    path.write_text(yaml.safe_dump({**data, "figures": figures}, sort_keys=False))
    return _row(compare_trials(load_knowledge_base(data_root)), "eliana")


def test_a_toxicity_about_the_results_patients_is_shown_before_one_about_other_patients(data_root):
    cells = _eliana_with(data_root, [(31, 45, "Patients of the phase 1 part"), (46, 75, "Infused patients")])
    assert cells["toxicity"].text == "CRS grade ≥3: 46% (n = 75; Penn)"
    assert cells["toxicity"].note == ""


def test_a_toxicity_about_other_patients_than_the_result_says_whom_it_counts(data_root):
    cells = _eliana_with(data_root, [(31, 45, "Patients of the phase 1 part (14 of 45)")])  # whom, not the events
    assert cells["toxicity"].text == "CRS grade ≥3: 31% (n = 45; Penn)"
    assert cells["toxicity"].note == "Other patients than the result's: patients of the phase 1 part"


def test_a_products_toxicity_about_other_patients_than_its_response_says_whom_it_counts(data_root):
    _eliana_with(data_root, [(31, 45, "ELIANA safety population in the label")])
    crs = _row(compare_products(load_knowledge_base(data_root)), "tisagenlecleucel")["crs_grade_3_plus"]
    assert crs.text == "31% (n = 45; Penn)"
    assert crs.note == ("From the pivotal trial's paper, ELIANA. "
                        "Other patients than the response's: ELIANA safety population in the label")


# --- the trial comparison, one page per kind of therapy -----------------------------------------------------

def _trial(data_root: Path, trial_id: str, fields: str) -> None:
    write(data_root / "trials" / f"{trial_id}.yaml", f"""name: {trial_id.upper()}
phase: phase 3
design: Randomized phase 3
diseases: [b-all]
{fields}summary: A trial.
plain_summary: A study.
sources: [eliana-registry]
last_reviewed: '2026-01-15'
reviewed_by: Test team
""")


def _groups(data_root: Path) -> dict[str, list[str]]:
    return {group.title: [trial.id for trial in trials]
            for group, trials in trials_by_group(load_knowledge_base(data_root)).items()}


def test_a_trial_is_compared_with_the_trials_of_its_therapys_kind(data_root: Path):
    _trial(data_root, "product-only", "products: [tisagenlecleucel]\n")  # the product's therapy is CAR-T
    assert _groups(data_root)["CAR-T cell trials"] == ["eliana", "product-only"]


def test_a_trial_of_no_cell_therapy_is_compared_with_the_other_treatments(data_root: Path):
    _trial(data_root, "antibody", "")
    assert _groups(data_root) == {"CAR-T cell trials": ["eliana"], "Trials of other treatments": ["antibody"]}


def test_the_trial_comparisons_page_links_each_group_with_trials_and_only_those(data_root: Path):
    pages = render_site(load_knowledge_base(data_root))
    assert "[CAR-T cell trials](trials/car-t.md) | 1 |" in pages["compare/trials.md"]
    assert "Trials of other treatments" not in pages["compare/trials.md"]
    assert "compare/trials/car-t.md" in pages
    assert "compare/trials/other.md" not in pages and "compare/trials/nk-cells.md" not in pages


def test_a_group_page_compares_its_own_trials_only(data_root: Path):
    _trial(data_root, "antibody", "")
    pages = render_site(load_knowledge_base(data_root))
    assert '<a href="../../../trials/eliana/">' in pages["compare/trials/car-t.md"]
    assert "trials/antibody/" not in pages["compare/trials/car-t.md"]
    assert '<a href="../../../trials/antibody/">' in pages["compare/trials/other.md"]


def test_a_figures_details_in_brackets_hold_no_brackets_of_their_own():
    figure = {"value": 373000, "unit": "USD", "statistic": "price", "market": "US list price at launch (July 2020)"}
    assert describe_figure(figure) == "USD 373,000 (US list price at launch, July 2020)"


def test_an_approval_cell_sorts_a_date_known_only_to_its_year_after_the_full_dates_of_that_year(data_root):
    def approvals_in_one_year(data):
        first = data["approvals"][0]
        data["approvals"] = [{**first, "regulator": "Health Canada", "date": "2017", "sources": ["label-page"]},
                             {**first, "regulator": "PMDA", "date": "2017-12-01", "sources": ["label-page"]}]
    _edit_product(data_root, "tisagenlecleucel", approvals_in_one_year)
    cells = _row(compare_products(load_knowledge_base(data_root)), "tisagenlecleucel")
    assert cells["other_approvals"].sort_key == date_order("2017-12-01")
    assert date_order("2017-12-01") < date_order("2017")


def _with_cord_blood_product(data_root: Path):
    write(data_root / "therapies" / "allogeneic-sct.yaml", TRANSPLANT_THERAPY)
    write(data_root / "products" / "expanded-cord-blood.yaml", CORD_BLOOD_PRODUCT)
    return load_knowledge_base(data_root)


def test_a_product_of_another_kind_of_cell_therapy_is_not_compared_with_the_car_t_products(data_root: Path):
    kb = _with_cord_blood_product(data_root)
    assert [entity.id for entity, _ in compare_products(kb).rows] == ["tisagenlecleucel"]
    assert [product.id for product, _ in leukemia_approval_events(kb)] == ["tisagenlecleucel"]
    assert [product.id for product in other_kinds_of_products(kb)] == ["expanded-cord-blood"]


def test_the_product_comparison_page_links_the_products_of_other_kinds_beside_its_table(data_root: Path):
    page = render_site(_with_cord_blood_product(data_root))["compare/products.md"]
    link = '<a href="../../products/expanded-cord-blood/">expanded cord blood</a> (Cordex).'
    assert f"not compared with CAR-T here:\n{link}" in page


def test_a_leukemia_trial_is_compared_on_complete_remission_before_its_overall_response(kb):
    # The overall response counts partial responses: a T-ALL trial with CR 90% and ORR 95% showed the ORR.
    trial = kb.entities["eliana"]
    figures = [{"metric": "overall-response", "value": 95, "n": 20, "sources": ["maude-2018-nejm"]},
               {"metric": "complete-remission", "value": 90, "n": 20, "sources": ["maude-2018-nejm"]}]
    picked = best_figure(kb, figures, response_metrics(trial.data["diseases"]), (trial.id,))
    assert picked["metric"] == "complete-remission"


def test_a_cll_trial_is_compared_on_its_overall_response_before_complete_remission(kb):
    figures = [{"metric": "complete-remission", "value": 18, "n": 49, "sources": ["maude-2018-nejm"]},
               {"metric": "overall-response", "value": 44, "n": 49, "sources": ["maude-2018-nejm"]}]
    assert best_figure(kb, figures, response_metrics(["cll"]))["metric"] == "overall-response"


def test_the_csv_gives_each_figures_measure_value_and_unit_and_the_rows_facets_in_columns_of_their_own(kb):
    # A researcher could not analyse the CSV: its figures were sentences, and it had no disease or target column.
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(export_files(kb)["api/v1/compare-products.csv"]
                                                                 .decode()))}
    product = rows["tisagenlecleucel"]
    measure, value, unit = (product[f"Response: {part}"] for part in ("measure", "value", "unit"))
    assert (measure, unit) == ("overall-remission", "%") and f"{float(value):g}%" in product["Response"]
    assert product["Disease"] == "B-ALL"
