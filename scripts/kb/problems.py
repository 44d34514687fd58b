"""One format for every problem the pipeline reports: ``PATH:LINE:COL: severity: MESSAGE``; severity is error,
warning (an error with --strict) or note."""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path

# Line breaks and other control characters, which would split one problem over several lines (or forge a
# second, valid-looking one), and the invisible formatting characters that could disguise a value.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def one_line(text: str) -> str:
    """``text`` with every control or invisible formatting character shown as an escape (``\\n``, ``\\u202e``)."""
    return _UNPRINTABLE.sub(lambda match: match.group(0).encode("unicode_escape").decode("ascii"), text)


@dataclass(frozen=True, order=True)
class Problem:
    """An error or warning pinned to a position in a data file (line and column are 1-based)."""

    path: str
    line: int
    column: int
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{one_line(self.path)}:{self.line}:{self.column}: {self.severity}: {one_line(self.message)}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def blocks(self, strict: bool) -> bool:
        """Whether it stops a build: an error always, a warning with --strict, a note never (a note is a known
        backlog, such as a figure waiting for its paper's identifier, shown without blocking every change)."""
        return self.is_error or (strict and self.severity == "warning")

    def as_error(self) -> Problem:
        return Problem(self.path, self.line, self.column, self.message, "error")


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
