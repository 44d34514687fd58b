"""`kb serve`'s web server: what it answers for the files of one published version of the site."""

from __future__ import annotations

import threading
import urllib.request
from concurrent.futures import Future

import pytest
from kb.serve_build import Site
from kb.serve_http import PreviewServer


@pytest.fixture
def server(tmp_path):
    server = PreviewServer("127.0.0.1", 0, (tmp_path,))
    server.start()
    yield server
    server.stop()


def done(files: dict) -> Future:
    future: Future = Future()
    future.set_result(files)
    return future


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def test_a_file_the_browser_has_in_this_version_is_answered_not_modified(server, tmp_path):
    asset = tmp_path / "kb.css"
    asset.write_text("body { color: black }")
    server.publish(Site({"assets/kb.css": asset}, done({})), [])
    status, body, headers = get(server.url + "assets/kb.css")
    assert (status, body) == (200, b"body { color: black }")
    status, body, _ = get(server.url + "assets/kb.css", {"If-None-Match": headers["ETag"]})
    assert (status, body) == (304, b"")


def test_a_changed_file_is_sent_again(server, tmp_path):
    asset = tmp_path / "kb.css"
    asset.write_text("body { color: black }")
    server.publish(Site({"assets/kb.css": asset}, done({})), [])
    tag = get(server.url + "assets/kb.css")[2]["ETag"]
    asset.write_text("body { color: darkblue }")
    status, body, _ = get(server.url + "assets/kb.css", {"If-None-Match": tag})
    assert (status, body) == (200, b"body { color: darkblue }")


def test_a_request_for_the_search_index_waits_for_the_index_of_the_version_served(server):
    search_index: Future = Future()
    server.publish(Site({"index.html": b"<html><body>new</body></html>"}, search_index), [])
    assert b"new" in get(server.url)[1]  # the page does not wait for the index
    answers: list = []
    request = threading.Thread(target=lambda: answers.append(get(server.url + "search/prebuilt_index.json")))
    request.start()
    request.join(timeout=0.5)
    assert answers == []  # still waiting
    search_index.set_result({"search/prebuilt_index.json": b'{"version": "new"}'})
    request.join(timeout=10)
    assert answers[0][:2] == (200, b'{"version": "new"}')


def test_a_search_index_that_could_not_be_written_is_a_server_error_naming_why(server):
    failed: Future = Future()
    failed.set_exception(ValueError("no sections"))
    server.publish(Site({"index.html": b"<html><body></body></html>"}, failed), [])
    status, body, _ = get(server.url + "search/prebuilt_index.json")
    assert status == 500 and b"no sections" in body


def test_a_path_that_is_nowhere_is_the_sites_404_page(server):
    server.publish(Site({"404.html": b"<html><body>Not here</body></html>"}, done({"search/a.json": b"{}"})), [])
    status, body, _ = get(server.url + "nowhere/at/all.json")
    assert status == 404 and b"Not here" in body


def test_site_files_are_every_file_once_the_search_index_is_written():
    assert Site({"a.html": b"a"}, done({"search/x.json": b"x"})).files() == {"a.html": b"a", "search/x.json": b"x"}


def test_a_search_index_that_could_not_be_written_is_reported_in_the_terminal(capsys):
    from kb.serve import _report_search_index_failure

    failed: Future = Future()
    failed.set_exception(ValueError("no sections"))
    _report_search_index_failure(failed)
    _report_search_index_failure(done({}))
    assert capsys.readouterr().err.splitlines() == [
        "the search index could not be written: ValueError: no sections; search answers with an error until the "
        "next save"]
