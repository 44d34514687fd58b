"""Lighthouse mobile performance of the real site, against a plain Material page measured in the same run.

``kb bench --lighthouse`` builds the real site and, as the reference, the product page's own Markdown as a
plain Material site (Material's defaults, the same Markdown extensions), serves both from 127.0.0.1 with
gzip (as GitHub Pages does), and runs Lighthouse 12 (the npm package pinned in ``package.json`` next to this
file, installed on first use with ``npm ci``) in Debian's Chromium: mobile form factor, simulated throttling,
performance only. The pages take turns, ``runs`` rounds, so that a slow moment of the machine does not land on
one page only; each page's median is reported, with its DOM size.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import io
import json
import os
import statistics
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml

TOOLS = Path(__file__).resolve().parent  # package.json and package-lock.json for Lighthouse
LIGHTHOUSE = TOOLS / "node_modules" / ".bin" / "lighthouse"
PAGES = {"home": "", "product": "products/tisagenlecleucel/", "challenge": "challenges/gvhd/",
         "comparison": "compare/products/"}
PLAIN = "plain Material"
PLAIN_SOURCE = "products/tisagenlecleucel.md"  # the plain Material page is this page's Markdown
TARGET_SCORE = 95
_COMPRESSED = {".html", ".css", ".js", ".json", ".xml", ".svg"}


class _GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder, gzipping text files for a client that accepts it (as GitHub Pages does)."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def send_head(self):  # type: ignore[no-untyped-def]
        path = Path(self.translate_path(self.path))
        if path.is_dir() and self.path.split("?")[0].endswith("/"):
            path = path / "index.html"
        if "gzip" not in self.headers.get("Accept-Encoding", "") or path.suffix not in _COMPRESSED \
                or not path.is_file():
            return super().send_head()  # directories without a slash, other files, missing files
        body = _gzipped(path, path.stat().st_mtime_ns)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


@functools.lru_cache(maxsize=1024)
def _gzipped(path: Path, mtime_ns: int) -> bytes:
    return gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)


@contextlib.contextmanager
def serve_gzipped(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 for the block; yields its base URL."""
    handler = functools.partial(_GzipHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def install_lighthouse() -> Path:
    """The pinned Lighthouse, installed next to this file from its lock on first use."""
    if not LIGHTHOUSE.exists():
        subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], cwd=TOOLS,
                       check=True)
    return LIGHTHOUSE


def plain_material_site(markdown: str, folder: Path, build: Callable[[list[str], Path], None]) -> Path:
    """The page's Markdown as a plain Material site (defaults, no font download, search on, the Markdown
    extensions the page needs); returns the built site's folder. ``build(command, cwd)`` runs MkDocs."""
    docs = folder / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    (docs / "index.md").write_text(markdown, encoding="utf-8")
    config = {"site_name": "Plain Material", "docs_dir": "docs", "theme": {"name": "material", "font": False},
              "plugins": ["search"],
              "markdown_extensions": ["admonition", "attr_list", "tables", "toc", "pymdownx.details",
                                      "pymdownx.superfences", {"pymdownx.tabbed": {"alternate_style": True}}]}
    (folder / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    build(["mkdocs", "build", "-q", "-f", str(folder / "mkdocs.yml"), "-d", str(folder / "site")], folder)
    return folder / "site"


def run_lighthouse(url: str, chromium: str, chromium_args: list[str]) -> dict[str, float]:
    """One Lighthouse run, mobile, performance only: the score (0-100), DOM elements, total blocking time and
    largest contentful paint (ms)."""
    command = [str(install_lighthouse()), url, "--only-categories=performance", "--output=json",
               "--output-path=stdout", "--quiet", f"--chrome-flags={' '.join(chromium_args)}"]
    result = subprocess.run(command, env={**os.environ, "CHROME_PATH": chromium}, capture_output=True, text=True,
                            timeout=300, check=True)
    report = json.loads(result.stdout)
    audits = report["audits"]
    return {"score": report["categories"]["performance"]["score"] * 100,
            "dom_elements": audits["dom-size"]["numericValue"],
            "tbt_ms": audits["total-blocking-time"]["numericValue"],
            "lcp_ms": audits["largest-contentful-paint"]["numericValue"]}


def measure(site: Path, plain_site: Path, chromium: str, chromium_args: list[str], runs: int = 3,
            log: Callable[[str], None] = print) -> list[dict[str, Any]]:
    """Each page of PAGES on ``site`` and the plain page, ``runs`` rounds: one row per page with the medians."""
    measured: dict[str, list[dict[str, float]]] = {name: [] for name in [*PAGES, PLAIN]}
    with serve_gzipped(site) as url, serve_gzipped(plain_site) as plain_url:
        urls = {**{name: url + path for name, path in PAGES.items()}, PLAIN: plain_url}
        for round_number in range(1, runs + 1):
            for name, page_url in urls.items():
                measured[name].append(run_lighthouse(page_url, chromium, chromium_args))
                log(f"  Lighthouse round {round_number}, {name}: {measured[name][-1]['score']:.0f}")
    return [{"page": name, "path": PAGES.get(name, PLAIN_SOURCE),
             **{key: statistics.median(run[key] for run in runs_of_page) for key in runs_of_page[0]}}
            for name, runs_of_page in measured.items()]
