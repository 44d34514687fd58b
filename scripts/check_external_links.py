"""Check, over the network, that every link of every source in ``data/sources.yaml`` still answers.

This is a manual (or scheduled) command. It is NOT part of CI or ``scripts/test.sh``: it needs the network,
its results change with the outside world, and the tests run offline. The offline half, that every
identifier and URL is well-formed, is ``tests/test_citation_links.py``.

Usage::

    .venv/bin/python scripts/check_external_links.py                 # every link, text report
    .venv/bin/python scripts/check_external_links.py --only-problems # hide the links that answered
    .venv/bin/python scripts/check_external_links.py --format json > link-report.json
    .venv/bin/python scripts/check_external_links.py --format markdown > link-issue.md  # the weekly issue
    .venv/bin/python scripts/check_external_links.py --timeout 20 --concurrency 4 --per-host 1

For each source the links the site shows are checked: PubMed (``pmid``), doi.org (``doi``),
ClinicalTrials.gov (``nct``) and the source's own ``url``. Each distinct address is requested once, with a
``HEAD`` request, falling back to ``GET`` (headers only, the body is not read) when the server refuses or
mishandles ``HEAD``. Requests run in parallel, bounded overall (``--concurrency``) and per host
(``--per-host``), each with a timeout; redirects are followed and reported.

Every link gets one verdict:

- ``ok``: a 2xx answer (with the final address when it redirected, e.g. an ``http://`` link that now lives
  at ``https://``: worth updating in the data);
- ``unverified``: the server answered 401, 403, 429 or 5xx, or timed out. Publishers' bot protection does
  this to working links, so open these in a browser before changing anything;
- ``broken``: 404 or 410, any other 4xx, an unknown host, a refused connection or a TLS failure.

Broken and unverified links are printed as ``data/sources.yaml:LINE:COL: error|warning: …`` at the field
that holds the link. The exit code is 1 when any link is broken, else 0 (so a scheduled job can alert), and 2
when no link could be reached at all (no network).

``--format markdown`` writes the body of the issue that the weekly workflow (.github/workflows/links.yml) opens:
the broken links in a table, each at its line in ``data/sources.yaml``, and the unverified ones folded away.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import ssl
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from kb.data.load import Document, load_document
from kb.model import Source

USER_AGENT = "leukemia-cell-therapy-kb-link-check/1.0 (manual run of scripts/check_external_links.py)"
HEAD_REFUSED = {400, 403, 404, 405, 406, 429, 500, 501, 502, 503}  # retried with GET: many servers mishandle HEAD
UNVERIFIED = {401, 403, 429}


@dataclass
class Link:
    """One address to check and every place in the data that shows it."""

    url: str
    cited_as: list[tuple[str, str, int, int]] = field(default_factory=list)  # (source id, label, line, column)


@dataclass
class Verdict:
    url: str
    verdict: str  # ok | unverified | broken
    status: int | None
    detail: str
    final_url: str | None
    seconds: float
    method: str


def collect_links(document: Document) -> dict[str, Link]:
    """Every distinct address the site would show for the bibliography, with where each comes from."""
    links: dict[str, Link] = {}
    field_of_label = {"PubMed": "pmid", "doi": "doi", "NCT": "nct"}
    for source_id, data in document.data.items():
        if not isinstance(data, dict):
            continue
        for label, url in Source(source_id, data).links:
            name = next((f for prefix, f in field_of_label.items() if label.startswith(prefix)), "url")
            line, column = document.where((source_id, name))
            links.setdefault(url, Link(url)).cited_as.append((source_id, label, line, column))
    return links


class HostLimiter:
    """At most ``limit`` requests at a time to any one host, to stay polite."""

    def __init__(self, limit: int):
        self.limit = limit
        self.lock = threading.Lock()
        self.semaphores: dict[str, threading.Semaphore] = defaultdict(lambda: threading.Semaphore(self.limit))

    def for_url(self, url: str) -> threading.Semaphore:
        with self.lock:
            return self.semaphores[urlsplit(url).hostname or ""]


def request(url: str, method: str, timeout: float) -> tuple[int, str]:
    """(status, final URL) of one request; the body is never read. Raises on network errors."""
    req = urllib.request.Request(url, method=method, headers={
        "User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, response.geturl()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.geturl() or url


def check(url: str, timeout: float, limiter: HostLimiter) -> Verdict:
    start = time.perf_counter()
    if urlsplit(url).scheme not in ("http", "https"):
        return Verdict(url, "broken", None, "not an http(s) address", None, 0.0, "-")
    with limiter.for_url(url):
        method = "HEAD"
        try:
            status, final = request(url, "HEAD", timeout)
            if status in HEAD_REFUSED:
                method = "GET"
                status, final = request(url, "GET", timeout)
        except TimeoutError:
            return Verdict(url, "unverified", None, f"timed out after {timeout:g} s", None,
                           time.perf_counter() - start, method)
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError):
                return Verdict(url, "unverified", None, f"timed out after {timeout:g} s", None,
                               time.perf_counter() - start, method)
            kind = "TLS error" if isinstance(reason, ssl.SSLError) else "cannot connect"
            return Verdict(url, "broken", None, f"{kind}: {reason}", None, time.perf_counter() - start, method)
        except (OSError, ValueError, http.client.HTTPException) as exc:
            return Verdict(url, "broken", None, f"{type(exc).__name__}: {exc}", None,
                           time.perf_counter() - start, method)
    seconds = time.perf_counter() - start
    moved = final if final and final != url else None
    if 200 <= status < 300:
        return Verdict(url, "ok", status, f"HTTP {status}", moved, seconds, method)
    if status in UNVERIFIED or status >= 500:
        return Verdict(url, "unverified", status, f"HTTP {status} (may be bot protection; open it in a browser)",
                       moved, seconds, method)
    return Verdict(url, "broken", status, f"HTTP {status}", moved, seconds, method)


def _cell(text: str) -> str:
    """Plain text in a Markdown table cell: no markup, no HTML, no column break."""
    return re.sub(r"([\\`*_\[\]<>|#!~])", r"\\\1", " ".join(str(text).split()))


def _code(text: str) -> str:
    """A code span in a Markdown table cell (an address shown exactly, never as markup)."""
    return "`" + " ".join(str(text).split()).replace("`", "%60").replace("|", "%7C") + "`"


def markdown_report(verdicts: list[Verdict], links: dict[str, Link], shown_path: str, *, elapsed: float,
                    limit: int = 300) -> str:
    """The issue body: every broken link (a table, one row per place that cites it), then the unverified ones."""
    counts = {kind: sum(v.verdict == kind for v in verdicts) for kind in ("ok", "unverified", "broken")}
    lines = [f"The weekly check of the bibliography (`{shown_path}`) found **{counts['broken']} broken** and "
             f"{counts['unverified']} unverified link(s) among {len(verdicts)} ({counts['ok']} answered), "
             f"in {elapsed:.0f} s.", "",
             "Open each link in a browser before changing the data: publishers sometimes refuse automated "
             "requests. Fix a broken link in the source's entry (a newer address, the DOI or the PubMed ID), then "
             "run `kb validate`. Run the check yourself with `.venv/bin/python scripts/check_external_links.py "
             "--only-problems`.", ""]

    def rows(kind: str) -> list[str]:
        found = []
        for verdict in sorted((v for v in verdicts if v.verdict == kind), key=lambda v: v.url):
            for source_id, label, line, column in links[verdict.url].cited_as:
                found.append(f"| `{source_id}` | {_cell(label)} | {_code(verdict.url)} | {_cell(verdict.detail)} | "
                             f"`{shown_path}:{line}:{column}` |")
        if len(found) > limit:
            found = [*found[:limit], f"| … | and {len(found) - limit} more | | | |"]
        return found

    header = ["| Source | Link | Address | Result | Where |", "|---|---|---|---|---|"]
    broken = rows("broken")
    lines += ["## Broken", ""] + ([*header, *broken] if broken else ["None."])
    unverified = rows("unverified")
    if unverified:
        lines += ["", "<details><summary>Unverified (refused, rate-limited or timed out: probably fine, worth a "
                      "look)</summary>", "", *header, *unverified, "", "</details>"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--data", type=Path, default=Path("data"), help="data folder (default: data)")
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds per request (default: 15)")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight at once (default: 8)")
    parser.add_argument("--per-host", type=int, default=2, help="requests in flight per host (default: 2)")
    parser.add_argument("--format", choices=["text", "json", "markdown"], default="text")
    parser.add_argument("--only-problems", action="store_true", help="do not list the links that answered")
    args = parser.parse_args(argv)

    path = args.data / "sources.yaml"
    document, problems = load_document(path, args.data)
    if document is None:
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1
    links = collect_links(document)
    limiter = HostLimiter(max(1, args.per_host))
    print(f"checking {len(links)} distinct link(s) from {len(document.data)} source(s) in {path} …", file=sys.stderr)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, args.concurrency)) as pool:
        verdicts = list(pool.map(lambda url: check(url, args.timeout, limiter), links))
    elapsed = time.perf_counter() - started

    counts = {kind: sum(v.verdict == kind for v in verdicts) for kind in ("ok", "unverified", "broken")}
    if args.format == "markdown":
        sys.stdout.write(markdown_report(verdicts, links, document.shown_path, elapsed=elapsed))
    elif args.format == "json":
        print(json.dumps({"elapsed_seconds": round(elapsed, 1), "counts": counts, "links": [
            {**asdict(v), "seconds": round(v.seconds, 2), "cited_as": [
                {"source": s, "label": label, "line": line, "column": column}
                for s, label, line, column in links[v.url].cited_as]}
            for v in verdicts]}, indent=2))
    else:
        order = {"broken": 0, "unverified": 1, "ok": 2}
        for verdict in sorted(verdicts, key=lambda v: (order[v.verdict], v.url)):
            if verdict.verdict == "ok" and args.only_problems:
                continue
            moved = f" -> {verdict.final_url}" if verdict.final_url else ""
            if verdict.verdict == "ok":
                print(f"ok          {verdict.seconds:5.1f}s {verdict.url}{moved}")
                continue
            severity = "error" if verdict.verdict == "broken" else "warning"
            for source_id, label, line, column in links[verdict.url].cited_as:
                print(f"{document.shown_path}:{line}:{column}: {severity}: {source_id}: {label} {verdict.url}: "
                      f"{verdict.verdict}, {verdict.detail} ({verdict.method}, {verdict.seconds:.1f} s){moved}")
        plain_http = sum(url.startswith("http://") for url in links)
        print(f"{counts['ok']} ok, {counts['unverified']} unverified, {counts['broken']} broken "
              f"of {len(verdicts)} link(s) in {elapsed:.0f} s; {plain_http} use http://", file=sys.stderr)
    if verdicts and all(v.detail.startswith("cannot connect") for v in verdicts):
        print("no link could be reached at all: is this machine offline?", file=sys.stderr)
        return 2
    return 1 if counts["broken"] else 0


if __name__ == "__main__":
    sys.exit(main())
