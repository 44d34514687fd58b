"""``kb bench``: measure the pipeline and the whole site build on synthetic data of growing size.

For each size N it writes a synthetic, schema-valid data folder of N entities (lorem-ipsum text, never
medical content) into a temporary folder, then measures, as the median of several runs:

- (a) load + validate + model, the files shared out between this process and a forked child as ``kb build``
  does (``load_knowledge_base``);
- (b) render to Markdown, the pages shared out the same way (``render_site_pages``);
- (c) the whole build, ``kb build`` of this repository's ``mkdocs.yml`` with ``KB_DATA_DIR`` pointing at the
  synthetic data, in a child process;

plus peak memory (tracemalloc for a and b, each done in one process for that; the child's maximum resident
set for c), the search-index size, the median entity page's HTML size and the total site size. As baselines
it builds the same rendered Markdown pages as a plain Material site with every page in the nav, in the
default configuration (N ≤ 1,000 only: it grows quadratically) and with ``navigation.prune`` (every N).
It prints one table, writes it as JSON and checks the targets of issue 7 (PASS/FAIL; nothing here asserts).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import http.server
import json
import os
import random
import shutil
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

import yaml

REPO = Path(__file__).resolve().parent.parent.parent
DEFAULT_JSON = Path("bench-results/bench.json")
DEFAULT_SIZES = (100, 1000, 5000)
PLAIN_DEFAULT_MAX_N = 1000  # the plain default baseline is quadratic: 188 s at N = 3,000 on 2 cores
# 2026-02-02: after every synthetic review date, so nothing is in the future or stale.
BENCH_EPOCH = "1770000000"
REVIEW_DATE = "2026-01-15"
CHROMIUM = "/usr/bin/chromium"
# What the search timing types: a brand name, as a reader would (it matches every synthetic product's brand).
SEARCH_QUERY = "Loremcel 00042"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]

# Share of each entity type in a synthetic data set (the rest are trials).
_TYPE_SHARES = {"therapy": 0.04, "disease": 0.04, "product": 0.30, "challenge": 0.25}
_PLURALS = {"therapy": "therapies", "disease": "diseases", "product": "products", "trial": "trials",
            "challenge": "challenges"}
_WORDS = tuple(" ".join([
    "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut",
    "labore et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris",
    "nisi aliquip ex ea commodo consequat duis aute irure in reprehenderit voluptate velit esse",
    "cillum eu fugiat nulla pariatur excepteur sint occaecat cupidatat non proident sunt culpa qui",
    "officia deserunt mollit anim id est laborum",
]).split(" "))
_GLOSSARY = {"LQX": "lorem quux", "DSA": "dolor sit amet", "CAE": "consectetur adipiscing elit",
             "MVQ": "minim veniam quis", "UDX": "ullamco dolor extra", "FNP": "fugiat nulla pariatur"}


# --- Synthetic data --------------------------------------------------------------------------------------------

class _Text:
    """Lorem-ipsum text with entity links, citations and glossary abbreviations mixed in."""

    def __init__(self, rng: random.Random, entity_ids: list[str], names: dict[str, str], source_ids: list[str]):
        self.rng, self.entity_ids, self.names, self.source_ids = rng, entity_ids, names, source_ids

    def words(self, count: int) -> str:
        return " ".join(self.rng.choice(_WORDS) for _ in range(count))

    def title(self, count: int = 3) -> str:
        return self.words(count).capitalize()

    def sentence(self, low: int = 8, high: int = 18) -> str:
        return self.words(self.rng.randint(low, high)).capitalize() + "."

    def plain(self, sentences: int) -> str:
        return " ".join(self.sentence() for _ in range(sentences))

    def markdown(self, sentences: int, cited: list[str]) -> str:
        """Sentences with, now and then, an entity link, a citation, emphasis or an abbreviation."""
        out = []
        for _ in range(sentences):
            words = self.words(self.rng.randint(8, 18)).capitalize().split()
            roll = self.rng.random()
            if roll < 0.25:
                target = self.rng.choice(self.entity_ids)
                out.append(" ".join(words) + f" [{self.names[target]}](id:{target}).")
                continue
            if roll < 0.35:
                words[self.rng.randrange(len(words))] = f"*{self.rng.choice(_WORDS)}*"
            elif roll < 0.45:
                words[self.rng.randrange(len(words))] = self.rng.choice(list(_GLOSSARY))
            sentence = " ".join(words) + "."
            if self.rng.random() < 0.4:
                source = self.rng.choice(self.source_ids)
                cited.append(source)
                sentence += f" [@{source}]"
            out.append(sentence)
        return " ".join(out)

    def pick(self, pool: list[str], count: int) -> list[str]:
        return self.rng.sample(pool, min(count, len(pool)))


def _counts(n: int) -> dict[str, int]:
    counts = {name: max(1, round(n * share)) for name, share in _TYPE_SHARES.items()}
    counts["trial"] = max(1, n - sum(counts.values()))
    return counts


def _figures(text: _Text, ids: dict[str, list[str]], count: int) -> list[dict[str, Any]]:
    figures = []
    for index in range(count):
        figure = {
            "measure": f"Synthetic measure {text.title(2).lower()} {index + 1}",
            "category": "other",
            "value": text.rng.randint(1, 999),
            "unit": "cases",
            "statistic": "count",
            "population": f"Synthetic cohort: {text.words(8)}",
            "n": text.rng.randint(10, 500),
            "follow_up": f"{text.rng.randint(1, 60)} lorem units",
            "as_of": "2025",
            "evidence_level": text.rng.choice(["review", "secondary-report", "registry"]),
            "sources": text.pick(text.source_ids, 2),
        }
        if text.rng.random() < 0.5:
            figure["note"] = text.sentence()
        if text.rng.random() < 0.5:
            figure["therapy"] = text.rng.choice(ids["therapy"])
        figures.append(figure)
    return figures


def _sections(text: _Text, cited: list[str], count: int) -> list[dict[str, Any]]:
    # Two sections more than asked, of eight sentences: a synthetic page then gives search at least as much
    # text as the median real entity page (issue 16 measures search on such pages).
    return [{"title": f"Section {text.title()}", "body": text.markdown(8, cited),
             "sources": text.pick(text.source_ids, 1)} for _ in range(count + 2)]


def _common(text: _Text, entity_id: str, cited: list[str]) -> dict[str, Any]:
    return {
        "name": text.names[entity_id],
        "aliases": [f"{text.title(2)} {entity_id.rsplit('-', 1)[1]}"],
        "summary": text.markdown(4, cited),
        "plain_summary": text.markdown(4, cited),
    }


def _closing(text: _Text, entity_id: str, cited: list[str]) -> dict[str, Any]:
    related = [i for i in text.pick(text.entity_ids, 4) if i != entity_id]
    return {
        "related": related,
        "sources": list(dict.fromkeys([*text.pick(text.source_ids, 3), *cited[:2]])),
        "last_reviewed": REVIEW_DATE,
        "reviewed_by": "Synthetic benchmark team",
        "review_history": [{"date": REVIEW_DATE, "change": "Synthetic benchmark entry, lorem ipsum."}],
    }


def _entity(type_name: str, entity_id: str, text: _Text, ids: dict[str, list[str]]) -> dict[str, Any]:
    cited: list[str] = []
    data = _common(text, entity_id, cited)
    rng = text.rng
    if type_name == "therapy":
        data.update({
            "kind": "other", "status": "investigational", "cell_source": text.sentence(),
            "off_the_shelf": rng.random() < 0.5, "curative_intent": text.sentence(),
            "mechanism": text.markdown(5, cited),
            "steps": [{"title": text.title(2), "description": text.markdown(2, cited)} for _ in range(4)],
            "eligibility": text.markdown(3, cited),
            "figures": _figures(text, ids, 2),
            "risks": [{"challenge": c, "note": text.markdown(1, cited)} for c in text.pick(ids["challenge"], 2)],
            "research": [text.markdown(1, cited) for _ in range(2)],
            "diseases": text.pick(ids["disease"], 2),
            "sections": _sections(text, cited, 2),
        })
    elif type_name == "product":
        data.update({
            "brand": f"Loremcel {entity_id.rsplit('-', 1)[1]}", "therapy": rng.choice(ids["therapy"]),
            "status": "investigational", "detail": "brief",
            "manufacturer": f"Ipsum Synthetic Labs {rng.randint(1, 99)}",
            "target": f"Lorem antigen {rng.randint(1, 40)}",
            "construct": {"binder": text.title(3), "vector": text.words(2), "cell_source": "autologous",
                          "sources": text.pick(text.source_ids, 1)},
            "indications": [{"disease": d, "description": text.sentence(), "sources": text.pick(text.source_ids, 1)}
                            for d in text.pick(ids["disease"], 2)],
            "pivotal_trials": text.pick(ids["trial"], 2),
            "figures": _figures(text, ids, 2),
            "sections": _sections(text, cited, 2),
        })
    elif type_name == "trial":
        data.update({
            "phase": rng.choice(["phase 1", "phase 1/2", "phase 2"]), "design": f"Synthetic design: {text.words(6)}",
            "population": f"Synthetic population: {text.words(8)}",
            "enrollment": {"enrolled": rng.randint(10, 400), "as_of": "2025", "sources": text.pick(text.source_ids, 1)},
            "therapy": rng.choice(ids["therapy"]), "products": text.pick(ids["product"], 2),
            "diseases": text.pick(ids["disease"], 1),
            "endpoints": {"primary": [text.sentence()], "secondary": [text.sentence(), text.sentence()]},
            "figures": _figures(text, ids, 3),
            "sections": _sections(text, cited, 2),
        })
    elif type_name == "disease":
        data.update({
            "abbreviation": f"LX{entity_id.rsplit('-', 1)[1]}",
            "therapy_status": [{"therapy": t, "status": "investigational", "note": text.markdown(1, cited),
                                "sources": text.pick(text.source_ids, 1)} for t in text.pick(ids["therapy"], 3)],
            "sections": _sections(text, cited, 3),
        })
    else:  # challenge
        data.update({
            "category": rng.choice(["access", "durability", "relapse"]),
            "mechanism": text.markdown(4, cited),
            "grading": {"system": f"Synthetic lorem scale {rng.randint(1, 9)}", "description": text.markdown(1, cited),
                        "columns": ["Grade", "Lorem", "Ipsum"],
                        "rows": [[str(g), text.words(3), text.words(4)] for g in range(1, 5)],
                        "sources": text.pick(text.source_ids, 1)},
            "figures": _figures(text, ids, 2),
            "management": text.markdown(4, cited),
            "research": [text.markdown(1, cited) for _ in range(2)],
            "therapies": text.pick(ids["therapy"], 2),
            "sections": _sections(text, cited, 2),
        })
    data.update(_closing(text, entity_id, cited))
    return data


def _dump(path: Path, header: str, data: dict[str, Any]) -> None:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    body = yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True, width=110, default_flow_style=False)
    path.write_text(f"{header}\n{body}", encoding="utf-8")


def generate_dataset(root: Path, n: int, *, seed: int = 7, schema_dir: Path | None = None) -> Path:
    """Write a synthetic, schema-valid data folder of ``n`` entities (five types) to ``root``; return it."""
    rng = random.Random(seed)
    shutil.copytree(schema_dir or REPO / "data" / "schema", root / "schema")
    ids = {t: [f"synth-{t}-{i:05d}" for i in range(1, c + 1)] for t, c in _counts(n).items()}
    entity_ids = [i for group in ids.values() for i in group]
    names = {i: f"Lorem {i.split('-')[1]} {i.rsplit('-', 1)[1]}" for i in entity_ids}
    # One source per two entities: the bibliography stays under the 1 MB file limit at N = 5,000.
    source_ids = [f"synth-source-{i:05d}" for i in range(1, max(10, n // 2) + 1)]
    text = _Text(rng, entity_ids, names, source_ids)
    sources = {s: {"kind": "web",
                   "citation": f"Lorem I, Ipsum D ({2000 + k % 25}). Synthetic benchmark source {k + 1}: "
                               f"{text.words(8)}.",
                   "url": f"https://example.org/synthetic/{s}", "note": f"Synthetic: {text.words(6)}"}
               for k, s in enumerate(source_ids)}
    _dump(root / "sources.yaml", "# yaml-language-server: $schema=schema/sources.schema.json", sources)
    glossary = {abbr: {"term": term, "definition": f"Synthetic glossary entry: {text.sentence()}"}
                for abbr, term in _GLOSSARY.items()}
    _dump(root / "glossary.yaml", "# yaml-language-server: $schema=schema/glossary.schema.json", glossary)
    for type_name, group in ids.items():
        folder = root / _PLURALS[type_name]
        folder.mkdir(parents=True, exist_ok=True)
        header = f"# yaml-language-server: $schema=../schema/{type_name}.schema.json"
        for entity_id in group:
            _dump(folder / f"{entity_id}.yaml", header, _entity(type_name, entity_id, text, ids))
    return root


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


def _site_metrics(site: Path, entity_pages: list[str]) -> dict[str, float]:
    """Search-index size, median entity page HTML size and total size of a built site."""
    index = _tree_bytes(site / "search") if (site / "search").exists() else 0  # every file of the search index
    sizes = [(site / page.removesuffix(".md") / "index.html").stat().st_size for page in entity_pages]
    return {
        "search_index_kb": index / 1024,
        "search_index_per_page_kb": index / 1024 / len(entity_pages),
        "page_html_kb": statistics.median(sizes) / 1024,
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
                 stage_repeats: int | None = None) -> dict[str, Any]:
    """Every measurement for one size; ``work`` is an empty temporary folder. ``repeats`` runs of each build;
    a and b, which take seconds where a build takes minutes, ``stage_repeats`` runs (default ``repeats``)."""
    from kb.pipeline import load_knowledge_base
    from kb.render import render_site_pages

    data_root = generate_dataset(work / "data", n)
    row: dict[str, Any] = {"n": n, "data_mb": _tree_bytes(data_root) / 1e6}
    with _environment(SOURCE_DATE_EPOCH=BENCH_EPOCH):
        load_times, render_times = [], []
        for _ in range(stage_repeats or repeats):
            # Each run starts as a fresh build would: nothing left in memory from the run before.
            knowledge_base = pages = None
            gc.collect()
            seconds, knowledge_base = _timed(lambda: load_knowledge_base(data_root, split=True))
            load_times.append(seconds)
            seconds, pages = _timed(lambda kb=knowledge_base: render_site_pages(kb, split=True))
            render_times.append(seconds)
        row["load_validate_s"] = statistics.median(load_times)
        row["render_s"] = statistics.median(render_times)
        row["load_validate_peak_mb"] = _peak_traced(lambda: load_knowledge_base(data_root))
        row["render_peak_mb"] = _peak_traced(lambda: render_site_pages(knowledge_base))
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
            row["search_ms"], row["search_kb"] = measure_search_latency(site.resolve(), query=SEARCH_QUERY)
            row["search_worst_ms"], _ = measure_search_latency(site.resolve(), query="lorem")
            log(f"  N={n}: first search result {row['search_ms']:.0f} ms after navigation, "
                f"{row['search_kb']:.0f} KB fetched; 'lorem' {row['search_worst_ms']:.0f} ms")
        except Exception as exc:  # a missing browser must not cost the rest of the run
            log(f"  N={n}: the browser measurement failed: {str(exc).splitlines()[0]}")

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
            row[f"plain_{name}_s"] = seconds
            row[f"plain_{name}_page_kb"] = metrics["page_html_kb"]
            row[f"plain_{name}_site_mb"] = metrics["site_mb"]
            log(f"  N={n}: plain {name} {seconds:.2f} s, page {metrics['page_html_kb']:.1f} KB")
            shutil.rmtree(plain_site, ignore_errors=True)
    shutil.rmtree(site.resolve(), ignore_errors=True)
    return row


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


def measure_search_latency(site: Path, query: str, runs: int = 7) -> tuple[float, float]:
    """Median ms from navigation start to the first search result shown, and median KB fetched until then.

    Each run: a new browser context (nothing cached), open the home page, at its load event type ``query`` into
    the search box (keyboard.type(), as a reader types; Material ignores fill()), wait for the first result.
    The page records when the first result appears (performance.now() counts from navigation start); the
    bytes are the response bodies of every request, the search worker's included, finished by then.
    """
    from playwright.sync_api import sync_playwright

    first_result = """new MutationObserver((_, observer) => {
        if (document.querySelector(".md-search-result__item")) {
            window.kbFirstResult = performance.now(); observer.disconnect() }
    }).observe(document, {childList: true, subtree: true})"""
    times, kilobytes = [], []
    with _serve(site) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for _ in range(runs):
                context = browser.new_context()
                context.add_init_script(first_result)
                finished: list[tuple[float, Any]] = []
                context.on("requestfinished",
                           lambda request, finished=finished: finished.append((time.perf_counter(), request)))
                page = context.new_page()
                page.goto(url, wait_until="load")
                page.keyboard.press("/")
                page.keyboard.type(query)
                page.wait_for_selector(".md-search-result__item", timeout=60000)
                shown = page.wait_for_function("window.kbFirstResult").json_value()
                until = time.perf_counter()
                times.append(shown)
                kilobytes.append(sum(request.sizes()["responseBodySize"] for at, request in finished if at <= until)
                                 / 1024)
                context.close()
        finally:
            browser.close()
    return statistics.median(times), statistics.median(kilobytes)


# --- Page weight of the real site ------------------------------------------------------------------------------

def real_page_weights(work: Path) -> dict[str, Any]:
    """Build the real site; the heaviest page with and without diagrams: HTML + CSS + JS (no search index/worker)."""
    import re

    site = work / "real-site"
    command = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(REPO / "mkdocs.yml"), "-d", str(site)]
    run = _run_child(command, cwd=REPO, env=_child_env(synthetic=False), log=work / "real.log")
    if run.returncode != 0:
        raise RuntimeError(f"the real site did not build:\n{run.output[-3000:]}")
    asset = re.compile(r"<(?:script[^>]*\bsrc|link[^>]*\bhref)=\"([^\"#?]+)[^\"]*\"[^>]*>")
    heaviest: dict[str, dict[str, Any]] = {}
    for html in site.rglob("index.html"):
        text = html.read_text(encoding="utf-8")
        total, script_bytes = html.stat().st_size, 0
        for reference in set(asset.findall(text)):
            if "://" in reference or not reference.endswith((".js", ".css")) or "search" in reference.split("/")[-1]:
                continue
            path = (html.parent / reference).resolve()
            if path.is_file():
                total += path.stat().st_size
                script_bytes += path.stat().st_size if reference.endswith(".js") else 0
        kind = "with_diagrams" if ("mermaid" in text or "<svg class=\"kb-diagram" in text) else "without_diagrams"
        if total > heaviest.get(kind, {}).get("kb", 0) * 1024:
            heaviest[kind] = {"page": html.parent.relative_to(site).as_posix() + "/", "kb": total / 1024,
                              "js_kb": script_bytes / 1024}
    shutil.rmtree(site, ignore_errors=True)
    return heaviest


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
    ("site_mb", "site MB", "{:.1f}"),
    ("plain_default_s", "plain s", "{:.1f}"),
    ("plain_default_page_kb", "plain page KB", "{:.0f}"),
    ("plain_default_site_mb", "plain site MB", "{:.0f}"),
    ("plain_prune_s", "prune s", "{:.1f}"),
    ("plain_prune_page_kb", "prune page KB", "{:.0f}"),
    ("plain_prune_site_mb", "prune site MB", "{:.0f}"),
    ("search_ms", "first result ms", "{:.0f}"),
    ("search_kb", "KB before result", "{:,.0f}"),
    ("search_worst_ms", "'lorem' ms", "{:.0f}"),
]


def format_table(rows: list[dict[str, Any]]) -> str:
    """The results as one Markdown table (it reads fine in a terminal too)."""
    header = "| " + " | ".join(title for _, title, _ in COLUMNS) + " |"
    lines = [header, "|" + "|".join("---:" for _ in COLUMNS) + "|"]
    for row in rows:
        cells = [fmt.format(row[key]) if row.get(key) is not None else "—" for key, _, fmt in COLUMNS]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def check_targets(rows: list[dict[str, Any]], page_weights: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The targets of issue 7 that these rows can decide; each PASS, FAIL or SKIP (not measured)."""
    by_n = {row["n"]: row for row in rows}
    checks: list[dict[str, Any]] = []

    def add(name: str, value: float | None, limit: float, detail: str) -> None:
        status = "SKIP" if value is None else ("PASS" if value <= limit else "FAIL")
        checks.append({"target": name, "value": value, "limit": limit, "status": status, "detail": detail})

    r1000, r5000, r100 = by_n.get(1000), by_n.get(5000), by_n.get(100)
    if r1000 and r1000.get("plain_default_s"):
        add("build(1000) <= 0.3 x plain default", r1000["build_s"] / r1000["plain_default_s"], 0.3,
            f"{r1000['build_s']:.1f} s vs {r1000['plain_default_s']:.1f} s")
    else:
        add("build(1000) <= 0.3 x plain default", None, 0.3, "needs N=1000 with baselines")
    if r1000 and r1000.get("plain_prune_s"):
        add("build(1000) <= plain prune", r1000["build_s"] / r1000["plain_prune_s"], 1.0,
            f"{r1000['build_s']:.1f} s vs {r1000['plain_prune_s']:.1f} s")
    else:
        add("build(1000) <= plain prune", None, 1.0, "needs N=1000 with baselines")
    for row in rows:
        if row.get("plain_prune_s") and row["n"] != 1000:
            add(f"build({row['n']}) <= plain prune", row["build_s"] / row["plain_prune_s"], 1.0,
                f"{row['build_s']:.1f} s vs {row['plain_prune_s']:.1f} s, informative")
            checks[-1]["status"] = "INFO"
    if r1000 and r5000:
        add("build(5000)/build(1000) <= 6", r5000["build_s"] / r1000["build_s"], 6.0, "linear build")
        ab = (r5000["load_validate_s"] + r5000["render_s"]) / (r1000["load_validate_s"] + r1000["render_s"])
        add("(a+b)(5000)/(a+b)(1000) <= 6", ab, 6.0, "linear load, validate and render")
    else:
        add("build(5000)/build(1000) <= 6", None, 6.0, "needs N=1000 and N=5000")
        add("(a+b)(5000)/(a+b)(1000) <= 6", None, 6.0, "needs N=1000 and N=5000")
    if r100 and r5000:
        add("page HTML(5000)/page HTML(100) <= 1.2", r5000["page_html_kb"] / r100["page_html_kb"], 1.2,
            f"{r100['page_html_kb']:.1f} KB -> {r5000['page_html_kb']:.1f} KB")
    else:
        add("page HTML(5000)/page HTML(100) <= 1.2", None, 1.2, "needs N=100 and N=5000")
    for row in rows:
        # Fixed costs (schemas, templates) dominate tiny data sets: the per-entity targets are about scale.
        informative = "" if row["n"] >= 1000 else "informative below N=1000"
        before = len(checks)
        add(f"(a+b) ms/entity at N={row['n']} <= 1", row["ms_per_entity_ab"], 1.0, informative)
        add(f"(a+b)/build at N={row['n']} <= 10%", row["ab_share_of_build"], 0.10, informative)
        if informative:
            for check in checks[before:]:
                check["status"] = "INFO"
    timed = f"Chromium, from navigation start, typing {SEARCH_QUERY!r} at load (--browser)"
    add("first search result at N=1000 <= 500 ms", by_n.get(1000, {}).get("search_ms"), 500, timed)
    add("first search result at N=5000 <= 1500 ms", by_n.get(5000, {}).get("search_ms"), 1500, timed)
    if page_weights:
        plain_page = page_weights.get("without_diagrams")
        if plain_page:
            add("real page without diagrams < 500 KB", plain_page["kb"], 500, plain_page["page"])
            add("its JavaScript < 150 KB", plain_page["js_kb"], 150, "without Material's search worker")
        diagram_page = page_weights.get("with_diagrams")
        if diagram_page:
            checks.append({"target": "real page with diagrams (reported)", "value": diagram_page["kb"], "limit": None,
                           "status": "INFO", "detail": f"{diagram_page['page']}, JS {diagram_page['js_kb']:.0f} KB"})
    else:
        add("real page without diagrams < 500 KB", None, 500, "not measured")
    return checks


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
                  page_weight: bool = True, json_path: Path | None = DEFAULT_JSON,
                  log: Callable[[str], None] = print) -> dict[str, Any]:
    """Measure every size; return (and write to ``json_path``) the rows, the table and the target checks."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as temporary:
        for n in sizes:
            work = Path(temporary) / f"n{n}"
            work.mkdir()
            runs = repeats if large_repeats is None or n <= 1000 else large_repeats
            stage_runs = stage_repeats or repeats
            log(f"N={n}: generating and measuring ({stage_runs} run(s) of a and b, {runs} of each build)")
            rows.append(measure_size(n, runs, work, baselines=baselines, plain_default_max_n=plain_default_max_n,
                                     browser=browser and n >= 1000, log=log, stage_repeats=stage_runs))
            shutil.rmtree(work, ignore_errors=True)
        weights = None
        if page_weight:
            try:
                weights = real_page_weights(Path(temporary))
            except RuntimeError as exc:  # e.g. the real data does not validate today: report, keep the rest
                log(f"page weight of the real site not measured: {str(exc).splitlines()[0]}")
    checks = check_targets(rows, weights)
    result = {
        "generated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0], "platform": sys.platform},
        "repeats": repeats,
        "large_repeats": large_repeats,
        "stage_repeats": stage_repeats,
        "columns": [{"key": key, "title": title} for key, title, _ in COLUMNS],
        "rows": rows,
        "page_weights": weights,
        "targets": checks,
        "table": format_table(rows),
    }
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


REPRODUCE = ("kb bench --sizes 100,1000,5000 --repeats 3 --stage-repeats 7 --large-repeats 1 --browser "
             "--page docs/performance.md")


def performance_page(result: dict[str, Any]) -> str:
    """The site's Performance page: the latest table, the targets and how to reproduce them."""
    machine = result["machine"]
    runs = f"median of {result['repeats']} run{'s' if result['repeats'] != 1 else ''}" + (
        f" ({result['large_repeats']} for each build above N = 1,000)" if result.get("large_repeats") else "") + (
        f"; a and b, which take seconds, the median of {result['stage_repeats']}" if result.get("stage_repeats")
        else "")
    checks = "\n".join(f"| {c['target']} | {'—' if c['value'] is None else format(c['value'], '.3g')} | "
                       f"**{c['status']}** | {c['detail']} |" for c in result["targets"])
    return f"""---
title: Performance
description: How fast the site builds as the knowledge base grows, measured on synthetic data.
last_reviewed: '{result['generated'][:10]}'
---

# Performance

The site is built from one YAML file per entity. To make sure that it stays fast as the knowledge base
grows, `kb bench` generates synthetic data sets of N entities (lorem-ipsum text with the shape, length and
cross-references of real entries; not medical content), then measures the pipeline and the whole build.
As baselines it builds the same Markdown pages as a plain MkDocs Material site, once with every page in the
navigation (default configuration, N ≤ 1,000 only) and once with `navigation.prune`.

## Latest results

Measured {result['generated']} on {machine['cpus']} CPU cores, Python {machine['python']}; times are the
{runs}.

{result['table']}

- **a**: load and validate every file and build the model; **b**: render every page to Markdown. In both,
  as in `kb build`, two processes share the work out (see "Both cores" below).
- **c**: the whole `kb build` (validation, MkDocs, Material, search index) in a child process.
- **peak MB**: Python allocations (tracemalloc) for a and b, each done in one process; the child's peak
  resident memory for c.
- **page HTML KB**: the median entity page; **index KB/page**: the search index (every file) divided by N.
- **plain** / **prune**: the same pages as a plain Material site, every page in the nav, without and with
  `navigation.prune`.
- **first result ms**: Chromium, a new browser context each time, from navigation start on the home page
  (the query typed at the load event) to the first search result shown, median of seven runs;
  **KB before result**: what the browser fetched by then; **'lorem' ms**: the same for `lorem`, which
  matches nearly every synthetic section (the worst case).

## What keeps it fast

- **No entity in the navigation.** Entity pages are reached from their type's index page, so a page's HTML
  does not grow with the number of entities and the build stays linear.
- **Both cores.** A build forks a second process (it starts with everything already in memory) that loads,
  checks and renders data files alongside the first: each process takes the next chunk of files whenever it
  is free, so neither waits for the other, and the child's results come back through shared memory
  (`marshal`, several times faster than `pickle`). It also converts the last half of the entity pages to
  HTML while MkDocs converts the others. The site is the same byte for byte with or without it; below 200
  entities, or while previewing with `kb serve`, everything runs in one process.
- **Finished HTML skips Python-Markdown.** The templates write tables, lists, figures, related links,
  references and numbered citations as HTML. Python-Markdown would parse every tag of it twice only to copy
  it unchanged, so it is set aside while a page is converted and put back after.
- **Abbreviations are marked in one pass** over each finished page instead of by the `abbr` extension.
- **The search index is built with the site, and loaded in parts.** Search indexes every section of every
  page. Material's worker would build that index in the reader's browser on every page load; instead the
  build writes it (lunr's scores, split into shards), and the browser loads the vocabulary and section
  titles first, then only the postings of the words a query matches and the text of the results shown.
- **Validation compiles each schema to Python** (fastjsonschema) to clear valid files fast; only a file that
  fails is checked again by jsonschema, which words the error messages. libyaml's C parser reads the YAML.
- **Templates and schemas are compiled once per process**, each file is read once, and back-links come from
  one index built with the model rather than from a scan per page.
- **Links found by a pattern that starts with a fixed character.** Checking and rendering data text look
  for links and citations in every text. A pattern that may start with `!` (an image) is tried at every
  position; starting it at the `[`, and looking for the `!` only before a match, made both several times
  faster (a property test checks that the matches are the same).
- **Positions only when needed.** Every problem names its file, line and column, but the loader does not
  record a position for every YAML node: a file is read again for positions only when a problem is found
  in it. Python's cycle collector is paused while the data is loaded and checked and the pages are
  rendered, which make no cycles (or few), and what was made meanwhile then goes straight to the collector's
  oldest generation.
- **No hidden scan of every entity per page.** Each page's Related section intersects the few ids it links
  with the entities from the small side; the other way round walked all N entities on every page, which made
  rendering at N = 5,000 a sixth slower than it should be.
- **Only what the model needs comes back from the checks.** A check hands back the links between entities
  and, per entity, the ids of the sources it cites: most references are citations, and the model needs
  nothing else of them.

## Where the time goes

{_where_the_time_goes(result)}

## Targets

| Target | Value | Status | Detail |
|---|---|---|---|
{checks}

## Reproduce

```bash
.venv/bin/{REPRODUCE}
```

The table is also written to `bench-results/bench.json`. `--sizes`, `--repeats` and `--no-baselines` make
shorter runs; `--browser` needs Chromium at `/usr/bin/chromium`.
"""


