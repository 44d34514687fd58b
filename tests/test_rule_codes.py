"""Every problem carries a rule code and a hint, and every code is documented on the Rules page (docs/rules.md)
with an example that the validator really gives: each example below breaks the fixture data as the page says,
and the page shows the very line the validator prints."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kb.codes import RULES
from kb.data.schemas import SchemaError
from kb.data.validate import check_data, check_files
from kb.problems import Problem

from tests.conftest import REPO, copy_fixture_data, run_kb

RULES_PAGE = REPO / "docs" / "rules.md"
EXAMPLE_HOME = "/home/curator/kb"  # where the examples' project folder is said to be
Edit = Callable[[Path], object]  # breaks the data folder it is given; may return the files to check alone


def replace(relative: str, old: str, new: str) -> Edit:
    def edit(data: Path) -> None:
        path = data / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{relative} no longer holds {old!r}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return edit


def write(relative: str, content: str | bytes) -> Edit:
    def edit(data: Path) -> None:
        path = data / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return edit


def _symlink_outside(data: Path) -> None:
    outside = data.parent / "elsewhere" / "eliana.yaml"
    outside.parent.mkdir()
    (data / "trials" / "eliana.yaml").rename(outside)
    (data / "trials" / "eliana.yaml").symlink_to(outside)


def _rename(old: str, new: str) -> Edit:
    return lambda data: (data / old).rename(data / new)


def _deep(data: Path) -> None:
    nested = "x: 1\n"
    for _ in range(25):
        nested = "a:\n" + "".join(f"  {line}\n" for line in nested.splitlines())
    (data / "trials" / "eliana.yaml").write_text(nested)


def _folder_to_file(data: Path) -> None:
    shutil.rmtree(data / "trials")
    (data / "trials").write_text("not a folder\n")


def _check_alone(relative: str, content: str) -> Edit:
    def edit(data: Path) -> list[Path]:
        write(relative, content)(data)
        return [data / relative]
    return edit


ELIANA, PRODUCT, THERAPY = "trials/eliana.yaml", "products/tisagenlecleucel.yaml", "therapies/car-t.yaml"

# One example of every code: how to break the fixture data so that the validator gives it.
EXAMPLES: dict[str, Edit] = {
    "symlink": _symlink_outside,
    "file-too-large": write(ELIANA, "name: x\n" + "# padding\n" * 110_000),
    "encoding": write(ELIANA, b"name: ELIANA\ndesign: Caf\xe9 study\n"),
    "tab-indentation": replace(ELIANA, "products: [tisagenlecleucel]", "products:\n\t- tisagenlecleucel"),
    "yaml-indentation": replace(THERAPY, "    description: T cells", "     description: T cells"),
    "yaml-syntax": replace(ELIANA, "phase: phase 2", "phase phase 2"),
    "yaml-alias": replace(ELIANA, "diseases: [b-all]", "diseases: &d [b-all]"),
    "yaml-tag": replace(ELIANA, "name: ELIANA", "name: !!python/name:os.system ELIANA"),
    "too-deep": _deep,
    "number-too-large": replace(PRODUCT, "value: 475000", "value: 1e400"),
    "key-not-text": replace(ELIANA, "phase: phase 2", "phase: phase 2\n2019: enrolment opened"),
    "duplicate-key": replace(ELIANA, "phase: phase 2", "phase: phase 2\nphase: phase 3"),
    "empty-file": write(ELIANA, ""),
    "multiple-documents": replace(ELIANA, "reviewed_by: Test team", "reviewed_by: Test team\n---\nname: Other"),
    "not-a-mapping": write(ELIANA, "- ELIANA\n- phase 2\n"),
    "missing-data-folder": lambda data: shutil.rmtree(data),
    "unexpected-folder": lambda data: (data / "notes").mkdir(),
    "folder-is-a-file": _folder_to_file,
    "misplaced-file": _check_alone("notes.yaml", "name: A note\n"),
    "yml-extension": write("trials/zuma-1.yml", "name: ZUMA-1\n"),
    "invalid-id": _rename(ELIANA, "trials/Eliana_Trial.yaml"),
    "reserved-id": _rename(ELIANA, "trials/index.yaml"),
    "duplicate-id": lambda data: shutil.copy(data / "challenges" / "crs.yaml", data / "challenges" / "car-t.yaml"),
    "missing-bibliography": lambda data: (data / "sources.yaml").unlink(),
    "unchecked-references": replace(PRODUCT, "brand: Kymriah", "brand: [Kymriah"),
    "schema-file": replace("schema/trial.schema.json", '"type": "object",', '"type": "object"'),
    "missing-field": replace(ELIANA, "design: Single-arm multicentre phase 2\n", ""),
    "unknown-field": replace(ELIANA, "phase: phase 2", "phase: phase 2\nsumary: A typo."),
    "invalid-key": replace("sources.yaml", "eliana-registry:", "ELIANA registry:"),
    "wrong-type": replace(PRODUCT, "value: 81", "value: 84%"),
    "not-allowed-value": replace(ELIANA, "phase: phase 2", "phase: phse 2"),
    "wrong-form": replace(ELIANA, "nct: NCT02435849", "nct: NCT0243584"),
    "invalid-date": replace(PRODUCT, "date: '2017-08-30'", "date: '2017-02-30'"),
    "empty-text": replace(ELIANA, "design: Single-arm multicentre phase 2", "design: ' '"),
    "text-too-long": replace(ELIANA, "design: Single-arm multicentre phase 2", "design: " + "Long. " * 400),
    "too-few-items": replace(THERAPY, "  - title: Infusion\n    description: The engineered cells are given back.\n",
                             ""),
    "duplicate-item": replace(ELIANA, "diseases: [b-all]", "diseases: [b-all, b-all]"),
    "out-of-range": replace(PRODUCT, "value: 81", "value: 184"),
    "placeholder": replace(ELIANA, "phase: phase 2", "phase: TODO"),
    "unknown-source": replace(THERAPY, "[@maude-2018-nejm]", "[@maude-2019-nejm]"),
    "unknown-entity": replace(PRODUCT, "therapy: car-t", "therapy: car-tt"),
    "wrong-entity-type": replace(PRODUCT, "therapy: car-t", "therapy: b-all"),
    "hidden-character": replace(ELIANA, "name: ELIANA", 'name: "ELI\\u200bANA"'),
    "too-much-markup": replace(ELIANA, "summary: The pivotal trial of tisagenlecleucel.",
                               "summary: '" + "*a " * 151 + "'"),
    "raw-html": replace(ELIANA, "summary: The pivotal trial", "summary: The <b>pivotal</b> trial"),
    "attribute-list": replace(ELIANA, "summary: The pivotal trial of tisagenlecleucel.",
                              "summary: 'The pivotal trial of tisagenlecleucel. {: .note }'"),
    "snippet-marker": replace(ELIANA, "of tisagenlecleucel.", "of tisagenlecleucel. --8<-- notes.md"),
    "template-syntax": replace(ELIANA, "of tisagenlecleucel.", "of {{ product }}."),
    "footnote": replace(ELIANA, "of tisagenlecleucel.", "of tisagenlecleucel.[^1]"),
    "broken-citation": replace(ELIANA, "of tisagenlecleucel.", "of tisagenlecleucel. [@eliana- registry]"),
    "reference-definition": replace(ELIANA, "summary: The pivotal trial of tisagenlecleucel.",
                                    "summary: |-\n  The pivotal trial of [the product][p].\n\n"
                                    "  [p]: https://example.org/"),
    "link-in-plain-text": replace(ELIANA, "design: Single-arm multicentre phase 2",
                                  "design: Single-arm multicentre phase 2 [@eliana-registry]"),
    "markup-not-allowed": replace(ELIANA, "summary: The pivotal trial of tisagenlecleucel.",
                                  "summary: |-\n  # ELIANA\n  The pivotal trial of tisagenlecleucel."),
    "unsafe-link": replace(ELIANA, "of tisagenlecleucel.", "of [tisagenlecleucel](http://example.org/kymriah)."),
    "unclear-link": replace(ELIANA, "of tisagenlecleucel.", "of [the [first] product](https://example.org/)."),
    "image": replace(ELIANA, "of tisagenlecleucel.", "of tisagenlecleucel. ![Logo](https://example.org/x.png)"),
    "future-date": replace(ELIANA, "last_reviewed: '2026-01-15'", "last_reviewed: '2031-01-15'"),
    "table-cells": replace("challenges/crs.yaml", "- ['1', 'Yes']", "- ['1', Yes, with chills]"),
    "stale-review": replace(ELIANA, "last_reviewed: '2026-01-15'", "last_reviewed: '2024-11-30'"),
    "schema-line": replace(ELIANA, "# yaml-language-server: $schema=../schema/trial.schema.json\n", ""),
    "count-above-n": replace(ELIANA, "therapy: car-t", "therapy: car-t\nenrollment:\n  enrolled: 75\n"
                                                       "  treated: 79\n  sources: [eliana-registry]"),
    "dates-out-of-order": replace(PRODUCT, "pivotal_trials:", "  - regulator: EMA CHMP\n    action: positive opinion\n"
                                  "    date: '2018-09'\n    indication: B-ALL up to 25 years\n    disease: b-all\n"
                                  "    sources: [label-page]\n  - regulator: European Commission\n"
                                  "    action: marketing authorisation\n    date: '2018-08-27'\n"
                                  "    indication: B-ALL up to 25 years\n    disease: b-all\n"
                                  "    sources: [label-page]\npivotal_trials:"),
    "survival-without-follow-up": replace(PRODUCT, "category: efficacy", "category: survival"),
    "reading-level": replace(THERAPY, "plain_summary: Your own immune cells are changed in a laboratory to attack "
                                      "the leukemia.",
                             "plain_summary: Autologous lymphocytes are genetically reprogrammed extracorporeally, "
                             "subsequently expanded and reinfused intravenously, thereafter recognizing "
                             "CD19-expressing leukemic blasts."),
    "field-name-in-text": replace(PRODUCT, "population: Children and young adults with B-ALL\n    n: 75",
                                  "population: Children and young adults with B-ALL\n    n: 75\n"
                                  "    note: as_of is the date of the label"),
    "secondary-source": replace("sources.yaml", "  kind: regulator", "  kind: news"),
}
# Codes whose example on the page is written by hand: the fixture cannot give them here (tests run as root, who
# can read any file; no schema today has a rule the other codes do not word; a build failure needs MkDocs).
BY_HAND = {"unreadable-file", "schema-rule", "build-failed"}


def given_problem(code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Problem:
    """Break a copy of the fixture data as the example says, validate it from the project folder (so that paths
    read data/…), and return the first problem with the code."""
    data = copy_fixture_data(tmp_path / "data")
    alone = EXAMPLES[code](data)
    monkeypatch.chdir(tmp_path)
    try:
        problems = check_files(Path("data"), alone) if isinstance(alone, list) else check_data(Path("data")).problems
    except SchemaError as exc:
        problems = [exc.problem]
    matching = [p for p in problems if p.code == code]
    assert matching, f"the example of {code} gave: {[str(p) for p in problems]}"
    return matching[0]


def rules_sections() -> dict[str, str]:
    """The Rules page cut into one section per code (a third-level heading naming the code)."""
    sections = re.split(r"^### `([a-z-]+)`\s*$", RULES_PAGE.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return dict(zip(sections[1::2], sections[2::2], strict=True))


def test_every_code_has_an_example_or_is_documented_by_hand():
    assert set(EXAMPLES) | BY_HAND == set(RULES)
    assert not set(EXAMPLES) & BY_HAND


def test_the_rules_page_documents_every_code_once_with_an_example_line():
    sections = rules_sections()
    assert sorted(sections) == sorted(RULES), "docs/rules.md must have one '### `code`' section per code"
    for code, section in sections.items():
        assert re.search(rf"^\S+:\d+:\d+: (error|warning|note): .+ \[{code}\] \(hint: .+\)$", section, re.MULTILINE), \
            f"the section of {code} shows no example line"


@pytest.mark.parametrize("code", sorted(EXAMPLES))
def test_the_example_on_the_rules_page_is_what_the_validator_says(code, tmp_path, monkeypatch):
    problem = given_problem(code, tmp_path, monkeypatch)
    assert problem.hint, code
    line = str(problem).replace(str(tmp_path.resolve()), EXAMPLE_HOME)  # a path outside data/, shown as on the page
    assert line in rules_sections()[code], f"update the example of {code} in docs/rules.md to:\n{line}"


def test_a_code_that_is_not_listed_is_refused():
    with pytest.raises(ValueError, match="unknown rule code"):
        Problem("data/x.yaml", 1, 1, "message", code="no-such-code")


def _constants(node: ast.expr) -> list[str]:
    """The strings an expression can be: a literal, or either branch of ``a if c else b``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _constants(node.body) + _constants(node.orelse)
    return []


