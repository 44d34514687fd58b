"""One format for every problem the pipeline reports: ``PATH:LINE:COL: severity: MESSAGE``; severity is error,
warning (an error with --strict) or note."""

from __future__ import annotations

import dataclasses
import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from kb.codes import RULES

# Line breaks and other control characters, which would split one problem over several lines (or forge a
# second, valid-looking one), and the invisible formatting characters that could disguise a value.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def one_line(text: str) -> str:
    """``text`` with every control or invisible formatting character shown as an escape (``\\n``, ``\\u202e``)."""
    return _UNPRINTABLE.sub(lambda match: match.group(0).encode("unicode_escape").decode("ascii"), text)


@dataclass(frozen=True, order=True)
class Problem:
    """An error or warning pinned to a position in a data file (line and column are 1-based), with its rule
    code (one of :data:`kb.codes.RULES`) and a hint; the code's own hint when none is given."""

    path: str
    line: int
    column: int
    message: str
    severity: str = "error"
    code: str = field(default="", kw_only=True)
    hint: str = field(default="", kw_only=True)

    def __post_init__(self) -> None:
        if self.code not in RULES:
            raise ValueError(f"unknown rule code {self.code!r}: add it to kb.codes.RULES and docs/rules.md")
        if not self.hint:
            object.__setattr__(self, "hint", RULES[self.code].hint)

    def __str__(self) -> str:
        return f"{self.headline} [{self.code}] (hint: {one_line(self.hint)})"

    @property
    def headline(self) -> str:
        """``PATH:LINE:COL: severity: MESSAGE``, without the code and the hint."""
        return f"{one_line(self.path)}:{self.line}:{self.column}: {self.severity}: {one_line(self.message)}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def blocks(self, strict: bool) -> bool:
        """Whether it stops a build: an error always, a warning with --strict, a note never (a note is a known
        backlog, such as a figure waiting for its paper's identifier, shown without blocking every change)."""
        return self.is_error or (strict and self.severity == "warning")

    def as_error(self) -> Problem:
        return dataclasses.replace(self, severity="error")


class DataError(Exception):
    """Raised when data cannot be used; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def display_path(path: Path) -> str:
    """The path as a user would type it: relative to the working directory when possible.

    Symbolic links are not followed first, so a linked file or folder is shown where it sits in ``data/``.
    """
    folder = _display_folder(os.getcwd(), str(path.parent))
    return str(path) if folder is None else os.path.join(folder, path.name) if folder else path.name


@functools.lru_cache(maxsize=1024)  # thousands of files share a few folders
def _display_folder(cwd: str, folder: str) -> str | None:
    """``folder`` relative to ``cwd`` ("" for the same folder), first as written, then resolved; None if outside."""
    real_cwd = Path(cwd).resolve()
    for candidate in (Path(os.path.abspath(folder)), Path(folder).resolve()):
        if candidate.is_relative_to(real_cwd):
            relative = str(candidate.relative_to(real_cwd))
            return "" if relative == "." else relative
    return None


@dataclass(frozen=True)
class Finding:
    """What a rule found in one value, before validation pins it to a position in the file: the rule code, the
    message, a hint of its own (else the code's), and the spot inside the value to point at, when the value is a
    long text: the ``nth`` (from 0) occurrence of ``spot`` in it, e.g. a mistyped citation."""

    code: str
    message: str
    hint: str = ""
    spot: str | None = None
    nth: int = 0

    @classmethod
    def at(cls, code: str, message: str, text: str, start: int, spot: str, hint: str = "") -> Finding:
        """A finding pointing at ``spot``, found at character ``start`` of ``text``."""
        return cls(code, message, hint, spot, text.count(spot, 0, start))
