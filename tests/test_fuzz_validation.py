"""Property-based: whatever happens to a valid data file, loading and validation end in problems, never a crash.

Hypothesis mutates the fixture files (delete, duplicate or swap lines, flip characters, truncate, insert random
Unicode or raw bytes, change indentation) and runs them through ``kb.data.load.load_document`` and
``kb.data.validate.check_data`` in-process. The outcome must be a clean result or a list of
:class:`~kb.problems.Problem` with a real position (line and column >= 1, the line inside the file).
Derandomised, so every run tries the same examples.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kb.data.load import load_document
from kb.data.validate import check_data
from kb.problems import Problem, display_path

from tests.conftest import FIXTURES, REPO

VALID = FIXTURES / "valid"
FILES = sorted(str(p.relative_to(VALID)) for p in VALID.rglob("*.yaml"))
SETTINGS = settings(derandomize=True, database=None, deadline=None, max_examples=150,
                    suppress_health_check=[HealthCheck.too_slow])

# Characters that stress a YAML parser: indicators, quotes, line breaks of every kind, BOM, tabs, controls.
TRICKY = st.sampled_from(list(":-?[]{},#&*!|>'\"%@`\t\r\n\x85\u2028\u2029\ufeff\x00\x07\x1b\\~ "))
TEXT = st.one_of(st.text(max_size=12), st.text(TRICKY, max_size=6))
POSITION = st.integers(min_value=0, max_value=10**6)

MUTATION = st.one_of(
    st.tuples(st.just("delete-line"), POSITION),
    st.tuples(st.just("duplicate-line"), POSITION),
    st.tuples(st.just("swap-lines"), POSITION, POSITION),
    st.tuples(st.just("flip-character"), POSITION, st.characters()),
    st.tuples(st.just("truncate"), POSITION),
    st.tuples(st.just("insert-text"), POSITION, TEXT),
    st.tuples(st.just("insert-bytes"), POSITION, st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("indent"), POSITION, st.sampled_from(["", " ", "  ", "   ", "\t", "      ", " \t"])),
)


def _mutate_lines(raw: bytes, kind: str, position: int, rest: list) -> bytes:
    lines = raw.split(b"\n")
    line = position % len(lines)
    if kind == "delete-line":
        del lines[line]
    elif kind == "duplicate-line":
        lines.insert(line, lines[line])
    elif kind == "swap-lines":
        other = rest[0] % len(lines)
        lines[line], lines[other] = lines[other], lines[line]
    elif kind == "indent":
        lines[line] = rest[0].encode() + lines[line].lstrip(b" \t")
    return b"\n".join(lines)


def _mutate_bytes(raw: bytes, kind: str, position: int, rest: list) -> bytes:
    at = position % (len(raw) + 1)
    if kind == "flip-character":
        text = raw.decode("utf-8", errors="surrogateescape")
        index = position % max(len(text), 1)
        text = text[:index] + rest[0] + text[index + 1:]
        return text.encode("utf-8", errors="surrogateescape") if text else b""
    if kind == "truncate":
        return raw[:at]
    if kind == "insert-text":
        return raw[:at] + rest[0].encode("utf-8", errors="surrogatepass") + raw[at:]
    return raw[:at] + rest[0] + raw[at:]  # insert-bytes


def mutate(raw: bytes, mutations: list[tuple]) -> bytes:
    """Apply each mutation in turn; positions wrap around the current length."""
    for kind, position, *rest in mutations:
        if kind in ("delete-line", "duplicate-line", "swap-lines", "indent"):
            raw = _mutate_lines(raw, kind, position, rest)
        else:
            raw = _mutate_bytes(raw, kind, position, rest)
    return raw


def line_count(raw: bytes) -> int:
    """Lines by the most generous count (YAML also breaks lines at NEL, LS and PS)."""
    return max(raw.count(b"\n"), len(raw.decode("utf-8", errors="replace").splitlines())) + 1


def assert_clean_problems(problems: list[Problem], mutated_path: Path, raw: bytes) -> None:
    assert isinstance(problems, list)
    for problem in problems:
        assert isinstance(problem, Problem), problem
        assert isinstance(problem.line, int) and problem.line >= 1, problem
        assert isinstance(problem.column, int) and problem.column >= 1, problem
        assert problem.message.strip(), problem
        assert problem.severity in ("error", "warning"), problem
        if problem.path == display_path(mutated_path):
            assert problem.line <= line_count(raw), f"{problem} is past the end of the file"


@contextmanager
def fresh_data_root() -> Iterator[Path]:
    """A throwaway copy of the valid data (Hypothesis runs many examples per test, so no pytest tmp_path)."""
    with tempfile.TemporaryDirectory(prefix="kb-fuzz-") as folder:
        root = Path(folder) / "data"
        shutil.copytree(VALID, root)
        shutil.copytree(REPO / "data" / "schema", root / "schema")
        yield root


def test_the_fixture_files_are_clean_to_start_with():
    with fresh_data_root() as root:
        problems = check_data(root).problems
        assert problems == []
        for name in FILES:
            document, problems = load_document(root / name, root)
            assert document is not None and problems == []


@SETTINGS
@given(name=st.sampled_from(FILES), mutations=st.lists(MUTATION, min_size=1, max_size=4))
def test_a_mutated_file_loads_or_gives_positioned_problems(name: str, mutations: list[tuple]) -> None:
    with fresh_data_root() as root:
        path = root / name
        raw = mutate(path.read_bytes(), mutations)
        path.write_bytes(raw)
        document, problems = load_document(path, root)
        assert (document is None) == bool(problems), (document, problems)
        assert_clean_problems(problems, path, raw)


@SETTINGS
@given(name=st.sampled_from(FILES), mutations=st.lists(MUTATION, min_size=1, max_size=4))
def test_a_mutated_file_validates_clean_or_gives_positioned_problems(name: str, mutations: list[tuple]) -> None:
    with fresh_data_root() as root:
        path = root / name
        raw = mutate(path.read_bytes(), mutations)
        path.write_bytes(raw)
        assert_clean_problems(check_data(root).problems, path, raw)