def _written_codes(tree: ast.AST) -> Iterator[str]:
    """Literal codes where the source gives one: ``code=…``, ``Finding(…)``, ``Finding.at(…)``,
    ``SchemaMessage(…)``, a warning's code, ``_Invalid(…, code)``, the loader's (line, column, message, code)
    and the (code, message) pairs some rules return."""
    first_argument = {"Finding": 0, "at": 0, "SchemaMessage": 0, "_warning": 2}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            for keyword in node.keywords:
                yield from _constants(keyword.value) if keyword.arg == "code" else ()
            if name in first_argument and len(node.args) > first_argument[name]:
                yield from _constants(node.args[first_argument[name]])
            if name == "_Invalid" and node.args:
                yield from _constants(node.args[-1])
        elif isinstance(node, ast.Tuple) and len(node.elts) == 4 and not _constants(node.elts[0]):
            yield from _constants(node.elts[3])  # (line, column, message, code)
        elif isinstance(node, ast.Tuple) and len(node.elts) == 2 and _is_message(node.elts[1]):
            yield from (c for c in _constants(node.elts[0]) if re.fullmatch(r"[a-z]+(-[a-z]+)+", c))


def _is_message(node: ast.expr) -> bool:
    """Whether an expression reads as a problem's message: an f-string, or a text of several words (not a short
    constant such as the RIS type paired with a CSL type, ("article-journal", "JOUR"))."""
    return isinstance(node, ast.JoinedStr) or any(" " in text for text in _constants(node))


