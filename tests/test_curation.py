"""Curators' path: scaffold a file with `kb new`, fill it in, validate, preview, and find the page."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request

import pytest
import yaml
from kb.data.validate import check_files
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


CONTRIBUTING = REPO / "docs" / "contributing.md"


def walkthrough(title: str) -> list[tuple[str, str, str]]:
    """The code blocks of one section of the Contributing page, in order: (language, the paragraph before the
    block, the block's text)."""
    section = CONTRIBUTING.read_text(encoding="utf-8").split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]
    blocks = []
    for match in re.finditer(r"^( *)```(\w+)\n(.*?)\n\1```$", section, flags=re.MULTILINE | re.DOTALL):
        before = section[:match.start()].rstrip().rsplit("\n\n", 1)[-1]
        blocks.append((match.group(2), before, textwrap.dedent(match.group(3)) + "\n"))
    assert blocks, title
    return blocks


def follow(title: str, project) -> list[list[str]]:
    """Do what a section of the Contributing page says, literally: run each command shown (each must succeed)
    and write each YAML block where the paragraph before it says (replacing the file, or what `kb new source`
    just appended). Returns the commands run."""
    commands, appended_from = [], None
    for language, before, text in walkthrough(title):
        if language == "bash":
            for line in text.splitlines():
                program, *args = shlex.split(line)
                assert program == ".venv/bin/kb", line
                sources = (project / "data" / "sources.yaml").read_text()
                result = run_kb(*args, cwd=project)
                assert result.returncode == 0, f"{line}\n{result.stderr}"
                if args[:2] == ["new", "source"]:
                    appended_from = len(sources)
                commands.append(args)
        elif language == "yaml":
            [path] = set(re.findall(r"`(data/[^`]+\.yaml)`", before))
            target = project / path
            if "appended" in before:
                assert appended_from is not None
                target.write_text(target.read_text()[:appended_from] + text)
            else:
                target.write_text(text)
    return commands


def site_file(project, relative: str) -> str:
    return (project / "site" / relative).read_text(encoding="utf-8")


def validate_strictly_and_build(project) -> None:
    assert run_kb("validate", "--strict", cwd=project).returncode == 0
    result = run_kb("build", cwd=project)
    assert result.returncode == 0, result.stderr


def test_following_the_contributing_page_puts_a_new_product_on_its_page_the_index_the_comparison_the_open_data(
        project):
    commands = follow("Add a product, step by step", project)
    assert ["new", "product", "examplecel"] in commands and ["validate", "data/products/examplecel.yaml"] in commands
    validate_strictly_and_build(project)
    assert "Examplix" in site_file(project, "products/examplecel/index.html")
    assert 'href="examplecel/"' in site_file(project, "products/index.html")
    assert "examplecel" in site_file(project, "compare/products/index.html")
    assert "examplecel" in json.loads(site_file(project, "api/v1/products.json"))["items"]
    assert any(doc["location"] == "products/examplecel/" and "Examplix" in doc["text"]
               for doc in read_sections(project / "site"))


def test_following_the_contributing_page_adds_a_trial_of_that_product(project):
    follow("Add a product, step by step", project)
    commands = follow("Add a trial, step by step", project)
    assert ["new", "trial", "example-1"] in commands
    validate_strictly_and_build(project)
    assert "EXAMPLE-1" in site_file(project, "trials/example-1/index.html")
    assert 'href="example-1/"' in site_file(project, "trials/index.html")
    assert "trials/example-1/" in site_file(project, "products/examplecel/index.html")


def uncomment_every_example(text: str) -> str:
    """Each commented-out field (``# name: …`` and the indented lines under it) uncommented; each ``TODO``
    replaced by the example its comment gives, or a source id for a list of sources."""
    lines, inside = [], False
    for line in text.splitlines():
        field = re.match(r"^# [a-z_]+:( |$)", line)
        if field or (inside and line.startswith("#  ")):
            inside = True
            lines.append(line[2:])
            continue
        inside = False
        lines.append(line)
    text = "\n".join(lines) + "\n"
    text = re.sub(r"^(\s*[a-z_]+): TODO  # (?:a number, )?e\.g\. (.*)$", r"\1: \2", text, flags=re.MULTILINE)
    return text.replace("[TODO]", "[maude-2018-nejm]")


@pytest.mark.parametrize("type_name", ["therapy", "product", "trial", "challenge", "disease", "guideline",
                                       "pathway"])
def test_every_commented_example_validates_once_uncommented(tmp_path, type_name):
    """Every optional field and every list's example item, uncommented as written, is valid data: the examples
    come from the schemas, and the schemas give one for every field."""
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    assert run_kb("new", type_name, "new-entity", "--data", str(data), cwd=tmp_path).returncode == 0
    path = next(data.glob("*/new-entity.yaml"))
    text = uncomment_every_example(path.read_text())
    values = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    assert not [line for line in values if "TODO" in line or "…" in line]
    path.write_text(text)
    problems = check_files(data, [path])
    assert [str(p) for p in problems if p.is_error] == []


