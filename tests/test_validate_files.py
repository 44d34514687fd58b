"""`kb validate FILE…`: only the files given, with the ids the other files define, for editors and pre-commit."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from kb.data.validate import check_data, check_files

from tests.conftest import REPO, run_kb, write


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def test_only_the_files_given_are_reported(project):
    data = project / "data"
    edit(data / "trials" / "eliana.yaml", "phase: phase 2", "phase: phse 2")
    edit(data / "therapies" / "car-t.yaml", "status: approved", "status: aproved")
    result = run_kb("validate", "data/trials/eliana.yaml", cwd=project)
    assert result.returncode == 1
    problems = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert [line.split(":")[0] for line in problems] == ["data/trials/eliana.yaml"]
    assert run_kb("validate", "data/products/tisagenlecleucel.yaml", cwd=project).returncode == 0


def test_ids_from_the_other_files_resolve_and_unknown_ones_do_not(data_root):
    trial = data_root / "trials" / "eliana.yaml"
    assert check_files(data_root, [trial]) == []  # refers to a product, a disease, a therapy and sources
    edit(trial, "products: [tisagenlecleucel]", "products: [tisagenleucel]")
    edit(trial, "sources: [eliana-registry]", "sources: [eliana-registy]")
    problems = check_files(data_root, [trial])
    assert [(p.code, p.message) for p in problems] == [
        ("unknown-entity", "products[0]: product 'tisagenleucel' is not defined (did you mean 'tisagenlecleucel'?)"),
        ("unknown-source", "sources[0]: source 'eliana-registy' is not in data/sources.yaml (did you mean "
                           "'eliana-registry'?)")]


@pytest.mark.parametrize(("relative", "old", "new"), [
    ("trials/eliana.yaml", "phase: phase 2", "phase: phse 2"),
    ("trials/eliana.yaml", "name: ELIANA", "name: ELIANA\nname: Twice"),
    ("products/tisagenlecleucel.yaml", "value: 81", "value: 84%"),
    ("products/tisagenlecleucel.yaml", "(id:car-t)", "(id:car-tt)"),
    ("therapies/car-t.yaml", "    description: T cells", "     description: T cells"),
    ("challenges/crs.yaml", "- ['1', 'Yes']", "- ['1', Yes, often]"),
    ("sources.yaml", "  pmid: '29385370'", "  pmid: '2938537x'"),
    ("glossary.yaml", "CAR:", "car:"),
    ("therapies/car-t.yaml", "last_reviewed: '2026-01-15'", "last_reviewed: '2024-01-15'"),
])
def test_a_file_alone_gives_the_problems_the_whole_check_gives_for_it(data_root, relative, old, new):
    path = data_root / relative
    edit(path, old, new)
    whole = [p for p in check_data(data_root).problems if Path(p.path) == path and p.code != "unchecked-references"]
    assert whole
    assert check_files(data_root, [path]) == whole


def test_a_figure_is_compared_with_the_enrolment_of_its_trial_read_for_it(data_root):
    edit(data_root / "trials" / "eliana.yaml", "therapy: car-t",
         "therapy: car-t\nenrollment:\n  enrolled: 60\n  as_of: '2018'\n  sources: [eliana-registry]")
    product = data_root / "products" / "tisagenlecleucel.yaml"
    assert [(p.code, p.severity, p.line) for p in check_files(data_root, [product])] == [
        ("count-above-n", "warning", 30), ("count-above-n", "warning", 41)]


def test_a_new_file_whose_id_another_type_uses_is_a_duplicate(data_root):
    challenge = data_root / "challenges" / "car-t.yaml"
    challenge.write_text((data_root / "challenges" / "crs.yaml").read_text())
    [problem] = check_files(data_root, [challenge])
    assert problem.code == "duplicate-id"


def test_a_file_outside_the_data_folder_or_its_layout_is_named(project, tmp_path_factory):
    (project / "data" / "notes.yaml").write_text("name: A note\n")
    outside = tmp_path_factory.mktemp("elsewhere") / "elsewhere.yaml"
    outside.write_text("name: x\n")
    result = run_kb("validate", "data/notes.yaml", str(outside), cwd=project)
    assert result.returncode == 1
    assert "data/notes.yaml:1:1: error: this file is not part of any entity type's folder [misplaced-file]" \
        in result.stderr
    assert f"{outside}:1:1: error: not inside the data folder data [misplaced-file]" in result.stderr


def test_kb_data_dir_names_the_data_folder_for_the_files_too(project):
    (project / "data").rename(project / "other-data")
    trial = "other-data/trials/eliana.yaml"
    edit(project / trial, "phase: phase 2", "phase: phse 2")
    result = run_kb("validate", trial, cwd=project, env={"KB_DATA_DIR": "other-data"})
    assert result.returncode == 1
    assert f"{trial}:4:8: error: phase: 'phse 2'" in result.stderr


def test_a_broken_schema_of_a_file_given_is_one_error(data_root):
    schema = data_root / "schema" / "trial.schema.json"
    schema.write_text(schema.read_text().replace('"^NCT[0-9]{8}$"', '"^NCT([0-9]{8}$"'))
    from kb.data.schemas import SchemaError

    with pytest.raises(SchemaError, match="not a valid JSON Schema"):
        check_files(data_root, [data_root / "trials" / "eliana.yaml"])
    check_files(data_root, [data_root / "therapies" / "car-t.yaml"])  # its own schemas are sound


def test_a_schema_broken_after_it_passed_a_run_is_still_reported(project, tmp_path):
    cache = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    assert run_kb("validate", cwd=project, env=cache).returncode == 0
    edit(project / "data" / "schema" / "trial.schema.json", '"^NCT[0-9]{8}$"', '"^NCT([0-9]{8}$"')
    result = run_kb("validate", cwd=project, env=cache)
    assert result.returncode == 1
    assert ("data/schema/trial.schema.json:1:1: error: not a valid JSON Schema at properties/nct/pattern"
            in result.stderr)


@pytest.mark.parametrize("cache", ["a file where the cache folder should be", "garbage in the file of passed schemas"])
def test_an_unusable_cache_changes_nothing_kb_validate_says(project, tmp_path, cache):
    edit(project / "data" / "trials" / "eliana.yaml", "phase: phase 2", "phase: phse 2")
    expected = run_kb("validate", cwd=project, env={"XDG_CACHE_HOME": str(tmp_path / "fresh")})
    folder = tmp_path / "cache"
    if cache.startswith("a file"):
        folder.write_text("not a folder")
    else:
        write(folder / "kb" / "passed-schemas.txt", "garbage\n" + "0" * 64 + "\n\xff\n")
    for _ in range(2):
        result = run_kb("validate", cwd=project, env={"XDG_CACHE_HOME": str(folder)})
        assert (result.returncode, result.stdout, result.stderr) == (expected.returncode, expected.stdout,
                                                                     expected.stderr)
        assert result.returncode == 1 and "phse 2" in result.stderr


def test_pre_commit_checks_the_data_files_of_the_commit_and_everything_when_schemas_or_code_change():
    import re

    hooks = {hook["id"]: hook for repo in yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text())["repos"]
             for hook in repo["hooks"]}
    files_hook, all_hook = hooks["kb-validate"], hooks["kb-validate-all"]
    assert files_hook.get("pass_filenames", True) and files_hook["entry"].endswith("validate --strict")
    assert re.search(files_hook["files"], "data/trials/eliana.yaml")
    assert not re.search(files_hook["files"], "data/schema/trial.schema.json")
    assert all_hook["pass_filenames"] is False
    assert all(re.search(all_hook["files"], path) for path in ("data/schema/trial.schema.json",
                                                                "scripts/kb/data/rules.py"))
    assert all_hook["additional_dependencies"] == files_hook["additional_dependencies"]


def test_a_figure_resting_only_on_secondary_sources_is_noted_as_the_whole_check_notes_it(data_root):
    edit(data_root / "sources.yaml", "maude-2018-nejm:\n  kind: pubmed", "maude-2018-nejm:\n  kind: news\n"
                                     "  url: https://example.org/news/maude")
    path = data_root / "products" / "tisagenlecleucel.yaml"
    whole = [p for p in check_data(data_root).problems if Path(p.path) == path]
    assert [p.code for p in whole] == ["secondary-source"]
    assert check_files(data_root, [path]) == whole
