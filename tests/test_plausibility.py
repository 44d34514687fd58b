"""Plausibility warnings: allowed, but probably a mistake. Warnings pass `kb validate` and fail `--strict`."""

from __future__ import annotations

import math
import time
from pathlib import Path

import pytest
from kb.data import readability
from kb.data.rules import MAX_READING_GRADE
from kb.data.validate import check_data

from tests.conftest import REPO, run_kb

PRODUCT, TRIAL = Path("products/tisagenlecleucel.yaml"), Path("trials/eliana.yaml")
EU_APPROVALS = """  - regulator: EMA CHMP
    action: positive opinion
    date: '{opinion}'
    indication: B-ALL up to 25 years
    disease: b-all
    sources: [label-page]
  - regulator: European Commission
    action: marketing authorisation
    date: '{decision}'
    indication: B-ALL up to 25 years
    disease: b-all
    sources: [label-page]
pivotal_trials:"""
ENROLLMENT = "therapy: car-t\nenrollment:\n  start: '{start}'\n  enrolled: {enrolled}\n  treated: {treated}\n" \
             "  as_of: '{as_of}'\n  sources: [eliana-registry]"


def edit(data_root: Path, relative: Path, old: str, new: str) -> None:
    path = data_root / relative
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def warnings(data_root: Path) -> list[tuple[str, str, int, str]]:
    """(file name, code, line, message) of every problem; all must be warnings."""
    problems = check_data(data_root).problems
    assert all(not p.is_error for p in problems), [str(p) for p in problems if p.is_error]
    return [(Path(p.path).name, p.code, p.line, p.message) for p in problems]


def test_the_fixture_data_gives_no_warning(data_root):
    assert warnings(data_root) == []


def test_more_treated_than_enrolled(data_root):
    edit(data_root, TRIAL, "therapy: car-t", ENROLLMENT.format(start="2015-04", enrolled=75, treated=79, as_of="2017"))
    assert warnings(data_root) == [("eliana.yaml", "count-above-n", 12, "enrollment.treated: 79 treated, more than "
                                                                          "the 75 enrolled")]


def test_a_figure_counting_more_patients_than_its_n(data_root):
    edit(data_root, PRODUCT, "    value: 49\n    unit: '%'", "    value: 70\n    unit: patients")
    assert warnings(data_root) == [("tisagenlecleucel.yaml", "count-above-n", 38,
                                    "figures[1].value: 70 patients, more than the figure's n of 68")]


def test_a_figure_with_a_larger_n_than_its_trial_enrolled(data_root):
    edit(data_root, TRIAL, "therapy: car-t", ENROLLMENT.format(start="2015-04", enrolled=70, treated=60, as_of="2018"))
    found = warnings(data_root)
    assert ("tisagenlecleucel.yaml", "count-above-n", 30,
            "figures[0].n: n of 75, more than the 70 enrolled in trial 'eliana'") in found
    assert len(found) == 1  # the second figure's 68 is within the 70


def test_a_figure_reported_after_the_enrolment_was_counted_may_have_a_larger_n(data_root):
    """The cohort may have grown after the count, or been pooled with another phase (ZUMA-3's 78-patient FDA
    safety population against the 71 enrolled in its phase 2, counted earlier)."""
    edit(data_root, TRIAL, "therapy: car-t", ENROLLMENT.format(start="2015-04", enrolled=70, treated=60,
                                                               as_of="2017-06"))
    assert warnings(data_root) == []


def test_a_commission_decision_before_the_chmp_opinion(data_root):
    edit(data_root, PRODUCT, "pivotal_trials:", EU_APPROVALS.format(opinion="2018-09", decision="2018-08-27"))
    assert warnings(data_root) == [
        ("tisagenlecleucel.yaml", "dates-out-of-order", 29, "approvals[2].date: the Commission's decision "
         "(2018-08-27) comes before the CHMP opinion on the same indication (2018-09)")]


@pytest.mark.parametrize(("opinion", "decision"), [("2018-06-28", "2018-08-27"), ("2018-08", "2018-08-27"),
                                                   ("2018", "2018-08-27")])
def test_an_opinion_before_or_in_the_same_month_or_year_as_the_decision_is_fine(data_root, opinion, decision):
    edit(data_root, PRODUCT, "pivotal_trials:", EU_APPROVALS.format(opinion=opinion, decision=decision))
    assert warnings(data_root) == []


def test_decisions_on_other_indications_are_not_compared(data_root):
    approvals = EU_APPROVALS.format(opinion="2022-07-22", decision="2020").replace(
        "    indication: B-ALL up to 25 years\n    disease: b-all\n    sources: [label-page]\npivotal",
        "    indication: Mantle cell lymphoma\n    sources: [label-page]\npivotal")
    edit(data_root, PRODUCT, "pivotal_trials:", approvals)
    assert warnings(data_root) == []


def test_a_trial_reporting_before_it_began(data_root):
    edit(data_root, TRIAL, "therapy: car-t", ENROLLMENT.format(start="2018-06", enrolled=97, treated=79,
                                                               as_of="2018-04-13"))
    found = warnings(data_root)
    assert ("eliana.yaml", "dates-out-of-order", 13, "enrollment.as_of: counted on 2018-04-13, before the trial "
                                                     "began (2018-06)") in found
    # The product's figures from ELIANA, reported in 2018, are not before June 2018 to the year's precision.
    assert len(found) == 1


