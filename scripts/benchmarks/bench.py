"""``kb bench``: measure the pipeline and the whole site build on synthetic data of growing size.

For each size N it writes a synthetic data folder of N entities (see :mod:`benchmarks.synthetic`) into a
temporary folder, then measures, as the median of several runs:

- (a) load + validate + model (``load_knowledge_base``);
- (b) render every page to Markdown (``render_site``);
- (c) the whole build, ``kb build`` of this repository's ``mkdocs.yml`` with ``KB_DATA_DIR`` pointing at the
  synthetic data, in a child process;

plus peak memory (tracemalloc for a and b; the child's maximum resident set for c), the search-index size,
the median entity page's HTML size and element count (what a browser lays out) and the total site size;
``kb validate FILE`` on one file; and, with ``--preview`` (Chromium), the live preview: from saving one data
file during ``kb serve`` to the browser's reload showing the change, median of ten saves, at N <= 1,000 and on
a copy of the real data. As baselines it builds the same rendered Markdown pages as a plain Material site with
every page in the nav, in the default configuration (N ≤ 1,000 only: it grows quadratically) and with
``navigation.prune`` (every N). It prints the tables, writes them as JSON and checks the targets (PASS/FAIL;
nothing here asserts). ``--lighthouse`` also measures the real site's mobile performance with Lighthouse
against a plain Material page (:mod:`benchmarks.lighthouse`). ``--page`` also writes the site's Performance
page from ``performance.md.j2``.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import html.parser
import http.server
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import yaml

from benchmarks import lighthouse
from benchmarks.synthetic import EPOCH as BENCH_EPOCH
from benchmarks.synthetic import REPO, generate_dataset
from benchmarks.validation import measure_validation, validation_targets

DEFAULT_JSON = Path("bench-results/bench.json")
DEFAULT_SIZES = (100, 1000, 5000)
PLAIN_DEFAULT_MAX_N = 1000  # the plain default baseline is quadratic: 188 s at N = 3,000 on 2 cores
CHROMIUM = "/usr/bin/chromium"
# What the search timing types: a brand name, as a reader would (it matches every synthetic product's brand).
SEARCH_QUERY = "Loremcel 00042"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]

# --- Measuring -------------------------------------------------------------------------------------------------

@contextlib.contextmanager
def _environment(**values: str) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _timed(function: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def _peak_traced(function: Callable[[], Any]) -> float:
    """Peak Python memory (MB) allocated while ``function`` runs."""
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


@dataclass
class ChildRun:
    seconds: float
    peak_mb: float
    returncode: int
    output: str


def _run_child(command: list[str], *, cwd: Path, env: dict[str, str], log: Path) -> ChildRun:
    """Run a command; its wall time and its own peak resident memory (wait4 gives this child's rusage)."""
    with log.open("w", encoding="utf-8") as out:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
    peak_mb = usage.ru_maxrss / 1024 if sys.platform != "darwin" else usage.ru_maxrss / 1e6
    return ChildRun(seconds, peak_mb, process.returncode, log.read_text(encoding="utf-8", errors="replace"))


def _child_env(data_root: Path | None = None, *, synthetic: bool = True) -> dict[str, str]:
    """The environment of a child build: the synthetic data's clock and folder, or the real data as it is."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "true",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO / "scripts"), os.environ.get("PYTHONPATH")]))}
    env.pop("KB_DATA_DIR", None)
    if synthetic:
        env["SOURCE_DATE_EPOCH"] = BENCH_EPOCH
    if data_root is not None:
        env["KB_DATA_DIR"] = str(data_root)
    return env


def _tree_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink())


class _ElementCounter(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements += 1


def count_elements(page_html: str) -> int:
    """The elements of an HTML page as written (what the browser lays out before any script adds to it)."""
    counter = _ElementCounter()
    counter.feed(page_html)
    counter.close()
    return counter.elements


def _site_metrics(site: Path, entity_pages: list[str]) -> dict[str, Any]:
    """Search-index size, the median entity page's HTML size and elements, the heaviest page of any kind (HTML, CSS
    and JavaScript), and total size of a built site."""
    index = _tree_bytes(site / "search") if (site / "search").exists() else 0  # every file of the search index
    sizes = {path: path.stat().st_size for path in (site / page.removesuffix(".md") / "index.html"
                                                      for page in entity_pages)}
    median_page = sorted(sizes, key=sizes.__getitem__)[len(sizes) // 2]
    largest_html = sorted(site.rglob("index.html"), key=lambda page: page.stat().st_size)[-20:]
    weights = {page: page_weight(page)[0] for page in largest_html}  # pages load different scripts
    heaviest = max(weights, key=weights.__getitem__)
    return {
        "search_index_kb": index / 1024,
        "search_index_per_page_kb": index / 1024 / len(entity_pages),
        "page_html_kb": statistics.median(sizes.values()) / 1024,
        "page_elements": count_elements(median_page.read_text(encoding="utf-8")),
        "heaviest_page_kb": weights[heaviest] / 1024,
        "heaviest_page": heaviest.parent.relative_to(site).as_posix() + "/",
        "site_mb": _tree_bytes(site) / 1e6,
    }


def _plain_config(folder: Path, pages: dict[str, str], *, prune: bool) -> Path:
    """A plain Material site of the rendered pages: font off, search on, every page in the nav."""
    sections: dict[str, list[str]] = {}
    for page in sorted(pages):
        sections.setdefault(page.split("/")[0] if "/" in page else "", []).append(page)
    nav: list[Any] = [{"Home": "index.md"}]
    for section, section_pages in sections.items():
        ordered = sorted(section_pages, key=lambda p: (not p.endswith("/index.md"), p))
        nav.append({section.capitalize() or "Pages": ordered})
    theme: dict[str, Any] = {"name": "material", "font": False}
    if prune:
        theme["features"] = ["navigation.prune"]
    config = {"site_name": "Plain baseline", "docs_dir": "docs", "theme": theme, "plugins": ["search"], "nav": nav}
    path = folder / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def _write_pages(docs: Path, pages: dict[str, str]) -> None:
    docs.mkdir(parents=True, exist_ok=True)
    (docs / "index.md").write_text("# Plain baseline\n", encoding="utf-8")
    for relative, content in pages.items():
        target = docs / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")


def _median_child(runs: int, command: list[str], *, cwd: Path, env: dict[str, str], log: Path,
                  site: Path) -> tuple[float, float]:
    times, peaks = [], []
    for _ in range(runs):
        shutil.rmtree(site, ignore_errors=True)
        run = _run_child(command, cwd=cwd, env=env, log=log)
        if run.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed ({run.returncode}):\n{run.output[-3000:]}")
        times.append(run.seconds)
        peaks.append(run.peak_mb)
    return statistics.median(times), max(peaks)


def measure_size(n: int, repeats: int, work: Path, *, baselines: bool = True, plain_default_max_n: int =
                 PLAIN_DEFAULT_MAX_N, browser: bool = False, log: Callable[[str], None] = print,
                 stage_repeats: int | None = None, preview: bool = False) -> dict[str, Any]:
    """Every measurement for one size; ``work`` is an empty temporary folder. ``repeats`` runs of each build;
    a and b, which take seconds where a build takes minutes, ``stage_repeats`` runs (default ``repeats``)."""
    from kb.model import load_knowledge_base
    from kb.site.plan import render_site

    data_root = generate_dataset(work / "data", n)
    row: dict[str, Any] = {"n": n, "data_mb": _tree_bytes(data_root) / 1e6}
    with _environment(SOURCE_DATE_EPOCH=BENCH_EPOCH):
        load_times, render_times = [], []
        for _ in range(stage_repeats or repeats):
            # Each run starts as a fresh build would: nothing left in memory from the run before.
            knowledge_base = pages = None
            gc.collect()
            seconds, knowledge_base = _timed(lambda: load_knowledge_base(data_root))
            load_times.append(seconds)
            seconds, pages = _timed(lambda kb=knowledge_base: render_site(kb))
            render_times.append(seconds)
        row["load_validate_s"] = statistics.median(load_times)
        row["render_s"] = statistics.median(render_times)
        row["load_validate_peak_mb"] = _peak_traced(lambda: load_knowledge_base(data_root))
        row["render_peak_mb"] = _peak_traced(lambda: render_site(knowledge_base))
    entity_pages = [e.page_path for e in knowledge_base.entities.values()]
    row["ms_per_entity_ab"] = (row["load_validate_s"] + row["render_s"]) * 1000 / n
    log(f"  N={n}: load+validate {row['load_validate_s']:.2f} s, render {row['render_s']:.2f} s")

    site = work / "site"
    build = [sys.executable, "-m", "kb.cli", "build", "--config", str(REPO / "mkdocs.yml"), "--site-dir", str(site)]
    row["build_s"], row["build_peak_mb"] = _median_child(repeats, build, cwd=work, env=_child_env(data_root),
                                                         log=work / "build.log", site=site)
    row.update(_site_metrics(site.resolve(), entity_pages))
    row["ab_share_of_build"] = (row["load_validate_s"] + row["render_s"]) / row["build_s"]
    log(f"  N={n}: our build {row['build_s']:.2f} s, page {row['page_html_kb']:.1f} KB, "
        f"search index {row['search_index_kb']:.0f} KB")
    if browser:
        try:
            searched = measure_search_latency(site.resolve(), query=SEARCH_QUERY)
            row["search_ms"], row["search_kb"] = searched["first_result_ms"], searched["kb"]
            row["search_last_key_ms"], row["search_answer_ms"] = searched["last_key_ms"], searched["answer_ms"]
            row["search_snippet_ms"] = searched["snippet_ms"]
            row["search_worst_ms"] = measure_search_latency(site.resolve(), query="lorem")["first_result_ms"]
            log(f"  N={n}: first search result {row['search_ms']:.0f} ms after navigation{_typing(row)}, "
                f"{row['search_kb']:.0f} KB fetched; 'lorem' {row['search_worst_ms']:.0f} ms")
        except Exception as exc:  # a missing browser must not cost the rest of the run
            log(f"  N={n}: the browser measurement failed: {str(exc).splitlines()[0]}")
    row["validate_file_s"] = measure_validate_file(data_root)
    log(f"  N={n}: kb validate FILE {row['validate_file_s']:.2f} s")
    row["preview_ms"] = row["preview_search_ms"] = None
    if preview:
        try:
            row |= measure_preview(data_root)
            log(f"  N={n}: saved file shown in the browser after {row['preview_ms']:.0f} ms (median), its search "
                f"index after {row['preview_search_ms']:.0f} ms")
        except Exception as exc:  # a missing browser must not cost the rest of the run
            log(f"  N={n}: the preview measurement failed: {str(exc).splitlines()[0]}")

    row["plain_search_ms"] = None
    row["plain_default_s"] = row["plain_default_page_kb"] = row["plain_default_site_mb"] = None
    row["plain_prune_s"] = row["plain_prune_page_kb"] = row["plain_prune_site_mb"] = None
    if baselines:
        plain = work / "plain"
        _write_pages(plain / "docs", pages)
        variants = [("prune", True)] + ([("default", False)] if n <= plain_default_max_n else [])
        for name, prune in variants:
            config = _plain_config(plain, pages, prune=prune)
            plain_site = plain / "site"
            command = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config), "-d", str(plain_site)]
            seconds, _ = _median_child(repeats, command, cwd=plain, env=_child_env(), log=work / f"plain-{name}.log",
                                       site=plain_site)
            metrics = _site_metrics(plain_site, entity_pages)
            if browser and name == "prune" and n <= plain_default_max_n:
                row["plain_search_ms"] = _plain_search_latency(plain_site, n, log)
            row[f"plain_{name}_s"] = seconds
            row[f"plain_{name}_page_kb"] = metrics["page_html_kb"]
            row[f"plain_{name}_site_mb"] = metrics["site_mb"]
            log(f"  N={n}: plain {name} {seconds:.2f} s, page {metrics['page_html_kb']:.1f} KB")
            shutil.rmtree(plain_site, ignore_errors=True)
    shutil.rmtree(site.resolve(), ignore_errors=True)
    return row


def _plain_search_latency(plain_site: Path, n: int, log: Callable[[str], None]) -> float | None:
    """The first search result on the plain Material site, measured as on ours: Material's own worker builds its
    index in the browser from the pages' full text (the reference for what search costs without a prebuilt one)."""
    try:
        milliseconds = measure_search_latency(plain_site.resolve(), query=SEARCH_QUERY)["first_result_ms"]
    except Exception as exc:  # a missing browser must not cost the rest of the run
        log(f"  N={n}: the browser measurement on plain Material failed: {str(exc).splitlines()[0]}")
        return None
    log(f"  N={n}: plain Material's first search result {milliseconds:.0f} ms after navigation")
    return milliseconds


