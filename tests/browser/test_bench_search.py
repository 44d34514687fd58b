"""The benchmark's search measure, run once on the real site: what it reports holds together. Nothing is timed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"

# As `kb bench` runs it: in a process of its own (Playwright's sync API cannot start inside the tests' own).
MEASURE = """import json, sys
from pathlib import Path
from benchmarks.bench import measure_search_latency
print(json.dumps(measure_search_latency(Path(sys.argv[1]), sys.argv[2], runs=1)))"""


def test_the_benchmark_counts_the_first_result_once_the_whole_query_is_answered_and_its_snippet_after(
        site_folder: Path):
    environment = {**os.environ, "PYTHONPATH": str(SCRIPTS)}
    run = subprocess.run([sys.executable, "-c", MEASURE, str(site_folder.resolve()), "tocilizumab"],
                         env=environment, capture_output=True, text=True, timeout=300, check=True)
    measured = json.loads(run.stdout.strip().splitlines()[-1])
    first, last_key, snippet = measured["first_result_ms"], measured["last_key_ms"], measured["snippet_ms"]
    assert first is not None and last_key is not None and snippet is not None
    assert last_key < first <= snippet
    assert measured["answer_ms"] == first - last_key
    assert measured["kb"] > 0
