"""`kb serve` in the browser: a saved mistake appears at the top of the page (the page reloads by itself), with
its file and line; fixing it brings the page back; a server started on broken data shows the errors and then the
site once they are fixed."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import FIXED_EPOCH, make_project

BROKEN = ("phase: phase 2", "phase: phase 9")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    """A `kb serve` running in a project, with its log."""

    def __init__(self, project: Path, log: Path, env: dict[str, str] | None = None):
        self.project, self.log = project, log
        self.url = f"http://127.0.0.1:{free_port()}/"
        self._log = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kb.cli", "serve", "--dev-addr", self.url.removeprefix("http://").rstrip("/")],
            cwd=project, stdout=self._log, stderr=subprocess.STDOUT,
            env={**os.environ, "SOURCE_DATE_EPOCH": FIXED_EPOCH, "NO_MKDOCS_2_WARNING": "true", **(env or {})})

    def wait_for_log(self, text: str, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while text not in self.log.read_text():
            assert self.process.poll() is None, f"kb serve stopped:\n{self.log.read_text()}"
            assert time.monotonic() < deadline, f"no {text!r} in:\n{self.log.read_text()}"
            time.sleep(0.1)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)
        self._log.close()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator:
    started: list[Served] = []

    def start(project: Path, env: dict[str, str] | None = None) -> Served:
        started.append(Served(project, tmp_path / f"serve-{len(started)}.log", env))
        return started[-1]

    yield start
    for served in started:
        served.stop()
        assert "Traceback" not in served.log.read_text(), served.log.read_text()


def title(text: str) -> re.Pattern[str]:
    """A page's heading, with or without its permalink mark."""
    return re.compile(rf"^{re.escape(text)}\W*$")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_a_saved_mistake_shows_on_the_page_with_its_file_and_line_and_goes_when_fixed(page: Page, tmp_path, serve):
    project = make_project(tmp_path / "project")
    served = serve(project)
    served.wait_for_log("built ")
    trial = project / "data" / "trials" / "eliana.yaml"
    page.goto(served.url + "trials/eliana/")
    expect(page.locator("article h1")).to_have_text(title("ELIANA"))

    edit(trial, *BROKEN)  # the page reloads by itself
    errors = page.locator("#kb-errors")
    expect(errors).to_be_visible(timeout=20_000)
    expect(errors).to_contain_text("data/trials/eliana.yaml:4:8: error: phase: 'phase 9' is not one of the "
                                   "allowed values")
    expect(errors).to_contain_text("[not-allowed-value]")
    expect(page.locator("article h1")).to_have_text(title("ELIANA"))  # the last good version, under the errors
    assert errors.locator("a").first.get_attribute("href").endswith("/.kb/source/data/trials/eliana.yaml#L4")

    edit(trial, *reversed(BROKEN))
    expect(errors).to_have_count(0, timeout=20_000)
    edit(trial, "name: ELIANA", "name: ELIANA-EDITED")
    expect(page.locator("article h1")).to_have_text(title("ELIANA-EDITED"), timeout=20_000)


def test_the_file_and_line_of_an_error_open_with_the_line_marked(page: Page, tmp_path, serve):
    project = make_project(tmp_path / "project")
    served = serve(project)
    served.wait_for_log("built ")
    edit(project / "data" / "trials" / "eliana.yaml", *BROKEN)
    served.wait_for_log("error(s); still showing the last good version")
    page.goto(served.url + "products/tisagenlecleucel/")
    page.locator("#kb-errors a").first.click()
    marked = page.locator("pre #L4")
    expect(marked).to_contain_text("phase: phase 9")
    expect(marked).to_have_class(re.compile("kb-marked"))


def test_a_server_started_on_broken_data_shows_the_errors_then_the_site_once_fixed(page: Page, tmp_path, serve):
    project = make_project(tmp_path / "project")
    trial = project / "data" / "trials" / "eliana.yaml"
    edit(trial, *BROKEN)
    served = serve(project)
    served.wait_for_log("no version of the site yet")
    assert "data/trials/eliana.yaml:4:8: error: phase" in served.log.read_text()
    page.goto(served.url + "trials/eliana/")
    expect(page.locator("#kb-errors")).to_contain_text("data/trials/eliana.yaml:4:8")

    edit(trial, *reversed(BROKEN))
    expect(page.locator("article h1")).to_have_text(title("ELIANA"), timeout=60_000)
    expect(page.locator("#kb-errors")).to_have_count(0)


def test_kb_serve_watches_the_data_folder_kb_data_dir_names(page: Page, tmp_path, serve):
    project = make_project(tmp_path / "project")
    (project / "data").rename(project / "other-data")
    served = serve(project, {"KB_DATA_DIR": "other-data"})
    served.wait_for_log("built ")
    page.goto(served.url + "trials/eliana/")
    edit(project / "other-data" / "trials" / "eliana.yaml", "name: ELIANA", "name: ELIANA-ELSEWHERE")
    expect(page.locator("article h1")).to_have_text(title("ELIANA-ELSEWHERE"), timeout=20_000)
