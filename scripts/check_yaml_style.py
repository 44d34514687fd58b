"""Pre-commit check for data files: spaces not tabs, no trailing spaces, a newline at the end.

Prints ``PATH:LINE:COL: error: MESSAGE`` lines like the validator and exits 1 on any problem.
"""

from __future__ import annotations

import sys
from pathlib import Path


def style_problems(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        if "\t" in line:
            problems.append(f"{path}:{number}:{line.index(chr(9)) + 1}: error: tab character; use spaces")
        if line != line.rstrip():
            problems.append(f"{path}:{number}:{len(line.rstrip()) + 1}: error: trailing whitespace")
    if text and not text.endswith("\n"):
        problems.append(f"{path}:{len(text.splitlines())}:1: error: no newline at the end of the file")
    return problems


def main(paths: list[str]) -> int:
    problems = [p for name in paths for p in style_problems(Path(name))]
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
