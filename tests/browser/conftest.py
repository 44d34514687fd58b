"""Browser tests: the built site served on 127.0.0.1 and driven in Debian's Chromium by Playwright."""

from __future__ import annotations

import functools
import os
import threading
import time
from collections.abc import Callable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, Route

from tests.conftest import mkdocs_build

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("KB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def build_site(project: Path, site: Path, env: dict[str, str] | None = None) -> None:
    result = mkdocs_build(project, site, {"NO_MKDOCS_2_WARNING": "true", "SOURCE_DATE_EPOCH": str(int(time.time())),
                                          **(env or {})})
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="session")
def serve_folder() -> Iterator:
    """Serve folders over HTTP on 127.0.0.1 for the session; returns the base URL for a folder."""
    servers: list[ThreadingHTTPServer] = []

    def serve(folder: Path) -> str:
        handler = functools.partial(_QuietHandler, directory=str(folder))
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield serve
    for server in servers:
        server.shutdown()


@pytest.fixture(scope="session")
def site_folder(real_site: Path) -> Path:
    """The real site, built from the repository's data (once for the whole run: tests/conftest.py)."""
    return real_site


@pytest.fixture(scope="session")
def site_url(site_folder: Path, serve_folder) -> str:
    """The real site, served locally."""
    return serve_folder(site_folder)


# Keeps in window.answeredQuery the query of the search worker's last answer that holds the results' texts (the worker
# names the query in each answer, and says when it answers by title first, with the texts to come).
REMEMBER_THE_ANSWERED_QUERY = """
const PageWorker = window.Worker
window.Worker = class extends PageWorker {
  constructor(...args) {
    super(...args)
    this.addEventListener("message", event => {
      const answer = event.data && event.data.data
      if (answer && typeof answer.query === "string" && !answer.textsToCome)  // the answer with the results' texts
        window.answeredQuery = answer.query
    })
  }
}
"""


@pytest.fixture
def context(context: BrowserContext) -> BrowserContext:
    """pytest-playwright's context, its pages remembering the query the search worker last answered."""
    context.add_init_script(REMEMBER_THE_ANSWERED_QUERY)
    return context


def held_request(page: Page, held: list[Route], what: str) -> Route:
    """The first request a route put in ``held``, waited for at most 5 s (a page asks for its scripts as it is
    read); failing, naming ``what``, if it never came (an unbounded wait would hang the test command)."""
    for _ in range(250):
        if held:
            return held[0]
        page.wait_for_timeout(20)
    raise AssertionError(f"the page never asked for {what}")


def empty_search_box(page: Page) -> None:
    """Put the cursor in the search box, emptied (opening the search with "/" where the box is not shown)."""
    box = page.locator("input.md-search__input")
    if box.is_visible():
        box.focus()
        page.keyboard.press("Control+A")
        page.keyboard.press("Backspace")
    else:
        page.keyboard.press("/")


def paste_into_search(page: Page, query: str) -> None:
    """Paste ``query`` into the open page's search box (one input event, then a key released, which is when the
    theme reads the box), and wait for the search worker's answer to it, as search_for does."""
    def paste() -> None:
        page.keyboard.insert_text(query)
        page.keyboard.press("End")
    _answered(page, query, paste)


def search_for(page: Page, query: str) -> None:
    """Type ``query`` into the open page's search box as a reader types, and wait for the search worker's answer
    to the whole query (the results for its first letters show while the rest is still being searched: on a
    loaded machine those of "BMT CTN 110" stayed for more than 300 ms while the shards for "1102" loaded).
    The page must remember answered queries (REMEMBER_THE_ANSWERED_QUERY, set up by the context fixture)."""
    _answered(page, query, lambda: page.keyboard.type(query))


def _answered(page: Page, query: str, enter: Callable[[], None]) -> None:
    """Empty the search box, ``enter`` ``query`` into it, and wait until the worker's answer to it is drawn."""
    page.evaluate("window.answeredQuery = null")  # the same query may have been answered before
    empty_search_box(page)
    enter()
    page.wait_for_function("query => window.answeredQuery === query", arg=query, timeout=15_000)
    page.evaluate("new Promise(shown => requestAnimationFrame(() => requestAnimationFrame(shown)))")  # drawn