@pytest.mark.parametrize("field", ["indications", "approvals", "figures", "sections", "construct", "boxed_warning"])
def test_every_list_and_group_of_a_product_has_an_example_item_with_each_field_explained(project, field):
    run_kb("new", "product", "new-product", cwd=project)
    text = (project / "data" / "products" / "new-product.yaml").read_text()
    block = re.search(rf"^# {field}:\n((?:#  .*\n)+)", text, flags=re.MULTILINE)
    assert block, field
    schema_fields = _item_fields(field)
    shown = re.findall(r"^#\s+(?:- )?([a-z_]+):", block.group(1), flags=re.MULTILINE)
    assert schema_fields <= set(shown), schema_fields - set(shown)
    explained = re.findall(r"^#\s+# .*\((?:required|optional)\)$", block.group(1), flags=re.MULTILINE)
    assert len(explained) >= len(schema_fields)


def _item_fields(field: str) -> set[str]:
    from kb.data.schemas import load_schemas

    schemas = load_schemas(REPO / "data" / "schema")
    node = schemas.inlined["product.schema.json"]["properties"][field]
    node = node.get("items", node)
    return set(node["properties"])


def test_new_like_copies_the_shape_and_none_of_the_facts(project):
    assert run_kb("new", "product", "other-car-t", "--like", "tisagenlecleucel", cwd=project).returncode == 0
    model = yaml.safe_load((project / "data" / "products" / "tisagenlecleucel.yaml").read_text())
    text = (project / "data" / "products" / "other-car-t.yaml").read_text()
    shaped = yaml.safe_load(text)
    assert list(shaped) == list(model)
    assert len(shaped["figures"]) == len(model["figures"]) == 3
    assert [list(figure) for figure in shaped["figures"]] == [list(figure) for figure in model["figures"]]
    assert shaped["figures"][0]["ci"] == {"low": "TODO", "high": "TODO"}
    for fact in ("Kymriah", "CTL019", "CD19", "Children and young adults", "475000", "2017-08-30", "label-page",
                 "maude-2018-nejm", "eliana", "Test team"):
        assert fact not in text, fact
    result = run_kb("validate", "data/products/other-car-t.yaml", "--format", "json", cwd=project)
    errors = json.loads(result.stdout)["errors"]
    assert errors and {error["code"] for error in errors} == {"placeholder"}


def test_new_like_starts_the_review_history_afresh(project):
    assert run_kb("new", "therapy", "car-x", "--like", "car-t", cwd=project).returncode == 0
    shaped = yaml.safe_load((project / "data" / "therapies" / "car-x.yaml").read_text())
    assert len(shaped["review_history"]) == 1
    assert len(shaped["steps"]) == 2


@pytest.mark.parametrize(("args", "message"), [
    (["trial", "x-1", "--like", "no-such-trial"], "there is no trial 'no-such-trial'"),
    (["trial", "x-1", "--like", "tisagenlecleucel"], "there is no trial 'tisagenlecleucel'"),
    (["source", "x-1", "--like", "label-page"], "--like takes the shape of an entity"),
])
def test_new_like_needs_an_entity_of_the_same_type(project, args, message):
    result = run_kb("new", *args, cwd=project)
    assert result.returncode == 1
    assert message in result.stderr


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


def test_live_preview_stopped_by_its_service_manager_leaves_no_scratch_folder(project, tmp_path):
    """SIGTERM (how systemd, Docker or a test stops a process) cleans up as Ctrl+C does."""
    scratch_root = tmp_path / "tmp"
    scratch_root.mkdir()
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "kb.cli", "serve", "--dev-addr", f"127.0.0.1:{port}"],
                              cwd=project, env={**os.environ, "TMPDIR": str(scratch_root)},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: "ELIANA" in fetch(f"http://127.0.0.1:{port}/trials/eliana/"))
        assert list(scratch_root.glob("kb-serve-*")) != []
    finally:
        server.terminate()
        returncode = server.wait(timeout=20)
    assert returncode == 0
    assert list(scratch_root.glob("kb-serve-*")) == []


def test_live_preview_survives_a_broken_schema_and_a_first_start_on_broken_data(project, tmp_path):
    """A schema made unusable while serving is shown at the top of every page (requests never hang) and the site
    comes back when it is restored; a server started on broken data says so on every page, then serves the site
    once the file is fixed."""
    schema = project / "data" / "schema" / "trial.schema.json"
    good_schema = schema.read_text()
    trial = project / "data" / "trials" / "eliana.yaml"
    trial.write_text(trial.read_text().replace("phase: phase 2", "phase: phase 9"))
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "kb.cli", "serve", "--dev-addr", f"127.0.0.1:{port}"],
                              cwd=project, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/trials/eliana/"

    def page() -> str:
        try:
            return fetch(url)
        except urllib.error.HTTPError as error:  # 503 until there is a site
            return error.read().decode()

    try:
        wait_for(lambda: "eliana.yaml:4:8</a>: error: phase" in page() and "cannot be built yet" in page())
        trial.write_text(trial.read_text().replace("phase: phase 9", "phase: phase 2"))
        wait_for(lambda: "ELIANA" in page() and "kb-errors" not in page())
        schema.write_text(good_schema[:200])
        wait_for(lambda: "trial.schema.json" in page() and "kb-errors" in page())
        assert "ELIANA" in page()  # the last good version, under the error
        schema.write_text(good_schema)
        wait_for(lambda: "kb-errors" not in page())
        assert server.poll() is None
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
    assert "Traceback" not in (tmp_path / "serve.log").read_text()