def test_every_code_written_in_the_source_is_listed():
    """A misspelt code would only fail when its problem first occurs: every code the source writes is listed."""
    written = {code for path in (REPO / "scripts" / "kb").rglob("*.py") if path.name != "codes.py"
               for code in _written_codes(ast.parse(path.read_text(encoding="utf-8")))}
    assert written - set(RULES) == set()
    assert len(written) >= 50  # the scan sees the codes at all


def test_text_output_ends_with_the_code_and_the_hint_and_json_has_them_apart(project):
    trial = project / "data" / "trials" / "eliana.yaml"
    trial.write_text(trial.read_text().replace("phase: phase 2", "phase: phse 2"))
    text = run_kb("validate", cwd=project)
    assert ("data/trials/eliana.yaml:4:8: error: phase: 'phse 2' is not one of the allowed values: phase 1, "
            "phase 1/2, phase 2, phase 3, observational, registry [not-allowed-value] (hint: did you mean "
            "'phase 2'?)") in text.stderr.splitlines()
    result = json.loads(run_kb("validate", "--format", "json", cwd=project).stdout)
    [error] = result["errors"]
    assert error["code"] == "not-allowed-value"
    assert error["hint"] == "did you mean 'phase 2'?"
    assert error["message"].startswith("phase: 'phse 2' is not one of the allowed values")


