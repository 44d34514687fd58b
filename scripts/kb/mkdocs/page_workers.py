"""Second processes that do part of MkDocs' work on the pages while MkDocs does the rest, on the other core.

MkDocs builds pages one after another, on one core, in two passes: it converts every page to HTML, then puts
each page into the theme's template (where Material's search plugin cuts the page into sections for search).

- :class:`PageWorker`: once the navigation is built, a process forked from the build (so it holds the same
  configuration and files, with nothing to copy) converts the last half of the entity pages exactly as MkDocs
  does, with MkDocs' own ``_populate_page``, and hands back what each conversion produced. When MkDocs reaches
  those pages the plugin gives it the worker's results instead of converting them again, and replays what the
  worker logged, so warnings still count in strict mode.
- :class:`SectionWorker`: once every page is converted, a process forked from the build cuts the entity pages
  into search sections with Material's own code, a run of pages at a time, while MkDocs puts the pages into the
  template; :class:`SearchIndexWithSections` gives Material's search plugin those sections.

If a worker fails, MkDocs and Material do its work themselves: the site is the same either way. (Measured on the
Performance page: at N = 1,000 the first takes about a fifth off the build, the second about a seventh.)
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from material.plugins.search.plugin import SearchIndex
from mkdocs.commands.build import _populate_page
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import TableOfContents

from kb.two_processes import forked, handed_over

log = logging.getLogger("mkdocs.plugins.kb")
# Below this many entity pages, starting a process costs more than it saves.
ENOUGH_PAGES = 200


@dataclass
class ConvertedPage:
    """What converting one page produced, in a form that crosses a process boundary."""

    html: str
    toc: TableOfContents
    present_anchor_ids: set[str]
    links_to_anchors: dict[str, dict[str, str]] | None  # by the linked file's src_uri
    log_records: list[tuple[str, int, str]]  # (logger, level, message)

    def apply_to(self, page: Page, files: Files) -> str:
        """Give ``page`` what the worker's conversion gave its copy; log what it logged; return the HTML."""
        page.toc = self.toc
        page.present_anchor_ids = self.present_anchor_ids
        if self.links_to_anchors is not None:
            page.links_to_anchors = {files.src_uris[uri]: links for uri, links in self.links_to_anchors.items()}
        for logger, level, message in self.log_records:
            logging.getLogger(logger).log(level, message)
        return self.html


class PageWorker:
    """One forked process converting a fixed list of pages; :meth:`results` waits for it once."""

    def __init__(self, files_to_convert: list[File], config: MkDocsConfig, files: Files):
        self.src_uris = {file.src_uri for file in files_to_convert}
        self._executor = forked(files_to_convert, config, files)
        self._future: Future[dict[str, ConvertedPage]] | None = self._executor.submit(_convert_handed_over)
        self._results: dict[str, ConvertedPage] | None = None

    def results(self) -> dict[str, ConvertedPage]:
        """The converted pages by src_uri; empty if the worker failed (MkDocs then converts them itself)."""
        if self._results is None:
            try:
                self._results = self._future.result() if self._future else {}
            except Exception as exc:  # any failure of the worker: the pages are converted here instead
                log.debug("the page worker failed (%s); converting its pages here", exc)
                self._results = {}
            else:
                log.debug("the page worker converted %d pages", len(self._results))
            self.stop()
        return self._results

    def stop(self) -> None:
        """End the worker (waiting for a conversion under way, which a failed build no longer needs)."""
        if self._future is not None:
            self._future.cancel()
            self._future = None
        self._executor.shutdown(wait=True, cancel_futures=True)


class SectionWorker:
    """One forked process cutting a fixed list of converted pages into search sections, as Material's search plugin
    does, and handing them back a run of pages at a time (MkDocs takes the first run while the worker does the
    next)."""

    def __init__(self, pages: list[Page], search_config: dict[str, Any], pages_per_run: int = 25):
        self._run_of = {page.file.src_uri: number // pages_per_run for number, page in enumerate(pages)}
        self._executor = forked(pages, search_config)
        self._runs = [self._executor.submit(_sections_of_handed_over, start, start + pages_per_run)
                      for start in range(0, len(pages), pages_per_run)]
        self._failed = False
        self._handed_back = 0

    def sections(self, page: Page) -> list[dict[str, Any]] | None:
        """The page's search sections, as Material's search plugin makes them; None for a page not handed to this
        worker, or if the worker failed (Material's plugin then cuts the page itself)."""
        run = self._run_of.get(page.file.src_uri)
        if run is None or self._failed:
            return None
        try:
            sections = self._runs[run].result()[page.file.src_uri]
        except Exception as exc:  # any failure of the worker: Material's plugin cuts the pages instead
            log.debug("the section worker failed (%s); Material's search plugin cuts its pages", exc)
            self._failed = True
            self.stop()
            return None
        self._handed_back += 1
        return sections

    def stop(self) -> None:
        """End the worker (waiting for a run under way, which a failed build no longer needs)."""
        if self._handed_back:
            log.debug("the section worker cut %d pages into search sections", self._handed_back)
            self._handed_back = 0
        for run in self._runs:
            run.cancel()
        self._executor.shutdown(wait=True, cancel_futures=True)


class SearchIndexWithSections(SearchIndex):  # type: ignore[misc]
    """Material's search index (its plugin adds each page's sections to it as MkDocs puts the page into the
    template), taking the sections of the pages a :class:`SectionWorker` has cut instead of cutting them again."""

    def __init__(self, material_index: SearchIndex, worker: SectionWorker):
        super().__init__(**material_index.config)
        self.entries = material_index.entries
        self.worker = worker

    def add_entry_from_context(self, page: Page) -> None:
        sections = self.worker.sections(page)
        if sections is None:
            super().add_entry_from_context(page)
        else:
            self.entries.extend(sections)


def _sections_of_handed_over(start: int, end: int) -> dict[str, list[dict[str, Any]]]:
    """The search sections of the worker's pages from ``start`` to ``end``, by src_uri, cut by Material's code."""
    pages, search_config = handed_over()
    sections = {}
    for page in pages[start:end]:
        index = SearchIndex(**search_config)
        index.add_entry_from_context(page)
        sections[page.file.src_uri] = index.entries
    return sections


def _convert_handed_over() -> dict[str, ConvertedPage]:
    """Convert every page handed to this worker, as MkDocs would, collecting what each one logs."""
    files_to_convert, config, files = handed_over()
    collector = _collect_logs_only()
    converted = {}
    for file in files_to_convert:
        collector.records = []
        page = Page(None, file, config)  # as MkDocs makes a page that is not in the navigation
        _populate_page(page, config, files)
        links = None
        if page.links_to_anchors is not None:
            links = {linked.src_uri: anchors for linked, anchors in page.links_to_anchors.items()}
        converted[file.src_uri] = ConvertedPage(page.content or "", page.toc, page.present_anchor_ids or set(),
                                                links, collector.records)
    return converted


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.name, record.levelno, record.getMessage()))


def _collect_logs_only() -> _Collector:
    """Route every log record of this process to one collector (the parent prints and counts them)."""
    collector = _Collector()
    loggers = [logging.getLogger(), *(item for item in logging.Logger.manager.loggerDict.values()
                                      if isinstance(item, logging.Logger))]
    for logger in loggers:
        if logger.handlers or logger is loggers[0]:
            logger.handlers = [collector]
    return collector
