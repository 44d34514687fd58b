"""Forked workers convert half of the entity pages and cut the entity pages into search sections; the site is the
same with them or without them."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from kb.mkdocs.page_workers import ConvertedPage, PageWorker, SearchIndexWithSections, SectionWorker
from kb.mkdocs.plugin import KnowledgeBasePlugin
from material.plugins.search.plugin import SearchIndex
from mkdocs.structure.toc import TableOfContents

from tests.test_build import tree_digest


def mkdocs_build_verbose(project: Path, site: Path, worker: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--verbose", "-d", str(site)],
                          cwd=project, env={**os.environ, "KB_PAGE_WORKER": worker},
                          capture_output=True, text=True, timeout=600)


def test_a_site_built_with_the_workers_is_byte_identical_to_one_built_without(project):
    with_workers = mkdocs_build_verbose(project, project / "with", "always")
    without_workers = mkdocs_build_verbose(project, project / "without", "never")
    assert with_workers.returncode == 0, with_workers.stderr
    assert without_workers.returncode == 0, without_workers.stderr
    for worker_did_its_part in ("the page worker converted", "the section worker cut"):
        assert worker_did_its_part in with_workers.stderr
        assert worker_did_its_part not in without_workers.stderr
    assert tree_digest(project / "with") == tree_digest(project / "without")


def test_small_sites_are_built_without_a_worker(project):
    result = mkdocs_build_verbose(project, project / "site", "auto")
    assert result.returncode == 0, result.stderr
    assert "the page worker converted" not in result.stderr
    assert "the section worker cut" not in result.stderr


def test_a_worker_that_fails_hands_back_nothing_so_mkdocs_converts_its_pages():
    broken_file = SimpleNamespace(src_uri="broken.md")  # converting it raises in the worker
    worker = PageWorker([broken_file], config=None, files=None)
    assert worker.results() == {}


def test_a_section_worker_that_fails_hands_back_nothing_so_material_cuts_its_pages():
    broken_page = SimpleNamespace(file=SimpleNamespace(src_uri="broken.md"))  # cutting it raises in the worker
    worker = SectionWorker([broken_page], search_config={})
    assert worker.sections(broken_page) is None
    worker.stop()


def test_material_search_takes_the_section_workers_sections_and_cuts_other_pages_itself():
    worker_page, other_page = built_page("worker.md", "<h1 id=\"a\">A</h1><p>from the worker</p>"), \
        built_page("other.md", "<h1 id=\"b\">B</h1><p>cut here</p>")
    worker = SectionWorker([worker_page], search_config={})
    worker_page.content = "<h1 id=\"a\">A</h1><p>changed after the worker started</p>"  # unseen by the worker
    index = SearchIndexWithSections(SearchIndex(), worker)
    index.add_entry_from_context(worker_page)
    index.add_entry_from_context(other_page)
    worker.stop()
    assert [entry["text"] for entry in index.entries] == ["<p>from the worker</p>", "<p>cut here</p>"]


def built_page(src_uri: str, content: str) -> SimpleNamespace:
    """A page as MkDocs has it once converted: its HTML, URL, table of contents and front matter."""
    return SimpleNamespace(file=SimpleNamespace(src_uri=src_uri), content=content, url=src_uri.replace(".md", "/"),
                           toc=TableOfContents([]), meta={}, title=src_uri)


def test_a_converted_page_replays_what_the_worker_logged(caplog):
    page = SimpleNamespace(toc=None, present_anchor_ids=None, links_to_anchors=None)
    converted = ConvertedPage("<p>x</p>", TableOfContents([]), {"a"}, None,
                              [("mkdocs.structure.pages", logging.WARNING, "a link the worker saw")])
    with caplog.at_level(logging.WARNING):
        assert converted.apply_to(page, files=None) == "<p>x</p>"
    assert "a link the worker saw" in caplog.text
    assert page.present_anchor_ids == {"a"}


def plugin_building(command: str = "build") -> KnowledgeBasePlugin:
    plugin = KnowledgeBasePlugin()
    plugin.on_startup(command=command, dirty=False)
    return plugin


def test_no_worker_when_another_plugin_edits_page_html(monkeypatch):
    def another_plugin(html: str, **_: object) -> str:
        return html

    monkeypatch.setenv("KB_PAGE_WORKER", "always")
    plugin = plugin_building()
    config = SimpleNamespace(plugins=SimpleNamespace(events={
        "page_markdown": [plugin.on_page_markdown], "page_content": [plugin.on_page_content, another_plugin]}))
    assert not plugin._may_split(config, 1000)


@pytest.mark.parametrize("command", ["serve", "gh-deploy"])
def test_no_worker_outside_a_build(monkeypatch, command):
    monkeypatch.setenv("KB_PAGE_WORKER", "always")
    plugin = plugin_building(command)
    config = SimpleNamespace(plugins=SimpleNamespace(events={"page_markdown": [], "page_content": []}))
    assert not plugin._may_split(config, 1000)
