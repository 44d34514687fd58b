"""Problems reach the pull request as GitHub annotations, escaped so that no message can break out of its command
(scripts/annotate.py, used by the test command under GitHub Actions)."""

from __future__ import annotations

import io
import json
import subprocess
import sys

from tests.conftest import REPO, run_kb
from tests.scripts_helper import load_script

annotate = load_script("annotate")


def test_message_escapes_percent_carriage_return_and_line_feed():
    assert annotate.escape_data("50% of\r\nrows") == "50%25 of%0D%0Arows"


def test_property_also_escapes_colon_and_comma():
    assert annotate.escape_property("data/a,b:c.yaml") == "data/a%2Cb%3Ac.yaml"


def test_a_message_with_a_line_break_stays_one_command():
    command = annotate.annotation("error", "first\n::error::injected", path="data/x.yaml", line=3, column=5)
    assert "\n" not in command
    assert command == "::error file=data/x.yaml,line=3,col=5::first%0A::error::injected"


def run_validation(result: dict, *, github: bool) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    code = annotate.annotate_validation(io.StringIO(json.dumps(result)), stdout, stderr, github=github)
    return code, stdout.getvalue(), stderr.getvalue()


STALE = {"path": "data/trials/eliana.yaml", "line": 12, "column": 16, "severity": "warning",
         "message": "last_reviewed: more than 12 months ago"}
BROKEN = {"path": "data/products/x.yaml", "line": 5, "column": 10, "severity": "error",
          "message": "therapy: therapy 'car-tt' is not defined"}


def test_strict_mode_warning_fails_the_check_but_is_annotated_as_a_warning():
    code, stdout, _ = run_validation({"ok": False, "errors": [STALE], "warnings": []}, github=True)
    assert code == 1
    assert stdout.splitlines() == [
        "::warning file=data/trials/eliana.yaml,line=12,col=16,title=kb validate::"
        "last_reviewed: more than 12 months ago"]


def test_error_is_annotated_as_an_error_at_its_file_line_and_column():
    _, stdout, _ = run_validation({"ok": False, "errors": [BROKEN], "warnings": []}, github=True)
    assert stdout.startswith("::error file=data/products/x.yaml,line=5,col=10,title=kb validate::")


def test_problems_are_printed_for_people_in_the_usual_format():
    _, _, stderr = run_validation({"ok": False, "errors": [BROKEN], "warnings": []}, github=False)
    assert "data/products/x.yaml:5:10: error: therapy: therapy 'car-tt' is not defined" in stderr.splitlines()


def test_outside_github_actions_no_command_is_printed():
    _, stdout, _ = run_validation({"ok": False, "errors": [BROKEN, STALE], "warnings": []}, github=False)
    assert stdout == ""


def test_valid_data_passes():
    assert run_validation({"ok": True, "errors": [], "warnings": []}, github=True)[0] == 0


def run_lines(text: str, *, github: bool = True) -> list[str]:
    stdout = io.StringIO()
    assert annotate.annotate_lines(io.StringIO(text), stdout, github=github) == 0
    return stdout.getvalue().splitlines()


def test_problem_lines_pass_through_and_are_annotated():
    line = "mkdocs.yml:1:1: error: the site build failed: Aborted with 1 warnings in strict mode!"
    assert run_lines(line + "\n") == [
        line, "::error file=mkdocs.yml,line=1,col=1::the site build failed: Aborted with 1 warnings in strict mode!"]


def test_mkdocs_warning_is_annotated_as_a_warning():
    output = run_lines("INFO    -  Building\nWARNING -  Doc file 'a.md' contains a link 'b.md', not found\n")
    assert output == ["INFO    -  Building", "WARNING -  Doc file 'a.md' contains a link 'b.md', not found",
                      "::warning title=MkDocs::Doc file 'a.md' contains a link 'b.md', not found"]


def test_mkdocs_warning_about_a_hand_written_page_is_annotated_on_its_file(monkeypatch):
    monkeypatch.chdir(REPO)
    output = run_lines("WARNING -  Doc file 'about.md' contains a link 'nowhere.md', but the target is not found\n")
    assert output[-1].startswith("::warning file=docs/about.md,title=MkDocs::Doc file 'about.md' contains")


def test_the_real_validator_output_annotates_a_stale_review_as_a_warning(data_root):
    eliana = data_root / "trials" / "eliana.yaml"
    eliana.write_text(eliana.read_text().replace("'2026-01-15'", "'2024-01-15'", 1))
    validation = run_kb("validate", "--strict", "--format", "json", "--data", str(data_root), cwd=REPO)
    assert validation.returncode == 1
    result = subprocess.run([sys.executable, str(REPO / "scripts" / "annotate.py"), "validation"],
                            input=validation.stdout, capture_output=True, text=True, env={"GITHUB_ACTIONS": "true"})
    assert result.returncode == 1
    assert result.stdout.startswith(f"::warning file={eliana},line=12,col=16,title=kb validate::")


def test_a_note_is_annotated_as_a_notice_and_does_not_fail_the_check():
    note = {"path": "data/trials/eliana.yaml", "line": 20, "column": 14, "severity": "note",
            "message": "figures[0].sources: every source is secondary (web)"}
    code, stdout, _ = run_validation({"ok": True, "errors": [], "warnings": [], "notes": [note]}, github=True)
    assert code == 0
    assert "::notice file=data/trials/eliana.yaml,line=20,col=14,title=kb validate::" in stdout