def test_a_figure_reported_before_its_trial_began(data_root):
    edit(data_root, TRIAL, "therapy: car-t", ENROLLMENT.format(start="2019-01", enrolled=97, treated=79,
                                                               as_of="2020"))
    found = warnings(data_root)
    assert ("tisagenlecleucel.yaml", "dates-out-of-order", 31,
            "figures[0].as_of: reported 2018, before trial 'eliana' began (2019-01)") in found


def test_a_review_history_entry_after_the_last_review(data_root):
    edit(data_root, Path("therapies/car-t.yaml"), "  - date: '2026-01-15'", "  - date: '2026-01-20'")
    assert warnings(data_root) == [("car-t.yaml", "dates-out-of-order", 24, "review_history[0].date: 2026-01-20 "
                                                                            "is after last_reviewed (2026-01-15)")]


def test_a_survival_figure_without_follow_up(data_root):
    edit(data_root, PRODUCT, "category: efficacy", "category: survival")
    assert warnings(data_root) == [("tisagenlecleucel.yaml", "survival-without-follow-up", 23,
                                    "figures[0]: a survival figure without follow_up")]
    edit(data_root, PRODUCT, "    n: 75\n", "    n: 75\n    follow_up: median 13.1 months\n")
    assert warnings(data_root) == []


def test_a_plain_summary_above_the_reading_level(data_root):
    edit(data_root, Path("therapies/car-t.yaml"), "plain_summary: Your own immune cells are changed in a laboratory "
         "to attack the leukemia.", "plain_summary: Autologous lymphocytes are genetically reprogrammed "
         "extracorporeally and reinfused, thereafter eliminating CD19-expressing leukemic blasts.")
    [(name, code, line, message)] = warnings(data_root)
    assert (name, code, line) == ("car-t.yaml", "reading-level", 7)
    assert message.startswith("plain_summary: reads at grade ")


def test_warnings_pass_validate_and_fail_strict(project):
    trial = project / "data" / TRIAL
    trial.write_text(trial.read_text().replace("therapy: car-t", ENROLLMENT.format(
        start="2015-04", enrolled=75, treated=79, as_of="2017")))
    assert run_kb("validate", cwd=project).returncode == 0
    strict = run_kb("validate", "--strict", cwd=project)
    assert strict.returncode == 1
    assert "eliana.yaml:12:12: error: enrollment.treated: 79 treated, more than the 75 enrolled [count-above-n]" \
        in strict.stderr


def test_the_real_data_reads_within_the_documented_level():
    """Every plain-language summary of the real data reads at or below the threshold (the Rules page names it)."""
    import yaml

    grades = {}
    for path in sorted((REPO / "data").glob("[!s]*/*.yaml")):
        summary = yaml.safe_load(path.read_text(encoding="utf-8")).get("plain_summary")
        if summary:
            grades[path.name] = readability.flesch_kincaid_grade(summary)
    assert len(grades) > 100
    assert max(grades.values()) <= MAX_READING_GRADE, max(grades, key=grades.get)
    rules_page = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    assert f"must be at most {MAX_READING_GRADE:g}" in rules_page


@pytest.mark.parametrize(("text", "low", "high"), [
    ("The cat sat on the mat. The dog ran.", -4, 2),  # short words, short sentences
    ("Doctors take some of your own immune cells and teach them to find the cancer.", 3, 8),
    ("Autologous chimeric antigen receptor T-cell immunotherapy demonstrated durable remissions in "
     "heavily pretreated relapsed or refractory B-cell acute lymphoblastic leukemia.", 16, 30),
])
def test_the_grade_orders_texts_as_a_reader_would(text, low, high):
    assert low <= readability.flesch_kincaid_grade(text) <= high


@pytest.mark.parametrize(("word", "count"), [("cat", 1), ("table", 2), ("remission", 3),
                                             ("infused", 2), ("cells", 1), ("CAR-T", 1)])
def test_syllables_by_rule_of_thumb(word, count):
    assert readability.syllables(word) == count


def test_citations_and_link_targets_do_not_count_as_words():
    plain = "The cells attack the leukemia."
    assert readability.flesch_kincaid_grade(plain) == readability.flesch_kincaid_grade(
        "The [cells](id:car-t) attack the leukemia. [@maude-2018-nejm]")


@pytest.mark.parametrize("unit", ["a ", ". ", "\n- ", "\n\n", "  ", "aaaa"])
def test_the_reading_level_patterns_grow_linearly(unit):
    """Texts eight times longer take at most about eight times as long (a quadratic pattern shows ~64)."""
    def cost(text: str) -> float:
        best = math.inf
        for _ in range(3):
            start = time.perf_counter()
            readability.flesch_kincaid_grade(text)
            best = min(best, time.perf_counter() - start)
        return best

    base = unit * (1500 // len(unit))
    assert cost(base * 8) <= 24 * cost(base) + 0.01
