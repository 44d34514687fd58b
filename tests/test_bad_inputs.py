"""The bad-input corpus: every case in ``tests/bad_inputs/`` fails cleanly through ``kb validate`` and ``kb build``.

A case is a folder ``tests/bad_inputs/<name>/`` holding:

- ``data/…``: files copied over the valid fixture data (replacing a fixture file, or added next to them);
- ``generate.txt`` (optional): ``<generator> <path under data/>`` for what must not be committed or could be
  mangled by git: ``pad-to-10mb`` (a 10 MB file), ``symlink-outside`` (a link to a file outside ``data/``),
  ``symlink-loop`` (a link to itself), ``symlink-folder-outside`` (a folder moved out of ``data/`` and
  linked back), ``bom`` (a UTF-8 byte-order mark), ``crlf`` (Windows line endings), ``cr`` (old Mac line
  endings), ``truncate-schema``, ``replace-schema-with-list``, ``break-schema-pattern`` (a schema file made
  unusable), ``delete`` (a file removed), ``replace-folder-with-file``;
- ``expected.txt``: ``#`` comments saying what the case breaks, then one line, either
  ``PATH:LINE:COL: error: FRAGMENT`` (a problem line must start with ``PATH:LINE:COL: error: `` and contain
  ``FRAGMENT``) or ``accepted`` (the data must validate and build clean).

Each case runs in a copy of a project whose site was built once from the good data. A broken case must exit 1
with the expected line, print nothing but problem lines (no traceback), and leave ``site/`` byte-identical.
How long each command took is reported (``-s`` prints it, ``--junitxml`` records it), never asserted.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import FIXED_EPOCH, FIXTURES, make_project, run_kb

CASES_DIR = Path(__file__).resolve().parent / "bad_inputs"
ENV = {"SOURCE_DATE_EPOCH": FIXED_EPOCH, "NO_MKDOCS_2_WARNING": "true"}
EXPECTED = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<column>\d+): error: (?P<fragment>.+)$")
PROBLEM_LINE = re.compile(r"^\S[^:]*:\d+:\d+: (error|warning): .+$")
SUMMARY_LINE = re.compile(r"^\d+ error\(s\)")
HEADING_LINE = re.compile(r"^(Errors|Warnings) \(\d+\) in \d+ file\(s\):$")
TEN_MB = 10 * 1024 * 1024
COMMANDS = ("validate", "build")


@dataclass(frozen=True)
class Case:
    name: str
    folder: Path
    expected: str  # "accepted" or "PATH:LINE:COL: error: FRAGMENT"

    @property
    def accepted(self) -> bool:
        return self.expected == "accepted"

    def expected_parts(self) -> tuple[str, str]:
        """The exact line prefix ``PATH:LINE:COL: error: `` and the message fragment."""
        match = EXPECTED.match(self.expected)
        assert match, f"{self.folder / 'expected.txt'}: not 'accepted' nor PATH:LINE:COL: error: FRAGMENT"
        return f"{match['path']}:{match['line']}:{match['column']}: error: ", match["fragment"]


def load_cases() -> list[Case]:
    cases = []
    for folder in sorted(p for p in CASES_DIR.iterdir() if p.is_dir()):
        lines = [line.strip() for line in (folder / "expected.txt").read_text(encoding="utf-8").splitlines()]
        expected = [line for line in lines if line and not line.startswith("#")]
        assert len(expected) == 1, f"{folder}/expected.txt must hold exactly one expectation"
        cases.append(Case(folder.name, folder, expected[0]))
    return cases


CASES = load_cases()


def site_digest(project: Path) -> str:
    """Where ``site`` points, every build folder, and every file (and link) of the site, byte for byte."""
    digest = hashlib.sha256()
    site = project / "site"
    digest.update(os.readlink(site).encode() if site.is_symlink() else b"<folder>")
    builds = project / ".site-builds"
    digest.update("\n".join(sorted(p.name for p in builds.iterdir())).encode() if builds.is_dir() else b"")
    for path in sorted(site.rglob("*")):
        digest.update(str(path.relative_to(site)).encode() + b"\0")
        if path.is_symlink():
            digest.update(b"link:" + os.readlink(path).encode())
        elif path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _pad_to_10mb(target: Path, project: Path) -> None:
    header = b"# yaml-language-server: $schema=../schema/trial.schema.json\nname: Huge\n"
    padding = b"# padding to make the file 10 MB\n"
    target.write_bytes(header + padding * ((TEN_MB - len(header)) // len(padding) + 1))
    assert target.stat().st_size >= TEN_MB


def _symlink_outside(target: Path, project: Path) -> None:
    outside = project / "outside-data" / target.name
    outside.parent.mkdir()
    shutil.copy(FIXTURES / "valid" / "trials" / "eliana.yaml", outside)
    target.symlink_to(outside)


def _symlink_folder_outside(target: Path, project: Path) -> None:
    outside = project / "outside-data" / target.name
    outside.parent.mkdir()
    target.rename(outside)
    target.symlink_to(outside, target_is_directory=True)


def _crlf(target: Path, project: Path) -> None:
    raw = target.read_bytes()
    assert b"\r" not in raw
    target.write_bytes(raw.replace(b"\n", b"\r\n"))


def _replace_folder_with_file(target: Path, project: Path) -> None:
    shutil.rmtree(target)
    target.write_text("not a folder\n", encoding="utf-8")


def _edit_text(edit: Callable[[str], str]) -> Callable[[Path, Path], None]:
    return lambda target, project: target.write_text(edit(target.read_text(encoding="utf-8")), encoding="utf-8")


GENERATORS: dict[str, Callable[[Path, Path], None]] = {
    "pad-to-10mb": _pad_to_10mb,
    "symlink-outside": _symlink_outside,
    "symlink-loop": lambda target, project: target.symlink_to(target.name),
    "symlink-folder-outside": _symlink_folder_outside,
    "bom": lambda target, project: target.write_bytes(b"\xef\xbb\xbf" + target.read_bytes()),
    "crlf": _crlf,
    "cr": lambda target, project: target.write_bytes(target.read_bytes().replace(b"\n", b"\r")),
    "truncate-schema": _edit_text(lambda text: text[:200]),
    "replace-schema-with-list": _edit_text(lambda text: "[]\n"),
    "break-schema-pattern": _edit_text(lambda text: text.replace('"^NCT[0-9]{8}$"', '"^NCT([0-9]{8}$"')),
    "delete": lambda target, project: target.unlink(),
    "replace-folder-with-file": _replace_folder_with_file,
}


def generate(kind: str, target: Path, project: Path) -> None:
    """Make at test time what the corpus must not commit (or what git could rewrite)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    assert kind in GENERATORS, f"unknown generator {kind!r}"
    GENERATORS[kind](target, project)


