"""A second process that converts some pages to HTML while MkDocs converts the others.

MkDocs turns pages into HTML one after another, on one core; on a large knowledge base that is most of the
build. Once the navigation is built, a process forked from the build (so it holds the same configuration and
files, with nothing to copy) converts the last half of the entity pages exactly as MkDocs does, with MkDocs'
own ``_populate_page``, and hands back what each conversion produced. When MkDocs reaches those pages the
plugin gives it the worker's results instead of converting them again, and replays what the worker logged,
so warnings still count in strict mode. If the worker fails, MkDocs converts its pages itself: the site is
the same either way. (Measured on the Performance page: at N = 1,000 the build takes about a fifth less time.)
"""

from __future__ import annotations

import logging
import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

from mkdocs.commands.build import _populate_page
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import TableOfContents

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
        # Forked, the process starts with the build's objects as they are now: they are handed over as the
        # initializer's arguments, which a fork does not copy or pickle.
        self._executor = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"),
                                             initializer=_remember, initargs=(files_to_convert, config, files))
        self._future: Future[dict[str, ConvertedPage]] | None = self._executor.submit(_convert_remembered)
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


_REMEMBERED: tuple[list[File], MkDocsConfig, Files] | None = None  # set in the worker process only


def _remember(files_to_convert: list[File], config: MkDocsConfig, files: Files) -> None:
    global _REMEMBERED
    _REMEMBERED = (files_to_convert, config, files)


def _convert_remembered() -> dict[str, ConvertedPage]:
    """Convert every page handed to this worker, as MkDocs would, collecting what each one logs."""
    assert _REMEMBERED is not None, "runs in a worker started by PageWorker"
    files_to_convert, config, files = _REMEMBERED
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
