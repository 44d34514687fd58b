"""The benchmark runs end to end on a tiny synthetic data set. Nothing here is timed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from benchmarks.bench import COLUMNS, performance_page, run_benchmark

# only with --browser, --preview
OPTIONAL = {"search_ms", "search_kb", "search_last_key_ms", "search_answer_ms", "search_snippet_ms",
            "search_worst_ms", "plain_search_ms", "preview_ms", "preview_search_ms"}


@pytest.fixture(scope="module")
def run_at_n_20(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    """One run of the whole benchmark at N = 20, with the plain Material baselines; its result and JSON file."""
    output = tmp_path_factory.mktemp("bench") / "bench.json"
    result = run_benchmark([20], repeats=1, baselines=True, plain_default_max_n=20, browser=False,
                           page_weight=False, json_path=output, log=lambda message: None)
    return result, output


def test_benchmark_runs_at_n_20_and_fills_every_column(run_at_n_20: tuple[dict[str, Any], Path]) -> None:
    result, output = run_at_n_20
    [row] = result["rows"]
    assert row["n"] == 20
    missing = [key for key, _, _ in COLUMNS if key not in OPTIONAL and row.get(key) is None]
    assert not missing, f"columns without a value: {missing}"
    tables = result["table"].split("\n\n**")
    headers = " ".join(table.splitlines()[2] for table in tables)  # after its name and a blank line
    assert all(title in headers for _, title, _ in COLUMNS)
    assert all(len(table.splitlines()) == 5 for table in tables)  # name, blank line, header, rule, one row
    assert all(table.splitlines()[2].count("|") <= 5 for table in tables)  # N and three columns at most: narrow
    assert {check["status"] for check in result["targets"]} <= {"PASS", "FAIL", "SKIP", "INFO"}
    assert json.loads(output.read_text(encoding="utf-8"))["rows"] == json.loads(json.dumps(result["rows"]))


def test_the_performance_page_says_where_the_time_went_with_the_runs_own_figures(
        run_at_n_20: tuple[dict[str, Any], Path]) -> None:
    result, _ = run_at_n_20
    [row] = result["rows"]
    page = performance_page(result)
    assert f"loading and checking the data took {row['load_validate_s']:.2f} s" in page
    assert f"rendering the Markdown {row['render_s']:.2f} s" in page
    assert f"of the {row['build_s']:.1f} s build" in page


def test_an_entity_pages_elements_are_counted_as_the_browser_reads_them():
    from benchmarks.bench import count_elements

    assert count_elements("<!doctype html><html><body><p>a<br>b</p><img src=x /><!-- <p> --></body></html>") == 5


def test_lighthouse_targets_need_95_and_the_plain_material_page_of_the_same_run():
    from benchmarks.bench import check_targets, format_lighthouse
    from benchmarks.lighthouse import PLAIN

    rows = [{"page": "product", "path": "products/x/", "score": 96.0, "dom_elements": 900, "tbt_ms": 120,
             "lcp_ms": 1700}, {"page": PLAIN, "path": "products/x.md", "score": 97.0, "dom_elements": 800,
                               "tbt_ms": 90, "lcp_ms": 1500}]
    checks = {check["target"]: check["status"] for check in check_targets([], None, rows)}
    assert checks["Lighthouse mobile, product >= 95"] == "PASS"
    assert checks["Lighthouse mobile, product >= plain Material"] == "FAIL"
    assert "| product (`products/x/`) | 96 | 900 | 120 | 1.7 |" in format_lighthouse(rows)


@pytest.mark.parametrize(("heaviest_at_5000", "status"), [(420.0, "PASS"), (2100.0, "FAIL")])
def test_a_page_that_grows_with_the_data_fails_the_page_weight_target(heaviest_at_5000: float, status: str):
    from benchmarks.bench import check_targets

    rows = [{"n": n, "build_s": 1.0, "page_html_kb": 80.0, "heaviest_page_kb": kb, "heaviest_page": "compare/x/"}
            for n, kb in ((1000, 400.0), (5000, heaviest_at_5000))]
    checks = {check["target"]: check["status"] for check in check_targets(rows)}
    assert checks["heaviest page(5000)/heaviest page(1000) <= 1.2"] == status


def test_a_pages_weight_counts_the_styles_and_scripts_it_loads(tmp_path: Path):
    from benchmarks.bench import page_weight

    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "kb.css").write_text("x" * 100)
    (tmp_path / "assets" / "filters.js").write_text("y" * 50)
    (tmp_path / "assets" / "search.js").write_text("z" * 1000)  # the search worker is left out, as in the table
    page = tmp_path / "index.html"
    page.write_text('<link href="assets/kb.css" rel="stylesheet"><script src="assets/filters.js"></script>'
                    '<script src="assets/search.js"></script>')
    assert page_weight(page) == (page.stat().st_size + 150, 50)
