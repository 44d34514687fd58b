"""How long ``kb validate`` takes on the real data and on the worst single file a hostile contributor could write:
a data file at the size limit (1 MB) whose texts are made of one markup unit repeated (``[``, ``[@a``, ``**a ``…),
each as long as a text may be. Each row is the median of several runs of the command, as a curator runs it."""

from __future__ import annotations

import functools
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from benchmarks.synthetic import REPO

WORST_UNITS = ["[", "[@a", "**a ", "[a](", "`a ", "<a ", "![", "\\[", "_a "]
MAX_FILE_BYTES = 1024 * 1024
MARKDOWN_MAX = 12000
REAL_DATA_LIMIT_S = 1.0
SINGLE_FILE_LIMIT_S = 2.0


def _worst_file(unit: str) -> str:
    """A trial file just under the size limit, its sections' bodies each one markup unit repeated."""
    body = (unit * (MARKDOWN_MAX // len(unit)))[:MARKDOWN_MAX]
    header = {"name": "Worst case", "design": "x", "summary": body, "plain_summary": body,
              "sources": ["worst-source"], "last_reviewed": "2026-01-15", "reviewed_by": "Benchmark"}
    dump = functools.partial(yaml.dump, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), width=10 ** 9)
    # As many sections as fit with room for two more texts: the size of one section, measured once.
    one_section = len(dump({"sections": [{"title": "Section 100", "body": body}]}))
    count = (MAX_FILE_BYTES - len(dump(header)) - MARKDOWN_MAX * 2) // one_section
    text = dump({**header, "sections": [{"title": f"Section {i}", "body": body} for i in range(1, count + 1)]})
    assert len(text) < MAX_FILE_BYTES, "the worst file must stay under the size limit"
    return "# yaml-language-server: $schema=../schema/trial.schema.json\n" + text


def _data_with(folder: Path, unit: str) -> Path:
    """The real schemas, a one-entry bibliography and the worst file."""
    shutil.copytree(REPO / "data" / "schema", folder / "schema")
    (folder / "sources.yaml").write_text("# yaml-language-server: $schema=schema/sources.schema.json\n"
                                         "worst-source:\n  kind: web\n  citation: Benchmark.\n"
                                         "  url: https://example.org\n", encoding="utf-8")
    (folder / "trials").mkdir()
    (folder / "trials" / "worst-case.yaml").write_text(_worst_file(unit), encoding="utf-8")
    return folder


def _timed_validate(data: Path, runs: int) -> float:
    times = []
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1770000000",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO / "scripts"), os.environ.get("PYTHONPATH")]))}
    if data == REPO / "data":
        env.pop("SOURCE_DATE_EPOCH")  # the real data is reviewed up to today
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "kb.cli", "validate", "--data", str(data)], env=env,
                       capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure_validation(work: Path, runs: int = 3) -> list[dict[str, Any]]:
    """One row for the real data and one per worst-case unit: the command's wall time, median of ``runs``."""
    rows = [{"case": "real data", "seconds": _timed_validate(REPO / "data", runs), "limit": REAL_DATA_LIMIT_S}]
    for number, unit in enumerate(WORST_UNITS):
        data = _data_with(work / f"worst-{number}", unit)
        rows.append({"case": f"1 MB file of {unit!r} repeated", "seconds": _timed_validate(data, runs),
                     "limit": SINGLE_FILE_LIMIT_S})
    return rows


def validation_targets(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"target": f"kb validate, {row['case']} <= {row['limit']:g} s", "value": row["seconds"],
             "limit": row["limit"], "status": "PASS" if row["seconds"] <= row["limit"] else "FAIL",
             "detail": "the whole command, as a curator runs it"} for row in rows]
