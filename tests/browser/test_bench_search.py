"""The benchmark's search measure, run once on the real site: what it reports holds together. Nothing is timed."""

from __future__ import annotations

from pathlib import Path

from benchmarks.bench import measure_search_latency


def test_the_benchmark_counts_the_first_result_once_the_whole_query_is_answered_and_its_snippet_after(
        site_folder: Path):
    measured = measure_search_latency(site_folder.resolve(), "tocilizumab", runs=1)
    first, last_key, snippet = measured["first_result_ms"], measured["last_key_ms"], measured["snippet_ms"]
    assert first is not None and last_key is not None and snippet is not None
    assert last_key < first <= snippet
    assert measured["answer_ms"] == first - last_key
    assert measured["kb"] and measured["kb"] > 0
