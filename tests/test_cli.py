"""`kb validate` output: every problem at once, errors and warnings apart, warnings fatal with --strict."""

from __future__ import annotations

from tests.conftest import run_kb


def break_one_file_and_age_another(project):
    trial = project / "data" / "trials" / "eliana.yaml"
    trial.write_text(trial.read_text().replace("phase: phase 2", "phase: phase 9"))
    disease = project / "data" / "diseases" / "b-all.yaml"
    disease.write_text(disease.read_text().replace("'2026-01-15'", "'2024-06-01'"))


def test_errors_are_listed_before_warnings_each_under_a_heading(project):
    break_one_file_and_age_another(project)
    result = run_kb("validate", cwd=project)
    lines = result.stderr.splitlines()
    assert result.returncode == 1
    assert lines[0] == "Errors (1) in 1 file(s):"
    assert lines[1].startswith("data/trials/eliana.yaml:") and ": error: phase:" in lines[1]
    assert lines[2] == "Warnings (1) in 1 file(s):"
    assert lines[3].startswith("data/diseases/b-all.yaml:") and ": warning: last reviewed 2024-06-01" in lines[3]
    assert lines[-1] == "1 error(s), 1 warning(s)"


def test_warnings_alone_pass_but_fail_with_strict(project):
    disease = project / "data" / "diseases" / "b-all.yaml"
    disease.write_text(disease.read_text().replace("'2026-01-15'", "'2024-06-01'"))
    assert run_kb("validate", cwd=project).returncode == 0
    strict = run_kb("validate", "--strict", cwd=project)
    assert strict.returncode == 1
    assert ": error: last reviewed 2024-06-01" in strict.stderr
