"""Show problems in the log and, under GitHub Actions, as annotations on the pull request's files.

Two inputs, both read from standard input::

    kb validate --strict --format json | python scripts/annotate.py validation
    kb build --strict 2>&1 | python scripts/annotate.py lines

``validation`` reads the validator's JSON and prints one ``PATH:LINE:COL: severity: MESSAGE [code] (hint: …)`` line
per problem.
A warning stays a warning (``::warning``) even when ``--strict`` made it fail the check, so a stale review shows
as what it is; the exit code is 1 when the validator said the data is not ok.

``lines`` passes every line through unchanged and annotates the ones in the project's problem format
(``PATH:LINE:COL: error|warning: MESSAGE``) and MkDocs' ``WARNING -`` and ``ERROR -`` log lines. Its exit code is
always 0: the producer's own status (``set -o pipefail``) says whether the step failed.

Annotations are GitHub workflow commands (``::error file=…,line=…,col=…::message``), printed only when
``GITHUB_ACTIONS=true``; their text is escaped as GitHub requires (``%``, carriage return and line feed in the
message; also ``:`` and ``,`` in the properties), so a message can never end the command early or start another.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

PROBLEM = re.compile(r"^(?P<path>[^\s:][^:]*):(?P<line>\d+):(?P<col>\d+): "
                     r"(?P<severity>error|warning): (?P<message>.*)$")
MKDOCS_LOG = re.compile(r"^(?P<level>WARNING|ERROR)\s+-\s+(?P<message>.*)$")
DOC_FILE = re.compile(r"^Doc file '([^']+)'")
DOCS_DIR = "docs"


def escape_data(text: str) -> str:
    """The message of a workflow command."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value of a workflow command (file, title)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(severity: str, message: str, *, path: str | None = None, line: int | None = None,
               column: int | None = None, title: str | None = None) -> str:
    """One workflow command; ``severity`` is error, warning or notice."""
    properties = []
    if path:
        properties.append(f"file={escape_property(path)}")
        if line:
            properties.append(f"line={int(line)}")
            if column:
                properties.append(f"col={int(column)}")
    if title:
        properties.append(f"title={escape_property(title)}")
    head = f"::{severity} {','.join(properties)}" if properties else f"::{severity}"
    return f"{head}::{escape_data(message)}"


def in_github_actions() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


def validation_lines(result: dict, *, github: bool) -> Iterable[tuple[str, str]]:
    """(stream, text) pairs for the validator's JSON: 'log' lines for people, 'command' lines for GitHub."""
    order = {"error": 0, "warning": 1, "note": 2}
    problems = sorted([*result.get("errors", []), *result.get("warnings", []), *result.get("notes", [])],
                      key=lambda p: (order.get(p["severity"], 1), p["path"], p["line"], p["column"]))
    for p in problems:
        advice = (f" [{p['code']}]" if p.get("code") else "") + (f" (hint: {p['hint']})" if p.get("hint") else "")
        yield "log", f"{p['path']}:{p['line']}:{p['column']}: {p['severity']}: {p['message']}{advice}"
        if github:
            severity = "notice" if p["severity"] == "note" else p["severity"]
            yield "command", annotation(severity, p["message"] + advice, path=p["path"], line=p["line"],
                                        column=p["column"], title="kb validate")
    errors = sum(p["severity"] == "error" for p in problems)
    notes = sum(p["severity"] == "note" for p in problems)
    yield "log", (f"kb validate: {errors} error(s), {len(problems) - errors - notes} warning(s), {notes} note(s); "
                  f"{len(result.get('errors', []))} fail the check")


def annotate_validation(stdin: TextIO, stdout: TextIO, stderr: TextIO, *, github: bool) -> int:
    try:
        result = json.load(stdin)
    except json.JSONDecodeError as exc:
        print(f"annotate: the validator's output is not JSON ({exc})", file=stderr)
        return 1
    for stream, text in validation_lines(result, github=github):
        print(text, file=stdout if stream == "command" else stderr)
    return 0 if result.get("ok") else 1


def line_annotation(text: str) -> str | None:
    """The workflow command for one log line, or None when the line is not a problem."""
    if match := PROBLEM.match(text):
        return annotation(match["severity"], match["message"], path=match["path"], line=int(match["line"]),
                          column=int(match["col"]))
    if match := MKDOCS_LOG.match(text):
        # "Doc file 'about.md' contains …": on the file when it is a hand-written page (generated ones have none).
        page = DOC_FILE.match(match["message"])
        path = f"{DOCS_DIR}/{page[1]}" if page and Path(DOCS_DIR, page[1]).is_file() else None
        return annotation("error" if match["level"] == "ERROR" else "warning", match["message"], path=path,
                          title="MkDocs")
    return None


def annotate_lines(stdin: TextIO, stdout: TextIO, *, github: bool) -> int:
    for raw in stdin:
        text = raw.rstrip("\n")
        print(text, file=stdout)
        if github and (command := line_annotation(text)):
            print(command, file=stdout)
    return 0


def main(argv: list[str]) -> int:
    if argv[1:] == ["validation"]:
        return annotate_validation(sys.stdin, sys.stdout, sys.stderr, github=in_github_actions())
    if argv[1:] == ["lines"]:
        return annotate_lines(sys.stdin, sys.stdout, github=in_github_actions())
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