def _where_the_time_goes(result: dict[str, Any]) -> str:
    """The run's own N = 1,000 figures (or its largest N below that) in words."""
    rows = [r for r in result["rows"] if r["n"] <= 1000] or result["rows"]
    row = rows[-1]
    return (f"At N = {row['n']:,} in this run, loading and checking the data took {row['load_validate_s']:.2f} s "
            f"and rendering the Markdown {row['render_s']:.2f} s (both split between the two cores), "
            f"{row['ab_share_of_build']:.0%} of the {row['build_s']:.1f} s build. The rest is MkDocs and Material: "
            "converting the pages to HTML (also split between two processes), then Material's page template, the "
            "search index and writing the files, which MkDocs does one page at a time in one process, and starting "
            "Python. What is left of loading, checking and rendering is Python work per YAML node (libyaml's events), "
            "per text field (the safety checks) and per template call (Jinja), plus handing results back from "
            "the forked process.")


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
    parser.add_argument("--page", type=Path, default=None,
                        help="also write the site's Performance page here (e.g. docs/performance.md)")
    parser.add_argument("--no-page-weight", action="store_true", help="skip the real site's page weight")


def run_from_arguments(args: argparse.Namespace) -> int:
    result = run_benchmark(args.sizes, args.repeats, large_repeats=args.large_repeats,
                           stage_repeats=args.stage_repeats,
                           baselines=not args.no_baselines, browser=args.browser,
                           page_weight=not args.no_page_weight, json_path=args.json)
    print()
    print(result["table"])
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