def test_a_percentage_written_with_its_sign_says_to_put_the_sign_in_unit(data_root, tmp_path, monkeypatch):
    problem = given_problem("wrong-type", tmp_path / "x", monkeypatch)
    assert problem.message == 'figures[0].value: expected a number, found text "84%"'
    assert problem.hint == "write the number alone, value: 84, and its unit in the figure's unit: '%'"


def test_a_citation_typo_in_a_long_text_is_reported_where_it_is(data_root):
    therapy = data_root / "therapies" / "car-t.yaml"
    therapy.write_text(therapy.read_text().replace(
        "mechanism: The CAR binds CD19 and activates the T cell.",
        "mechanism: >-\n  The CAR binds CD19 [@maude-2018-nejm] and activates\n  the T cell, which then multiplies\n"
        "  and kills [@maude-2019-nejm]. It can persist\n  for years [@maude-2018-nejm]."))
    [problem] = [p for p in check_data(data_root).problems if p.is_error]
    assert (problem.line, problem.column, problem.code) == (11, 13, "unknown-source")
    assert therapy.read_text().splitlines()[10][12:].startswith("[@maude-2019-nejm]")


def test_the_same_typo_twice_is_reported_at_each_place(data_root):
    therapy = data_root / "therapies" / "car-t.yaml"
    therapy.write_text(therapy.read_text().replace(
        "mechanism: The CAR binds CD19 and activates the T cell.",
        "mechanism: >-\n  It binds [the target](id:cd91) and,\n  once bound, [the target](id:cd91) again."))
    places = sorted((p.line, p.column) for p in check_data(data_root).problems if p.code == "unknown-entity")
    assert places == [(9, 25), (10, 28)]


