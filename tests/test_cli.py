"""`kb validate` output: every problem at once, errors and warnings apart, warnings fatal with --strict; what `kb build`
says about the site it built."""

from __future__ import annotations

import os
import subprocess
import sys

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


def test_a_build_without_the_published_address_says_where_its_absolute_links_point(project):
    # A researcher's test: a build for publishing without SITE_URL wrote 127.0.0.1 into its feed and sitemap, silently.
    env = {key: value for key, value in os.environ.items() if key != "SITE_URL"}
    result = subprocess.run([sys.executable, "-m", "kb.cli", "build", "--site-dir", str(project / "site")],
                            cwd=project, env={**env, "NO_MKDOCS_2_WARNING": "true"}, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr
    assert "SITE_URL is not set" in result.stderr and "http://127.0.0.1:8000/" in result.stderr
    published = run_kb("build", "--site-dir", str(project / "site"), cwd=project,
                       env={"SITE_URL": "https://example.org/kb/", "NO_MKDOCS_2_WARNING": "true"})
    assert published.returncode == 0 and "SITE_URL is not set" not in published.stderr
