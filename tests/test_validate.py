"""Validation reports every problem at once, each pinned to the YAML node at fault."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from kb.data import rules
from kb.data.validate import check_data
from kb.model import load_knowledge_base
from kb.problems import DataError

from tests.conftest import write


def problems_of(data_root: Path) -> list[str]:
    """Each error as PATH:LINE:COL: error: MESSAGE (its rule code and hint are checked in test_rule_codes)."""
    problems = check_data(data_root).problems
    return [p.headline for p in problems if p.is_error]


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"fixture no longer contains {old!r}"
    path.write_text(text.replace(old, new, 1))


def test_the_fixture_data_is_valid(data_root):
    assert problems_of(data_root) == []


def test_unknown_reference_names_the_node_and_suggests_the_closest_id(data_root):
    product = data_root / "products" / "tisagenlecleucel.yaml"
    replace_in(product, "therapy: car-t", "therapy: car-tt")
    assert problems_of(data_root) == [
        f"{product}:5:10: error: therapy: therapy 'car-tt' is not defined (did you mean 'car-t'?)"]


def test_reference_to_an_entity_of_the_wrong_type_is_an_error(data_root):
    replace_in(data_root / "products" / "tisagenlecleucel.yaml", "therapy: car-t", "therapy: b-all")
    assert problems_of(data_root)[0].endswith("error: therapy: 'b-all' is a disease, not a therapy")


def test_missing_required_field_is_reported_at_the_parent_mapping(data_root):
    trial = data_root / "trials" / "eliana.yaml"
    replace_in(trial, "design: Single-arm multicentre phase 2\n", "")
    assert problems_of(data_root) == [f"{trial}:2:1: error: missing required field 'design'"]


def test_unknown_field_is_reported_at_the_key_with_a_suggestion(data_root):
    trial = data_root / "trials" / "eliana.yaml"
    replace_in(trial, "phase: phase 2", "phase: phase 2\nsumary: typo")
    assert problems_of(data_root) == [f"{trial}:5:1: error: unknown field 'sumary' (did you mean 'summary'?)"]


def test_wrong_type_is_reported_at_the_value(data_root):
    product = data_root / "products" / "tisagenlecleucel.yaml"
    replace_in(product, "n: 75", "n: seventy-five")
    assert problems_of(data_root) == [
        f"{product}:30:8: error: figures[0].n: expected a whole number, found text \"seventy-five\""]


def test_impossible_calendar_date_is_an_error(data_root):
    replace_in(data_root / "products" / "tisagenlecleucel.yaml", "'2017-08-30'", "'2017-02-30'")
    assert problems_of(data_root)[0].endswith("is not a valid date (YYYY-MM-DD, YYYY-MM or YYYY)")


def test_unquoted_date_is_accepted_as_text(data_root):
    replace_in(data_root / "products" / "tisagenlecleucel.yaml", "date: '2017-08-30'", "date: 2017-08-30")
    assert problems_of(data_root) == []


def test_review_date_in_the_future_is_an_error(data_root):
    trial = data_root / "trials" / "eliana.yaml"
    replace_in(trial, "last_reviewed: '2026-01-15'", "last_reviewed: '2031-01-01'")
    assert problems_of(data_root) == [
        f"{trial}:12:16: error: last_reviewed: date 2031-01-01 is in the future (today is 2026-02-02)"]


def test_stale_review_is_a_warning_not_an_error(data_root):
    replace_in(data_root / "trials" / "eliana.yaml", "'2026-01-15'", "'2024-01-15'")
    problems = check_data(data_root).problems
    assert [p.severity for p in problems] == ["warning"]
    assert "more than 12 months ago" in problems[0].message


def test_a_field_name_in_a_text_readers_see_is_a_warning(data_root):
    replace_in(data_root / "trials" / "eliana.yaml", "summary: The pivotal trial of tisagenlecleucel.",
               "summary: The pivotal trial of tisagenlecleucel; follow_up as in the label.")
    assert [(p.code, p.severity) for p in check_data(data_root).problems] == [("field-name-in-text", "warning")]


def test_a_field_name_in_a_reviews_note_of_what_changed_is_not_reported(data_root):
    replace_in(data_root / "trials" / "eliana.yaml", "reviewed_by: Test team",
               "reviewed_by: Test team\nreview_history:\n  - date: '2026-01-15'\n    reviewer: Test team\n"
               "    change: as_of set to the month of publication")
    assert check_data(data_root).problems == []


def test_toxicity_figure_without_grading_scale_is_an_error(data_root):
    replace_in(data_root / "products" / "tisagenlecleucel.yaml", "category: efficacy", "category: toxicity")
    assert problems_of(data_root)[0].endswith(
        "figures[0]: missing required field 'grading_scale' "
        "(toxicity rates must state the grading scale they were measured on)")


def test_figure_without_sources_is_an_error(data_root):
    replace_in(data_root / "products" / "tisagenlecleucel.yaml", "    sources: [maude-2018-nejm]\n", "")
    assert problems_of(data_root)[0].endswith("figures[0]: missing required field 'sources'")


def test_citing_a_source_missing_from_the_bibliography_is_an_error(data_root):
    product = data_root / "products" / "tisagenlecleucel.yaml"
    replace_in(product, "sources: [label-page]\nlast", "sources: [label-pag]\nlast")
    assert problems_of(data_root)[0].endswith(
        "sources[0]: source 'label-pag' is not in data/sources.yaml (did you mean 'label-page'?)")


def test_inline_citation_of_an_unknown_source_is_an_error(data_root):
    replace_in(data_root / "therapies" / "car-t.yaml", "[@maude-2018-nejm]", "[@maude-2019]")
    assert "source 'maude-2019' is not in data/sources.yaml" in problems_of(data_root)[0]


def test_entity_link_in_text_to_an_unknown_id_is_an_error(data_root):
    replace_in(data_root / "products" / "tisagenlecleucel.yaml", "(id:car-t)", "(id:car-x)")
    assert "entity 'car-x' is not defined (did you mean 'car-t'?)" in problems_of(data_root)[0]


def test_duplicate_id_across_types_is_an_error(data_root):
    write(data_root / "challenges" / "car-t.yaml", (data_root / "challenges" / "crs.yaml").read_text())
    problems = problems_of(data_root)
    assert any("id 'car-t' is already used by" in p for p in problems)


def test_file_name_that_is_not_kebab_case_is_an_error(data_root):
    (data_root / "trials" / "eliana.yaml").rename(data_root / "trials" / "Eliana_Trial.yaml")
    assert any("file name 'Eliana_Trial' is not a valid id" in p for p in problems_of(data_root))


def test_a_file_named_index_is_an_error_not_a_page_in_place_of_its_types_list(data_root):
    (data_root / "trials" / "eliana.yaml").rename(data_root / "trials" / "index.yaml")
    problems = problems_of(data_root)
    assert any("trials/index.yaml:" in p and "file name 'index' cannot be an id: it names the page that lists "
               "every entity of a type; rename the file" in p for p in problems)


def test_unknown_tag_is_an_error(data_root):
    replace_in(data_root / "therapies" / "car-t.yaml", "tags: [car-t]", "tags: [car-tee]")
    assert "'car-tee' is not one of the allowed values" in problems_of(data_root)[0]


@pytest.mark.parametrize(("text", "expected"), [
    ("<script>alert(1)</script>", "raw HTML is not allowed"),
    ("<img src=x onerror=alert(1)>", "raw HTML is not allowed"),
    ("[click](javascript:alert(1))", "link target 'javascript:alert(1)' is not allowed"),
    ("[x](ftp://example.org)", "link target 'ftp://example.org' is not allowed"),
    ("Text {: .evil onclick=x }", "attribute-list syntax"),
    ("--8<-- \"/etc/passwd\"", "snippet markers"),
    ("{{ config.extra }}", "template syntax"),
    ("{% include x %}", "template syntax"),
    ("![pixel](https://evil.example/p.png)", "images are not allowed"),
])
def test_unsafe_markup_in_text_is_rejected(data_root, text, expected):
    replace_in(data_root / "therapies" / "car-t.yaml", "mechanism: The CAR binds CD19 and activates the T cell.",
               f"mechanism: '{text}'")
    problems = problems_of(data_root)
    assert problems, "unsafe text was accepted"
    # On line 8, at the field's value (column 12) or further right, at the markup itself.
    assert all(re.search(r":8:(1[2-9]|[2-9][0-9]): error: mechanism: ", p) for p in problems), problems
    assert any(expected in p for p in problems)


def test_comparison_signs_in_text_are_allowed(data_root):
    replace_in(data_root / "therapies" / "car-t.yaml", "Patients with relapsed",
               "Patients aged < 25 or > 3 years with relapsed")
    assert problems_of(data_root) == []


def test_every_error_is_reported_at_once(data_root):
    replace_in(data_root / "products" / "tisagenlecleucel.yaml", "therapy: car-t", "therapy: car-tt")
    replace_in(data_root / "trials" / "eliana.yaml", "phase: phase 2", "phase: phase 9")
    write(data_root / "diseases" / "aml.yaml", "name: [unclosed\n")
    problems = problems_of(data_root)
    assert len(problems) == 3
    files = {Path(p.split(":")[0]).name for p in problems}
    assert files == {"tisagenlecleucel.yaml", "eliana.yaml", "aml.yaml"}


def test_load_knowledge_base_raises_with_every_error(data_root):
    replace_in(data_root / "products" / "tisagenlecleucel.yaml", "therapy: car-t", "therapy: car-tt")
    with pytest.raises(DataError) as raised:
        load_knowledge_base(data_root)
    assert len(raised.value.problems) == 1


def test_clock_comes_from_source_date_epoch(monkeypatch):
    from kb import clock

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    assert clock.today() == dt.date(1970, 1, 1)


def test_grade_table_row_with_the_wrong_number_of_cells_is_an_error(data_root):
    challenge = data_root / "challenges" / "crs.yaml"
    replace_in(challenge, "    - ['1', 'Yes']", "    - ['1', Yes, but only, sometimes]")
    assert problems_of(data_root) == [
        f"{challenge}:11:7: error: grading.rows[0]: has 4 cells but the table has 2 columns "
        "(quote cells that hold commas)"]


@pytest.mark.parametrize("text", [
    "[x](JavaScript:alert(1))", "[x](vbscript:msgbox)", "[x](DATA:text/html,hi)", "[x](file:/etc/passwd)",
    "[x](ftp://example.org)", "[x](http://example.org)", "[x](//example.org)", "[x](mailto:a@b.c)",
    "[a [b] c](javascript:alert(1))", "[a\\]b](javascript:alert(1))", "- [r]: ftp://x.org\n\n[t][r]",
    "\n[ref]: https://example.org", "[^1] note", "TODO", "a {: .x} b", "-8<- x", "![chart](https://x.test/c.png)",
    "!!! danger\n    boxed", "# Fake heading", "text\n\n---\n\nmore", "| a | b |\n|---|---|\n| 1 | 2 |",
])
def test_markdown_text_that_could_change_the_page_or_link_elsewhere_is_refused(text):
    assert list(rules.text_problems(text, "markdown"))


@pytest.mark.parametrize("text", [
    "Grade 3 or higher CRS: 22 of 100 patients (CI not given) in the data cut-off [@x].",
    "See [the therapy](id:car-t) and [the label](https://www.fda.gov/x) [@src].",
    "- first item\n- second item with *emphasis*", "1. one\n2. two", "**Strong** and `code` and 50% < 60%.",
])
def test_ordinary_markdown_text_passes(text):
    assert list(rules.text_problems(text, "markdown")) == []


def test_a_table_whose_rows_key_is_spelled_with_an_escape_is_still_checked(data_root):
    challenge = data_root / "challenges" / "crs.yaml"
    replace_in(challenge, "  rows:", '  "\\x72ows":')  # YAML reads the key as 'rows'; the word is not in the text
    replace_in(challenge, "    - ['1', 'Yes']", "    - ['1', Yes, but only, sometimes]")
    assert "rows:" not in challenge.read_text()
    assert problems_of(data_root) == [
        f"{challenge}:11:7: error: grading.rows[0]: has 4 cells but the table has 2 columns "
        "(quote cells that hold commas)"]


def test_a_large_data_set_reports_the_problems_of_every_file_once(data_root):
    # from 64 files on, half of them are checked in a second process: every file's problems still come back
    eliana = (data_root / "trials" / "eliana.yaml").read_text()
    for number in range(70):
        text = eliana.replace("phase: phase 2", "phase: phse 2") if number in (0, 69) else eliana
        write(data_root / "trials" / f"copy-{number:02d}.yaml", text)
    result = check_data(data_root)
    wrong_phase = [p.headline for p in result.problems if "'phse 2'" in p.headline]
    assert [Path(p.split(":")[0]).name for p in wrong_phase] == ["copy-00.yaml", "copy-69.yaml"]
    entity_files = {path.stem for path in data_root.glob("*/*.yaml") if path.parent.name != "schema"}
    assert set(result.entities) == entity_files  # each file, the ones with problems too


def test_a_schema_pattern_in_python_only_syntax_still_checks_the_data(data_root):
    # jsonschema-rs, which says whether a file passes, cannot read \Z (Python's end of text): jsonschema decides.
    schema = data_root / "schema" / "trial.schema.json"
    schema.write_text(schema.read_text().replace('"^NCT[0-9]{8}$"', '"^NCT[0-9]{8}\\\\Z"'))
    assert problems_of(data_root) == []
    replace_in(data_root / "trials" / "eliana.yaml", "nct: NCT02435849", "nct: NCT0243584")
    assert problems_of(data_root)[0].endswith(
        "error: nct: 'NCT0243584' does not have the expected form (ClinicalTrials.gov number.)")