@pytest.fixture(scope="module")
def good_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture project, with its site built once by ``kb build`` from the good data."""
    project = make_project(tmp_path_factory.mktemp("good-project"))
    result = run_kb("build", cwd=project, env=ENV)
    assert result.returncode == 0, result.stderr
    assert (project / "site" / "index.html").is_file()
    return project


def broken_project(case: Case, good_project: Path, tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(good_project, project, symlinks=True)
    if (case.folder / "data").is_dir():
        shutil.copytree(case.folder / "data", project / "data", dirs_exist_ok=True)
    generator = case.folder / "generate.txt"
    if generator.is_file():
        kind, relative = generator.read_text(encoding="utf-8").split()
        generate(kind, project / "data" / relative, project)
    return project


def timed_kb(*args: str, cwd: Path):
    start = time.perf_counter()
    result = run_kb(*args, cwd=cwd, env=ENV, timeout=60)
    return result, time.perf_counter() - start


def test_the_corpus_covers_enough_cases():
    broken = [c for c in CASES if not c.accepted]
    assert len(broken) >= 30
    assert {"accepted-utf8-bom", "accepted-crlf"} <= {c.name for c in CASES if c.accepted}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_fails_cleanly_and_keeps_the_site(case: Case, good_project: Path, tmp_path: Path,
                                                    record_property) -> None:
    project = broken_project(case, good_project, tmp_path)
    before = site_digest(project)
    # The two commands are independent (a failing build stops before writing anything): run them side by side.
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = dict(zip(COMMANDS, pool.map(lambda command: timed_kb(command, cwd=project), COMMANDS), strict=True))
    for command, (result, seconds) in runs.items():
        record_property(f"{command}_seconds", round(seconds, 3))
        print(f"{case.name}: kb {command} took {seconds:.2f} s" + (" (over 2 s)" if seconds > 2 else ""))
        output = result.stdout + result.stderr
        assert "Traceback" not in output, output
        if case.accepted:
            assert result.returncode == 0, output
            assert " error: " not in output, output
            continue
        assert result.returncode == 1, f"kb {command} exit code {result.returncode}\n{output}"
        prefix, fragment = case.expected_parts()
        lines = result.stderr.splitlines()
        found = any(line.startswith(prefix) and fragment in line for line in lines)
        assert found, f"kb {command}: no line '{prefix}…{fragment}…' in:\n{result.stderr}"
        allowed = (PROBLEM_LINE, SUMMARY_LINE, HEADING_LINE)
        unexpected = [line for line in lines if not any(pattern.match(line) for pattern in allowed)]
        assert not unexpected, f"kb {command} printed more than problem lines:\n{result.stderr}"
        assert site_digest(project) == before, f"kb {command} changed the previous site"
