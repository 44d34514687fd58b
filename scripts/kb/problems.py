"""One format for every problem the pipeline reports: ``PATH:LINE:COL: severity: MESSAGE``."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """An error or warning pinned to a position in a data file (line and column are 1-based)."""

    path: str
    line: int
    column: int
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.severity}: {self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


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


@functools.lru_cache(maxsize=1024)  # thousands of files share a few folders; resolving one costs a system call per part
def _display_folder(cwd: str, folder: str) -> str | None:
    """``folder`` relative to ``cwd`` ("" for the same folder), first as written, then resolved; None if outside."""
    real_cwd = Path(cwd).resolve()
    for candidate in (Path(os.path.abspath(folder)), Path(folder).resolve()):
        if candidate.is_relative_to(real_cwd):
            relative = str(candidate.relative_to(real_cwd))
            return "" if relative == "." else relative
    return None