# --- One file checked alone, and the live preview ---------------------------------------------------------------

def measure_validate_file(data_root: Path, runs: int = 5, *, synthetic: bool = True) -> float:
    """Median seconds of ``kb validate FILE`` (a child process, as an editor or pre-commit runs it) on one trial."""
    trials = sorted((data_root / "trials").glob("*.yaml"))
    command = [sys.executable, "-m", "kb.cli", "validate", str(trials[len(trials) // 2])]
    times = []
    for _ in range(runs):
        run = _run_child(command, cwd=REPO, env=_child_env(data_root, synthetic=synthetic),
                         log=data_root.parent / "validate-file.log")
        if run.returncode != 0:
            raise RuntimeError(f"{' '.join(command[2:])} failed:\n{run.output[-2000:]}")
        times.append(run.seconds)
    return statistics.median(times)


def measure_preview(data_root: Path, *, saves: int = 10, synthetic: bool = True) -> dict[str, float]:
    """Medians over ``saves`` saves of one data file during ``kb serve`` (a trial's summary edited, each save a
    new word): ms from the write to the load of the page the browser reloads, which shows the edit
    (``preview_ms``), and to the search index of that version having arrived (``preview_search_ms``; kb serve
    writes it in the background). Each save waits for the search index of the one before, as a reader's page
    does."""
    from playwright.sync_api import sync_playwright

    with _serving(data_root, synthetic=synthetic) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            trial = sorted((data_root / "trials").glob("*.yaml"))[0]
            page = browser.new_page()
            page.goto(f"{url}trials/{trial.stem}/", wait_until="load")
            timings = [_timed_save(page, trial, f"Preview{number}") for number in range(saves)]
        finally:
            browser.close()
    return {"preview_ms": statistics.median(reload for reload, _ in timings),
            "preview_search_ms": statistics.median(search for _, search in timings)}


def _timed_save(page: Any, path: Path, word: str) -> tuple[float, float]:
    """ms from writing the edit to the reloaded page's load, and to its search index having arrived."""
    text = path.read_text(encoding="utf-8")
    edited = text.replace("\nsummary: ", f"\nsummary: {word} ", 1)
    with page.expect_event("load", timeout=60_000):
        start = time.perf_counter()
        path.write_text(edited, encoding="utf-8")
    reload = (time.perf_counter() - start) * 1000
    if word not in page.content():
        raise RuntimeError(f"the reloaded page does not show {word!r}")
    if not page.evaluate("fetch(new URL('../../search/prebuilt_index.json', location.href)).then(r => r.ok)"):
        raise RuntimeError("the search index of the new version was not served")
    return reload, (time.perf_counter() - start) * 1000


@contextlib.contextmanager
def _serving(data_root: Path, *, synthetic: bool) -> Iterator[str]:
    """``kb serve`` of this repository's mkdocs.yml with ``KB_DATA_DIR`` at ``data_root``, once it has built."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = data_root.parent / "serve.log"
    with log.open("w", encoding="utf-8") as out:
        server = subprocess.Popen([sys.executable, "-m", "kb.cli", "serve", "--config", str(REPO / "mkdocs.yml"),
                                   "--dev-addr", f"127.0.0.1:{port}"], cwd=data_root.parent, stdout=out,
                                  stderr=subprocess.STDOUT, env=_child_env(data_root, synthetic=synthetic))
        try:
            deadline = time.monotonic() + 600
            while "built " not in log.read_text(encoding="utf-8"):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"kb serve did not build:\n{log.read_text(encoding='utf-8')[-2000:]}")
                time.sleep(0.2)
            yield f"http://127.0.0.1:{port}/"
        finally:
            server.terminate()
            server.wait(timeout=30)


def real_data_preview(work: Path, log: Callable[[str], None] = print) -> dict[str, Any]:
    """The live preview and ``kb validate FILE`` on a copy of the real data (today's size)."""
    data_root = work / "real-data" / "data"
    shutil.copytree(REPO / "data", data_root)
    entities = sum(1 for path in data_root.glob("*/*.yaml") if path.parent.name != "schema")
    result = {"entities": entities, "validate_file_s": measure_validate_file(data_root, synthetic=False),
              **measure_preview(data_root, synthetic=False)}
    log(f"  real data ({entities} entities): preview {result['preview_ms']:.0f} ms "
        f"(search index {result['preview_search_ms']:.0f} ms), "
        f"kb validate FILE {result['validate_file_s']:.2f} s")
    shutil.rmtree(data_root.parent, ignore_errors=True)
    return result


# --- Browser: time to the first search result -------------------------------------------------------------------

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def _serve(folder: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


# A search result's text, as Material shows it below the result's title (not the icon, the tags or its list of
# the words the result lacks).
SNIPPET = ".md-search-result__article > :not(h1, h2, .md-search-result__icon, .md-search-result__terms, .md-tags)"


def measure_search_latency(site: Path, query: str, runs: int = 7) -> dict[str, float | None]:
    """Medians over ``runs``: ms from navigation start to the first search result shown (``first_result_ms``),
    KB fetched until then (``kb``), ms from navigation start to the last key of the query typed
    (``last_key_ms``: what typing alone costs, before any search), ms from that key to the first result
    (``answer_ms``) and ms from navigation start to the first result showing a snippet of its text
    (``snippet_ms``: the site's worker answers by title as soon as it has ranked the results, and again once
    their texts are in).

    Each run: a new browser context (nothing cached), open the home page, at its load event type ``query`` into
    the search box (keyboard.type(), as a reader types; Material ignores fill()), wait for the first result.
    The page records when each key comes up, and once the search worker has answered the whole query, when the
    first result appears (performance.now() counts from navigation start): the site's worker names the query
    it answers, so that results shown for the first letters of the query while the reader types do not count
    (Material's own worker names none). The bytes are the response bodies of every request, the search
    worker's included, finished by then.
    """
    from playwright.sync_api import sync_playwright

    recorder = """window.kbKeysUp = []
    document.addEventListener("keyup", () => kbKeysUp.push(performance.now()), true)
    const PageWorker = window.Worker
    window.Worker = class extends PageWorker {
        constructor(...args) {
            super(...args)
            this.addEventListener("message", event => {
                const answer = event.data && event.data.data
                const answersTheQuery = answer && [undefined, QUERY].includes(answer.query)
                if (answersTheQuery && Array.isArray(answer.items) && answer.items.length)
                    window.kbAnswered = true
            })
        }
    }
    new MutationObserver((_, observer) => {
        if (window.kbAnswered && !window.kbFirstResult && document.querySelector(".md-search-result__item"))
            window.kbFirstResult = performance.now()
        if (window.kbAnswered && document.querySelector(SNIPPET)) {
            window.kbFirstSnippet = performance.now(); observer.disconnect() }
    }).observe(document, {childList: true, subtree: true})""".replace("QUERY", json.dumps(query)).replace(
        "SNIPPET", json.dumps(SNIPPET))
    measured: list[dict[str, float]] = []
    with _serve(site) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for _ in range(runs):
                context = browser.new_context()
                context.add_init_script(recorder)
                finished: list[tuple[float, Any]] = []
                context.on("requestfinished",
                           lambda request, finished=finished: finished.append((time.perf_counter(), request)))
                page = context.new_page()
                page.goto(url, wait_until="load")
                page.keyboard.press("/")
                page.keyboard.type(query)
                shown = page.wait_for_function("window.kbFirstResult", timeout=60000).json_value()
                until = time.perf_counter()
                snippet = _first_snippet(page)
                last_key = page.evaluate("kbKeysUp[kbKeysUp.length - 1]")
                fetched = sum(request.sizes()["responseBodySize"] for at, request in finished if at <= until)
                measured.append({"first_result_ms": shown, "kb": fetched / 1024, "last_key_ms": last_key,
                                 "answer_ms": shown - last_key, "snippet_ms": snippet})
                context.close()
        finally:
            browser.close()
    return {key: _median_of_measured([run[key] for run in measured]) for key in measured[0]}


def _first_snippet(page: Any) -> float | None:
    """When the first result with a snippet showed (ms from navigation start), or None if none showed within ten
    seconds (every result listed by its title only)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        return float(page.wait_for_function("window.kbFirstSnippet", timeout=10000).json_value())
    except PlaywrightTimeout:
        return None


def _median_of_measured(values: list[float | None]) -> float | None:
    """The median of the values measured, or None if none was."""
    measured = [value for value in values if value is not None]
    return statistics.median(measured) if measured else None


# --- The real site: page weight and Lighthouse ----------------------------------------------------------------

def build_real_site(work: Path) -> Path:
    """The real site, built from the repository's data with the real clock, into ``work/real-site``."""
    site = work / "real-site"
    command = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(REPO / "mkdocs.yml"), "-d", str(site)]
    run = _run_child(command, cwd=REPO, env=_child_env(synthetic=False), log=work / "real.log")
    if run.returncode != 0:
        raise RuntimeError(f"the real site did not build:\n{run.output[-3000:]}")
    return site


_ASSET = re.compile(r"<(?:script[^>]*\bsrc|link[^>]*\bhref)=\"([^\"#?]+)[^\"]*\"[^>]*>")


def page_weight(page: Path) -> tuple[int, int]:
    """What a built page loads, in bytes: its HTML with the site's CSS and JavaScript it names (not the search index
    or worker), and of that its JavaScript."""
    total, script_bytes = page.stat().st_size, 0
    for reference in set(_ASSET.findall(page.read_text(encoding="utf-8"))):
        if "://" in reference or not reference.endswith((".js", ".css")) or "search" in reference.split("/")[-1]:
            continue
        path = (page.parent / reference).resolve()
        if path.is_file():
            total += path.stat().st_size
            script_bytes += path.stat().st_size if reference.endswith(".js") else 0
    return total, script_bytes


def real_page_weights(site: Path) -> dict[str, Any]:
    """The heaviest page with and without diagrams: HTML + CSS + JS (no search index/worker)."""
    heaviest: dict[str, dict[str, Any]] = {}
    for page in site.rglob("index.html"):
        text = page.read_text(encoding="utf-8")
        total, script_bytes = page_weight(page)
        kind = "with_diagrams" if ("mermaid" in text or "<svg class=\"kb-diagram" in text) else "without_diagrams"
        if total > heaviest.get(kind, {}).get("kb", 0) * 1024:
            heaviest[kind] = {"page": page.parent.relative_to(site).as_posix() + "/", "kb": total / 1024,
                              "js_kb": script_bytes / 1024}
    return heaviest


def real_site_lighthouse(site: Path, work: Path, runs: int, log: Callable[[str], None]) -> list[dict[str, Any]]:
    """Lighthouse on the real site's pages and on a plain Material page (the product page's own Markdown)."""
    rendered = work / "rendered"
    run = _run_child([sys.executable, "-m", "kb.cli", "render", "--out", str(rendered)], cwd=REPO,
                     env=_child_env(synthetic=False), log=work / "render.log")
    if run.returncode != 0:
        raise RuntimeError(f"the real pages did not render:\n{run.output[-3000:]}")

    def build(command: list[str], cwd: Path) -> None:
        built = _run_child([sys.executable, "-m", *command], cwd=cwd, env=_child_env(synthetic=False),
                           log=work / "plain-material.log")
        if built.returncode != 0:
            raise RuntimeError(f"the plain Material page did not build:\n{built.output[-3000:]}")

    markdown = (rendered / lighthouse.PLAIN_SOURCE).read_text(encoding="utf-8")
    plain = lighthouse.plain_material_site(markdown, work / "plain-material", build)
    return lighthouse.measure(site, plain, CHROMIUM, CHROMIUM_ARGS, runs=runs, log=log)


# --- The whole benchmark ---------------------------------------------------------------------------------------

COLUMNS = [
    ("n", "N", "{:,}"),
    ("load_validate_s", "a: load+validate s", "{:.2f}"),
    ("render_s", "b: render s", "{:.2f}"),
    ("ms_per_entity_ab", "a+b ms/entity", "{:.2f}"),
    ("load_validate_peak_mb", "a peak MB", "{:.0f}"),
    ("render_peak_mb", "b peak MB", "{:.0f}"),
    ("build_s", "c: build s", "{:.1f}"),
    ("ab_share_of_build", "(a+b)/c", "{:.0%}"),
    ("build_peak_mb", "c peak RSS MB", "{:.0f}"),
    ("search_index_kb", "search index KB", "{:,.0f}"),
    ("search_index_per_page_kb", "index KB/page", "{:.2f}"),
    ("page_html_kb", "page HTML KB", "{:.1f}"),
    ("page_elements", "page elements", "{:,.0f}"),
    ("heaviest_page_kb", "heaviest page KB", "{:.0f}"),
    ("site_mb", "site MB", "{:.1f}"),
    ("plain_default_s", "plain s", "{:.1f}"),
    ("plain_default_page_kb", "plain page KB", "{:.0f}"),
    ("plain_default_site_mb", "plain site MB", "{:.0f}"),
    ("plain_prune_s", "prune s", "{:.1f}"),
    ("plain_prune_page_kb", "prune page KB", "{:.0f}"),
    ("plain_prune_site_mb", "prune site MB", "{:.0f}"),
    ("search_ms", "first result ms", "{:.0f}"),
    ("search_kb", "KB before result", "{:,.0f}"),
    ("search_last_key_ms", "last key ms", "{:.0f}"),
    ("search_answer_ms", "answer ms", "{:.0f}"),
    ("search_snippet_ms", "snippet ms", "{:.0f}"),
    ("search_worst_ms", "'lorem' ms", "{:.0f}"),
    ("plain_search_ms", "plain Material ms", "{:.0f}"),
    ("validate_file_s", "validate 1 file s", "{:.2f}"),
    ("preview_ms", "preview ms", "{:.0f}"),
    ("preview_search_ms", "preview search ms", "{:.0f}"),
]


# The columns in small tables, each led by N, so that each fits the Performance page's column on a phone too.
TABLES = {
    "Loading, checking and rendering": ["load_validate_s", "render_s", "ms_per_entity_ab"],
    "Peak memory": ["load_validate_peak_mb", "render_peak_mb", "build_peak_mb"],
    "The whole build": ["build_s", "ab_share_of_build"],
    "Search index": ["search_index_kb", "search_index_per_page_kb"],
    "Search in the browser": ["search_ms", "plain_search_ms", "search_kb"],
    "Typing the query, the answer after its last key, and the first snippet": ["search_last_key_ms",
                                                                                "search_answer_ms",
                                                                                "search_snippet_ms"],
    "Search for a word on nearly every page": ["search_worst_ms"],
    "Curator's loop": ["validate_file_s", "preview_ms", "preview_search_ms"],
    "Pages and site": ["page_html_kb", "page_elements", "site_mb"],
    "The heaviest page of any kind, with its styles and scripts": ["heaviest_page_kb"],
    "Plain Material, every page in the nav": ["plain_default_s", "plain_default_page_kb", "plain_default_site_mb"],
    "Plain Material with navigation.prune": ["plain_prune_s", "plain_prune_page_kb", "plain_prune_site_mb"],
}


def format_table(rows: list[dict[str, Any]]) -> str:
    """The results as Markdown tables, one per group of TABLES (they read fine in a terminal too)."""
    columns = {key: (title, fmt) for key, title, fmt in COLUMNS}
    tables = []
    for name, keys in TABLES.items():
        shown = [("n", *columns["n"]), *((key, *columns[key]) for key in keys)]
        lines = [f"**{name}**", "", "| " + " | ".join(title for _, title, _ in shown) + " |",
                 "|" + "|".join("---:" for _ in shown) + "|"]
        for row in rows:
            lines.append("| " + " | ".join(fmt.format(row[key]) if row.get(key) is not None else "—"
                                           for key, _, fmt in shown) + " |")
        tables.append("\n".join(lines))
    return "\n\n".join(tables)


def format_lighthouse(rows: list[dict[str, Any]]) -> str:
    """Lighthouse's medians as a Markdown table."""
    lines = ["| Page | Score | Elements | TBT ms | LCP s |",
             "|---|---:|---:|---:|---:|"]
    for row in rows:
        shown = f"{row['page']} (`{row['path'] or '/'}`)"
        lines.append(f"| {shown} | {row['score']:.0f} | {row['dom_elements']:,.0f} | {row['tbt_ms']:.0f} | "
                     f"{row['lcp_ms'] / 1000:.1f} |")
    return "\n".join(lines)


Checks = list[dict[str, Any]]


def _add(checks: Checks, name: str, value: float | None, limit: float, detail: str, status: str | None = None) -> None:
    """One target: PASS or FAIL by its limit, SKIP when not measured, or the status given (INFO)."""
    verdict = "SKIP" if value is None else status or ("PASS" if value <= limit else "FAIL")
    checks.append({"target": name, "value": value, "limit": limit, "status": verdict, "detail": detail})


def _typing(row: dict[str, Any]) -> str:
    """When the query's last key came up and the first snippet showed, as a part of a target's detail (empty when
    not measured)."""
    last_key, snippet = row.get("search_last_key_ms"), row.get("search_snippet_ms")
    typed = f"; the last key typed at {last_key:.0f} ms" if last_key is not None else ""
    return typed + (f", the first snippet shown at {snippet:.0f} ms" if snippet is not None else "")


def check_targets(rows: list[dict[str, Any]], page_weights: dict[str, Any] | None = None,
                  lighthouse_rows: list[dict[str, Any]] | None = None, real: dict[str, Any] | None = None) -> Checks:
    """The targets these rows can decide; each PASS, FAIL, SKIP (not measured) or INFO."""
    by_n = {row["n"]: row for row in rows}
    checks: Checks = []
    _build_targets(checks, rows, by_n)
    timed = f"Chromium, from navigation start, typing {SEARCH_QUERY!r} at load (--browser)"
    plain = by_n.get(1000, {}).get("plain_search_ms")
    reference = f"; plain Material {plain:.0f} ms" if plain is not None else ""
    _add(checks, "first search result at N=1000 <= 500 ms", by_n.get(1000, {}).get("search_ms"), 500,
         timed + _typing(by_n.get(1000, {})) + reference)
    _add(checks, "first search result at N=5000 <= 1500 ms", by_n.get(5000, {}).get("search_ms"), 1500,
         timed + _typing(by_n.get(5000, {})))
    _curator_targets(checks, by_n, real)
    _page_weight_targets(checks, page_weights)
    if lighthouse_rows:
        _lighthouse_targets(checks, lighthouse_rows)
    return checks


def _lighthouse_targets(checks: Checks, rows: list[dict[str, Any]]) -> None:
    """Each measured page: at least TARGET_SCORE, and at least the plain Material page of the same run."""
    plain = next(row["score"] for row in rows if row["page"] == lighthouse.PLAIN)
    for row in rows:
        if row["page"] != lighthouse.PLAIN:
            for floor, name in ((lighthouse.TARGET_SCORE, str(lighthouse.TARGET_SCORE)), (plain, "plain Material")):
                checks.append({"target": f"Lighthouse mobile, {row['page']} >= {name}", "value": row["score"],
                               "limit": floor, "status": "PASS" if row["score"] >= floor else "FAIL",
                               "detail": f"median of the run's rounds; plain Material {plain:.0f}"})


def _build_targets(checks: Checks, rows: list[dict[str, Any]], by_n: dict[int, dict[str, Any]]) -> None:
    """The build against the plain Material baselines, and how it grows with N."""
    r100, r1000, r5000 = by_n.get(100), by_n.get(1000), by_n.get(5000)
    for key, name, limit in (("plain_default_s", "build(1000) <= 0.3 x plain default", 0.3),
                             ("plain_prune_s", "build(1000) <= plain prune", 1.0)):
        baseline = r1000.get(key) if r1000 else None
        _add(checks, name, r1000["build_s"] / baseline if r1000 and baseline else None, limit,
             f"{r1000['build_s']:.1f} s vs {baseline:.1f} s" if r1000 and baseline else "needs N=1000 with baselines")
    for row in rows:
        if row.get("plain_prune_s") and row["n"] != 1000:
            _add(checks, f"build({row['n']}) <= plain prune", row["build_s"] / row["plain_prune_s"], 1.0,
                 f"{row['build_s']:.1f} s vs {row['plain_prune_s']:.1f} s, informative", status="INFO")
    both = r1000 is not None and r5000 is not None
    _add(checks, "build(5000)/build(1000) <= 6", r5000["build_s"] / r1000["build_s"] if both else None, 6.0,
         "linear build" if both else "needs N=1000 and N=5000")
    flat = r100 is not None and r5000 is not None
    _add(checks, "page HTML(5000)/page HTML(100) <= 1.2", r5000["page_html_kb"] / r100["page_html_kb"] if flat
         else None, 1.2, f"{r100['page_html_kb']:.1f} KB -> {r5000['page_html_kb']:.1f} KB" if flat
         else "needs N=100 and N=5000")
    both = r1000 is not None and r5000 is not None
    _add(checks, "heaviest page(5000)/heaviest page(1000) <= 1.2",
         r5000["heaviest_page_kb"] / r1000["heaviest_page_kb"] if both else None, 1.2,
         f"{r1000['heaviest_page']} {r1000['heaviest_page_kb']:.0f} KB -> {r5000['heaviest_page']} "
         f"{r5000['heaviest_page_kb']:.0f} KB, HTML with its CSS and JavaScript: no list grows with the data" if both
         else "needs N=1000 and N=5000")


def _curator_targets(checks: Checks, by_n: dict[int, dict[str, Any]], real: dict[str, Any] | None) -> None:
    """The curator's loop: a saved file shown in the browser, and one file checked alone."""
    preview = by_n[1000].get("preview_ms") if 1000 in by_n else None
    _add(checks, "preview at N=1000 <= 1000 ms", preview, 1000, "save to reload, median of 10 (--preview)")
    real = real or {}
    _add(checks, "preview of the real data <= 500 ms", real.get("preview_ms"), 500,
         f"{real['entities']} entities, save to reload, median of 10" if real else "needs --preview")
    for n, row in sorted(by_n.items()):
        _add(checks, f"kb validate FILE at N={n} <= 0.3 s", row.get("validate_file_s"), 0.3, "one trial")
    _add(checks, "kb validate FILE on the real data <= 0.3 s", real.get("validate_file_s"), 0.3, "one trial")


def _page_weight_targets(checks: Checks, page_weights: dict[str, Any] | None) -> None:
    """The real site's heaviest pages."""
    plain_page = (page_weights or {}).get("without_diagrams")
    if not plain_page:
        _add(checks, "real page without diagrams < 500 KB", None, 500, "not measured")
        return
    _add(checks, "real page without diagrams < 500 KB", plain_page["kb"], 500, plain_page["page"])
    _add(checks, "its JavaScript < 150 KB", plain_page["js_kb"], 150, "without Material's search worker")
    diagram_page = (page_weights or {}).get("with_diagrams")
    if diagram_page:
        checks.append({"target": "real page with diagrams (reported)", "value": diagram_page["kb"], "limit": None,
                       "status": "INFO", "detail": f"{diagram_page['page']}, JS {diagram_page['js_kb']:.0f} KB"})


def format_checks(checks: list[dict[str, Any]]) -> str:
    lines = []
    for check in checks:
        value = "—" if check["value"] is None else f"{check['value']:.3g}"
        detail = f" ({check['detail']})" if check["detail"] else ""
        lines.append(f"{check['status']:4}  {check['target']}: {value}{detail}")
    return "\n".join(lines)


def run_benchmark(sizes: list[int] | tuple[int, ...] = DEFAULT_SIZES, repeats: int = 3, *,
                  large_repeats: int | None = None, stage_repeats: int | None = None,
                  baselines: bool = True, plain_default_max_n: int = PLAIN_DEFAULT_MAX_N, browser: bool = False,
                  page_weight: bool = True, lighthouse_runs: int = 0, json_path: Path | None = DEFAULT_JSON,
                  log: Callable[[str], None] = print, preview: bool = False) -> dict[str, Any]:
    """Measure every size; return (and write to ``json_path``) the rows, the table and the target checks.
    ``lighthouse_runs`` rounds of Lighthouse on the real site (none by default); with ``preview``, the live
    preview's time at N <= 1,000 and on the real data."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as temporary:
        for n in sizes:
            work = Path(temporary) / f"n{n}"
            work.mkdir()
            runs = repeats if large_repeats is None or n <= 1000 else large_repeats
            stage_runs = stage_repeats or repeats
            log(f"N={n}: generating and measuring ({stage_runs} run(s) of a and b, {runs} of each build)")
            rows.append(measure_size(n, runs, work, baselines=baselines, plain_default_max_n=plain_default_max_n,
                                     browser=browser and n >= 1000, log=log, stage_repeats=stage_runs,
                                     preview=preview and n <= 1000))
            shutil.rmtree(work, ignore_errors=True)
        validation = measure_validation(Path(temporary), runs=repeats)
        real = _measure_real_preview(Path(temporary), log) if preview else None
        weights, lighthouse_rows = _measure_real_site(Path(temporary), page_weight, lighthouse_runs, log)
    checks = check_targets(rows, weights, lighthouse_rows, real) + validation_targets(validation)
    result = {
        "generated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0], "platform": sys.platform},
        "repeats": repeats,
        "large_repeats": large_repeats,
        "lighthouse_runs": lighthouse_runs,
        "stage_repeats": stage_repeats,
        "columns": [{"key": key, "title": title} for key, title, _ in COLUMNS],
        "rows": rows,
        "page_weights": weights,
        "validation": validation,
        "lighthouse": lighthouse_rows,
        "lighthouse_table": format_lighthouse(lighthouse_rows) if lighthouse_rows else None,
        "real_data": real,
        "targets": checks,
        "table": format_table(rows),
    }
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result



def _measure_real_site(work: Path, page_weight: bool, lighthouse_runs: int, log: Callable[[str], None]
                       ) -> tuple[dict[str, Any] | None, list[dict[str, Any]] | None]:
    """The real site's page weights and Lighthouse rows, as asked; a failure is reported and skipped."""
    if not page_weight and not lighthouse_runs:
        return None, None
    weights = lighthouse_rows = None
    try:
        site = build_real_site(work)
        weights = real_page_weights(site) if page_weight else None
        if lighthouse_runs:
            lighthouse_rows = real_site_lighthouse(site, work, lighthouse_runs, log)
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:  # e.g. the real data does not validate
        log(f"the real site was not measured: {str(exc).splitlines()[0]}")
    return weights, lighthouse_rows


def _measure_real_preview(work: Path, log: Callable[[str], None]) -> dict[str, Any] | None:
    """The live preview's time on a copy of the real data; a failure is reported and skipped."""
    try:
        return real_data_preview(work, log)
    except Exception as exc:  # e.g. the real data does not validate today: report, keep the rest
        log(f"the real data's preview not measured: {str(exc).splitlines()[0]}")
        return None


REPRODUCE = ("kb bench --sizes 100,1000,5000 --repeats 3 --stage-repeats 7 --large-repeats 1 --browser "
             "--preview --lighthouse 5 --page docs/performance.md")


def performance_page(result: dict[str, Any]) -> str:
    """The site's Performance page: the latest table, the targets and how to reproduce them."""
    template = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent), autoescape=False,
                                  undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    rows = [r for r in result["rows"] if r["n"] <= 1000] or result["rows"]
    return template.get_template("performance.md.j2").render(result=result, reproduce=REPRODUCE, row=rows[-1])


def _sizes(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part.strip()]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sizes", type=_sizes, default=list(DEFAULT_SIZES),
                        help="entity counts (default 100,1000,5000)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per measurement; the median is reported")
    parser.add_argument("--large-repeats", type=int, default=None,
                        help="runs of each build above N=1000 (default: --repeats)")
    parser.add_argument("--stage-repeats", type=int, default=None,
                        help="runs of a and b, which take seconds, at every size (default: --repeats)")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help=f"where to write the results ({DEFAULT_JSON})")
    parser.add_argument("--no-baselines", action="store_true", help="skip the plain Material baselines")
    parser.add_argument("--browser", action="store_true", help="time the first search result in Chromium (N >= 1000)")
    parser.add_argument("--preview", action="store_true",
                        help="time kb serve from a save to the browser's reload (N <= 1000 and the real data)")
    parser.add_argument("--page", type=Path, default=None,
                        help="also write the site's Performance page here (e.g. docs/performance.md)")
    parser.add_argument("--no-page-weight", action="store_true", help="skip the real site's page weight")
    parser.add_argument("--lighthouse", type=int, nargs="?", const=3, default=0, metavar="RUNS",
                        help="Lighthouse mobile performance of the real site against a plain Material page, "
                             "median of RUNS rounds (default 3); installs Lighthouse with npm on first use")


def run_from_arguments(args: argparse.Namespace) -> int:
    result = run_benchmark(args.sizes, args.repeats, large_repeats=args.large_repeats,
                           stage_repeats=args.stage_repeats,
                           baselines=not args.no_baselines, browser=args.browser,
                           page_weight=not args.no_page_weight, lighthouse_runs=args.lighthouse,
                           json_path=args.json, preview=args.preview)
    print()
    print(result["table"])
    if result["lighthouse_table"]:
        print()
        print(result["lighthouse_table"])
    print()
    print(format_checks(result["targets"]))
    if args.json is not None:
        print(f"\nwrote {args.json}", file=sys.stderr)
    if args.page is not None:
        args.page.parent.mkdir(parents=True, exist_ok=True)
        args.page.write_text(performance_page(result), encoding="utf-8")
        print(f"wrote {args.page}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.split("\n", 1)[0])
    add_arguments(parser)
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "true")
    return run_from_arguments(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
