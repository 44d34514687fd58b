"""The loader reads a safe subset of YAML and pins every problem to a line and column."""

from __future__ import annotations

from pathlib import Path

from kb.data.load import MAX_DEPTH, load_document, load_documents
from kb.problems import display_path


def load_bytes(tmp_path: Path, content: bytes, name: str = "x.yaml"):
    path = tmp_path / name
    path.write_bytes(content)
    return load_document(path, tmp_path)


def only_problem(tmp_path: Path, content: bytes) -> str:
    document, problems = load_bytes(tmp_path, content)
    assert document is None
    assert len(problems) == 1
    return problems[0].headline.split(":", 1)[1]  # drop the path, keep LINE:COL: error: MESSAGE


def test_plain_scalars_follow_yaml_1_2_so_dates_and_no_stay_text(tmp_path):
    document, problems = load_bytes(tmp_path, b"a: 2025-03-01\nb: no\nc: 12\nd: 1.5\ne: true\nf: ~\ng: '7'\n")
    assert problems == []
    assert document.data == {"a": "2025-03-01", "b": "no", "c": 12, "d": 1.5, "e": True, "f": None, "g": "7"}


def test_positions_are_recorded_for_values_and_keys(tmp_path):
    document, _ = load_bytes(tmp_path, b"name: x\nlist:\n  - item: 1\n")
    assert (document.positions[("list", 0, "item")].line, document.positions[("list", 0, "item")].column) == (3, 11)
    assert document.positions[("list", 0, "item")].key_line == 3
    assert document.positions[("list", 0, "item")].key_column == 5


def test_syntax_error_points_at_the_offending_line(tmp_path):
    assert only_problem(tmp_path, b"a: 1\nb: [1, 2\nc: 3\n").startswith("3:")


def test_duplicate_key_is_reported_at_the_second_occurrence(tmp_path):
    assert only_problem(tmp_path, b"name: a\nother: b\nname: c\n") == "3:1: error: duplicate key 'name'"


def test_anchor_is_rejected_where_it_is_declared(tmp_path):
    message = only_problem(tmp_path, b"a: &x 1\nb: *x\n")
    assert message.startswith("1:4: error: YAML anchors are not allowed")


def test_alias_bomb_is_rejected_without_expanding(tmp_path):
    bomb = b"a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nd: [*c, *c]\n"
    assert "anchors are not allowed" in only_problem(tmp_path, bomb)


def test_python_object_tag_is_rejected(tmp_path):
    message = only_problem(tmp_path, b"a: !!python/object/apply:os.system ['true']\n")
    assert message.startswith("1:4: error: YAML tags are not allowed (found '!!python/object/apply:os.system')")


def test_tab_indentation_is_reported_at_the_tab(tmp_path):
    assert only_problem(tmp_path, b"a:\n\tb: 1\n") == "2:1: error: tab character in indentation; indent with spaces"


def test_invalid_utf8_is_reported_at_the_bad_byte(tmp_path):
    message = only_problem(tmp_path, b"a: ok\nb: caf\xe9\n")
    assert message == "2:7: error: invalid UTF-8 byte 0xe9; save the file as UTF-8"


def test_empty_file_is_an_error(tmp_path):
    assert "file is empty" in only_problem(tmp_path, b"")


def test_comment_only_file_is_an_error(tmp_path):
    assert "file is empty" in only_problem(tmp_path, b"# nothing here\n")


def test_non_mapping_document_is_an_error(tmp_path):
    assert "must hold a YAML mapping" in only_problem(tmp_path, b"- a\n- b\n")


def test_second_document_is_an_error(tmp_path):
    assert only_problem(tmp_path, b"a: 1\n---\nb: 2\n").startswith("2:1: error: a data file holds one YAML document")


def test_non_text_key_is_an_error(tmp_path):
    assert "must be text" in only_problem(tmp_path, b"true: 1\n")


def test_excessive_nesting_is_an_error(tmp_path):
    deep = b"a: " + b"[" * (MAX_DEPTH + 5) + b"]" * (MAX_DEPTH + 5) + b"\n"
    assert "nesting deeper than" in only_problem(tmp_path, deep)


def test_oversized_file_is_an_error(tmp_path):
    assert "data files are limited" in only_problem(tmp_path, b"a: '" + b"x" * (1024 * 1024) + b"'\n")


def test_utf8_bom_and_crlf_line_endings_are_accepted(tmp_path):
    document, problems = load_bytes(tmp_path, b"\xef\xbb\xbfname: a\r\nother: b\r\n")
    assert problems == []
    assert document.data == {"name": "a", "other": "b"}


def test_symlink_pointing_outside_the_data_folder_is_an_error(tmp_path):
    outside = tmp_path / "outside.yaml"
    outside.write_text("a: 1\n")
    data = tmp_path / "data"
    data.mkdir()
    (data / "link.yaml").symlink_to(outside)
    document, problems = load_document(data / "link.yaml", data)
    assert document is None
    assert "symbolic link points outside the data folder" in problems[0].message


def test_a_file_in_a_folder_linked_from_outside_the_data_folder_is_refused(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "a.yaml").write_text("a: 1\n")
    data = tmp_path / "data"
    data.mkdir()
    (data / "products").symlink_to(elsewhere, target_is_directory=True)
    documents, unreadable, problems = load_documents([data / "products" / "a.yaml"], data)
    assert documents == [] and unreadable == [data / "products" / "a.yaml"]
    assert "symbolic link points outside the data folder" in problems[0].message


def test_a_path_is_shown_relative_to_the_folder_the_command_runs_in(tmp_path, monkeypatch):
    (tmp_path / "data" / "products").mkdir(parents=True)
    path = tmp_path / "data" / "products" / "a.yaml"
    monkeypatch.chdir(tmp_path)
    assert display_path(path) == "data/products/a.yaml"
    monkeypatch.chdir(tmp_path / "data")
    assert display_path(path) == "products/a.yaml"
    monkeypatch.chdir(tmp_path / "data" / "products")
    assert display_path(path) == "a.yaml"
