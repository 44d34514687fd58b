"""The benchmark runs end to end on a tiny synthetic data set. Nothing here is timed."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.bench import COLUMNS, performance_page, run_benchmark

OPTIONAL = {"search_ms", "search_kb", "search_worst_ms"}  # only with --browser


def test_benchmark_runs_at_n_20_and_fills_every_column(tmp_path: Path) -> None:
    output = tmp_path / "bench.json"
    result = run_benchmark([20], repeats=1, baselines=True, plain_default_max_n=20, browser=False,
                           page_weight=False, json_path=output, log=lambda message: None)

    [row] = result["rows"]
    assert row["n"] == 20
    missing = [key for key, _, _ in COLUMNS if key not in OPTIONAL and row.get(key) is None]
    assert not missing, f"columns without a value: {missing}"
    header = result["table"].splitlines()[0]
    assert all(title in header for _, title, _ in COLUMNS)
    assert len(result["table"].splitlines()) == 3  # header, rule, one row
    assert {check["status"] for check in result["targets"]} <= {"PASS", "FAIL", "SKIP", "INFO"}
    assert json.loads(output.read_text(encoding="utf-8"))["rows"] == json.loads(json.dumps(result["rows"]))


def test_the_performance_page_says_where_the_time_went_with_the_runs_own_figures(tmp_path: Path) -> None:
    result = run_benchmark([20], repeats=1, baselines=False, browser=False, page_weight=False,
                           json_path=tmp_path / "bench.json", log=lambda message: None)
    [row] = result["rows"]
    page = performance_page(result)
    assert f"loading and checking the data took {row['load_validate_s']:.2f} s" in page
    assert f"rendering the Markdown {row['render_s']:.2f} s" in page
    assert f"of the {row['build_s']:.1f} s build" in page
