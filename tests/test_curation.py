"""Curators' path: scaffold a file with `kb new`, fill it in, validate, preview, and find the page."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from kb.site.search_index import read_sections

from tests.conftest import REPO, run_kb

# What a curator would type in place of each TODO, by field name.
FILLED = {
    "name": "'CAR-NK cell therapy'", "kind": "nk-cell", "status": "investigational",
    "summary": "'NK cells engineered with a CAR. [@maude-2018-nejm]'",
    "plain_summary": "'Immune cells from a donor are changed to attack the leukemia.'",
    "mechanism": "'The CAR directs NK cell killing.'", "title": "'Collection'",
    "description": "'Cells are collected.'", "eligibility": "'Patients in trials.'",
    "sources": "[maude-2018-nejm]", "last_reviewed": "'2026-01-20'", "reviewed_by": "'Curator'",
    "therapy": "car-t", "design": "'Single-arm phase 1'", "category": "toxicity", "abbreviation": "'T-ALL'",
    "kind_source": "pubmed", "citation": "'A real citation.'", "pmid": "'12345678'",
}


def fill_placeholders(text: str, overrides: dict[str, str] | None = None) -> str:
    values = {**FILLED, **(overrides or {})}

    def replace(match: re.Match[str]) -> str:
        indent, key = match.group(1), match.group(2)
        return f"{indent}{key}: {values[key]}"

    text = re.sub(r"^(\s*)([a-z_]+): \[TODO\].*$", replace, text, flags=re.MULTILINE)
    return re.sub(r"^(\s*)([a-z_]+): TODO.*$", replace, text, flags=re.MULTILINE)


@pytest.mark.parametrize("type_name", ["therapy", "product", "trial", "challenge", "disease"])
def test_a_filled_scaffold_validates_and_an_unfilled_one_does_not(project, type_name):
    assert run_kb("new", type_name, "new-entity", cwd=project).returncode == 0
    path = next((project / "data").glob("*/new-entity.yaml"))
    unfilled = run_kb("validate", cwd=project)
    assert unfilled.returncode == 1
    assert "placeholder 'TODO' not filled in" in unfilled.stderr or "'TODO'" in unfilled.stderr
    path.write_text(fill_placeholders(path.read_text()))
    result = run_kb("validate", cwd=project)
    assert result.returncode == 0, result.stderr


def test_scaffold_starts_with_the_editor_schema_line(project):
    run_kb("new", "trial", "new-trial", cwd=project)
    first = (project / "data" / "trials" / "new-trial.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schema/trial.schema.json"


def test_scaffold_explains_every_field_of_the_schema(project):
    run_kb("new", "product", "new-product", cwd=project)
    text = (project / "data" / "products" / "new-product.yaml").read_text()
    schema = json.loads((REPO / "data" / "schema" / "product.schema.json").read_text())
    for field in schema["properties"]:
        assert re.search(rf"^#? ?{field}:", text, flags=re.MULTILINE), field


def test_scaffold_names_the_values_a_list_field_takes_from_a_fixed_list(project):
    run_kb("new", "therapy", "new-therapy", cwd=project)
    text = (project / "data" / "therapies" / "new-therapy.yaml").read_text()
    assert "Any of: car-t, nk-cell, car-nk," in text
    assert '# tags: ["car-t"]' in text


def test_new_source_is_appended_and_validates_once_filled(project):
    sources = project / "data" / "sources.yaml"
    before = sources.read_text()
    assert run_kb("new", "source", "new-source", cwd=project).returncode == 0
    text = sources.read_text()
    assert text.startswith(before)
    assert run_kb("validate", cwd=project).returncode == 1
    added = fill_placeholders(text[len(before):], {"kind": "pubmed"})
    added = re.sub(r"^  # pmid: .*$", "  pmid: '12345678'", added, flags=re.MULTILINE)  # the kind needs it
    sources.write_text(before + added)
    result = run_kb("validate", cwd=project)
    assert result.returncode == 0, result.stderr


def test_new_refuses_an_existing_id(project):
    result = run_kb("new", "disease", "car-t", cwd=project)
    assert result.returncode == 1
    assert "id 'car-t' already exists" in result.stderr
    assert not (project / "data" / "diseases" / "car-t.yaml").exists()


def test_new_refuses_an_id_that_is_not_kebab_case(project):
    result = run_kb("new", "therapy", "CAR_NK", cwd=project)
    assert result.returncode == 1
    assert "is not a valid id" in result.stderr


def test_new_refuses_the_id_of_a_types_list_page(project):
    result = run_kb("new", "trial", "index", cwd=project)
    assert result.returncode == 1
    assert "'index' cannot be an id" in result.stderr


def test_following_the_contributing_page_puts_a_new_therapy_on_the_site(project):
    contributing = (REPO / "docs" / "contributing.md").read_text()
    assert "kb new therapy car-nk" in contributing
    assert run_kb("new", "therapy", "car-nk", cwd=project).returncode == 0
    path = project / "data" / "therapies" / "car-nk.yaml"
    path.write_text(fill_placeholders(path.read_text()))
    assert run_kb("validate", cwd=project).returncode == 0
    result = run_kb("build", cwd=project)
    assert result.returncode == 0, result.stderr
    site = project / "site"
    assert "CAR-NK cell therapy" in (site / "therapies" / "car-nk" / "index.html").read_text()
    assert 'href="car-nk/"' in (site / "therapies" / "index.html").read_text()
    assert any(doc["location"] == "therapies/car-nk/" for doc in read_sections(site))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()


def wait_for(condition, seconds: float = 60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError("condition not met in time")


def test_live_preview_rebuilds_on_save_and_survives_a_broken_file(project, tmp_path):
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "kb.cli", "serve", "--dev-addr", f"127.0.0.1:{port}"],
                              cwd=project, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/trials/eliana/"
    trial = project / "data" / "trials" / "eliana.yaml"
    try:
        wait_for(lambda: "ELIANA" in fetch(url))
        trial.write_text(trial.read_text().replace("name: ELIANA", "name: ELIANA-EDITED"))
        wait_for(lambda: "ELIANA-EDITED" in fetch(url))
        trial.write_text(trial.read_text().replace("phase: phase 2", "phase: phase 9"))
        wait_for(lambda: "eliana.yaml:4:8: error: phase" in (tmp_path / "serve.log").read_text())
        assert "ELIANA-EDITED" in fetch(url)
        assert server.poll() is None, "the server died on a data error"
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
    assert "Traceback" not in (tmp_path / "serve.log").read_text()