@pytest.mark.parametrize(("edit", "line", "column", "expected"), [
    # A key indented one column too far: the parser says "mapping values are not allowed" at its colon.
    (("    description: T cells", "     description: T cells"), 11, 6, "'description' starts at column 6; it "
     "belongs at column 5, like 'title' on line 10"),
    # One column too little: the parser says "did not find expected '-' indicator" at the next line.
    (("    description: The engineered", "   description: The engineered"), 13, 4,
     "'description' starts at column 4; it belongs at column 5, like 'title' on line 12"),
    # A list item out of line with the one above.
    (("  - title: Infusion", "   - title: Infusion"), 12, 4,
     "this list item starts at column 4; it belongs at column 3, like the item on line 10"),
    # A top-level key indented under the one before.
    (("eligibility: Patients", " eligibility: Patients"), 14, 2,
     "'eligibility' starts at column 2; it belongs at column 1, like 'steps' on line 9"),
])
def test_an_indentation_mistake_is_named_with_the_column_it_belongs_at(data_root, edit, line, column, expected):
    therapy = data_root / "therapies" / "car-t.yaml"
    therapy.write_text(therapy.read_text().replace(*edit, 1))
    [problem] = [p for p in check_data(data_root).problems if p.is_error]
    assert (problem.line, problem.column, problem.code) == (line, column, "yaml-indentation")
    assert problem.message.startswith(f"YAML indentation error: {expected}")


def test_a_folded_text_line_out_of_line_with_the_first_is_named(data_root):
    therapy = data_root / "therapies" / "car-t.yaml"
    therapy.write_text(therapy.read_text().replace(
        "mechanism: The CAR binds CD19 and activates the T cell.",
        "mechanism: >-\n    The CAR binds CD19\n  and activates the T cell."))
    [problem] = [p for p in check_data(data_root).problems if p.is_error]
    assert (problem.line, problem.column, problem.code) == (10, 3, "yaml-indentation")
    assert "the text's first line (line 9) starts at column 5" in problem.message


def test_the_layout_reader_never_blames_a_line_before_the_one_that_was_moved():
    """Over lines of the real data moved one column left or right (a fixed sample of 5,000 moves across every
    file, so that the test takes as long however much data there is): when the parser fails, the line named is
    never one before the moved line (those lines are as they were), and most often it is the moved line itself
    with the column it came from."""
    import random

    import yaml
    from kb.data.indentation import INDENTATION_ERRORS, misindented_line

    paths = sorted((REPO / "data").glob("[!s]*/*.yaml"))
    files = {path: path.read_text(encoding="utf-8").splitlines() for path in paths}
    moves = [(path, index, shift) for path, lines in files.items() for index, line in enumerate(lines)
             if line.strip() and not line.lstrip().startswith("#") for shift in (-1, 1)
             if len(line) - len(line.lstrip(" ")) + shift >= 0]
    named, exact = 0, 0
    for path, index, shift in random.Random(0).sample(moves, min(5000, len(moves))):
        lines = files[path]
        content = lines[index].lstrip(" ")
        indent = len(lines[index]) - len(content) + shift
        text = "\n".join([*lines[:index], " " * indent + content, *lines[index + 1:]]) + "\n"
        try:
            yaml.load(text, Loader=yaml.CSafeLoader)
            continue
        except yaml.YAMLError as exc:
            if not any(words in str(getattr(exc, "problem", "")) for words in INDENTATION_ERRORS):
                continue
            mistake = misindented_line(text, exc.problem_mark.line + 1)
        if mistake is None:
            continue
        named += 1
        assert mistake.line >= index + 1, (path.name, index + 1, mistake)
        exact += mistake.line == index + 1 and f"column {indent - shift + 1}" in mistake.message
    assert named > 500
    assert exact / named > 0.8


def test_pages_of_the_site_link_the_rules_page_from_contributing():
    contributing = (REPO / "docs" / "contributing.md").read_text(encoding="utf-8")
    assert "(rules.md)" in contributing
    assert "rules.md" in (REPO / "mkdocs.yml").read_text(encoding="utf-8")


def test_every_hint_and_summary_reads_as_one_line():
    for code, rule in RULES.items():
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", code)
        assert rule.hint and "\n" not in rule.hint and "\n" not in rule.summary, code


def test_annotations_carry_the_code_and_the_hint():
    import subprocess
    import sys

    problem = {"path": "data/x.yaml", "line": 2, "column": 3, "severity": "error", "message": "m",
               "code": "unknown-field", "hint": "rename it"}
    result = subprocess.run([sys.executable, str(REPO / "scripts" / "annotate.py"), "validation"],
                            input=json.dumps({"ok": False, "errors": [problem], "warnings": []}), text=True,
                            capture_output=True, env={**os.environ, "GITHUB_ACTIONS": "true"})
    assert "data/x.yaml:2:3: error: m [unknown-field] (hint: rename it)" in result.stderr.splitlines()
    assert result.stdout.startswith("::error file=data/x.yaml,line=2,col=3,title=kb validate::m [unknown-field]")
