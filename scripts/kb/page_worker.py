"""A second process that converts some of the pages to HTML while MkDocs converts the others.

MkDocs turns pages into HTML one after another, on one core, and on a large knowledge base that is most of
the build. Forked (see kb.forked) once the navigation is built, the worker holds the same configuration and
files; for each of its pages it runs what MkDocs would (the page events and ``Page.render``) and hands back
what that produced. When MkDocs reaches those pages the hook gives it the worker's results instead of
converting them again, and replays what the worker logged, so warnings still count in strict mode. If the
worker fails for any reason, MkDocs converts its pages itself and the site is the same.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import TableOfContents

from kb.forked import Forked

log = logging.getLogger("mkdocs.plugins.kb")


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


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.name, record.levelno, record.getMessage()))


def _collect_logs_only() -> _Collector:
    """Route every log record to one collector (the parent prints and counts them)."""
    collector = _Collector()
    loggers = [logging.getLogger(), *(item for item in logging.Logger.manager.loggerDict.values()
                                      if isinstance(item, logging.Logger))]
    for logger in loggers:
        if logger.handlers or logger is loggers[0]:
            logger.handlers = [collector]
    return collector


def _convert(file: File, config: MkDocsConfig, files: Files, collector: _Collector) -> ConvertedPage:
    collector.records = []
    page = Page(None, file, config)  # as MkDocs makes a page that is not in the navigation
    page = config.plugins.on_pre_page(page, config=config, files=files)
    page.read_source(config)
    page.markdown = config.plugins.on_page_markdown(page.markdown, page=page, config=config, files=files)
    page.render(config, files)
    html = config.plugins.on_page_content(page.content, page=page, config=config, files=files)
    links = None
    if page.links_to_anchors is not None:
        links = {linked.src_uri: anchors for linked, anchors in page.links_to_anchors.items()}
    return ConvertedPage(html, page.toc, page.present_anchor_ids or set(), links, collector.records)


class PageWorker:
    """A forked child converting ``src_uris``; :meth:`results` waits for it once."""

    def __init__(self, child: Forked[dict[str, ConvertedPage]], src_uris: list[str]):
        self.child, self.src_uris = child, set(src_uris)
        self._results: dict[str, ConvertedPage] | None = None

    @classmethod
    def start(cls, pages: list[File], config: MkDocsConfig, files: Files,
              before_converting: Callable[[], None]) -> PageWorker | None:
        """Fork a worker for ``pages``; ``before_converting`` runs in the worker first. None if fork fails."""

        def convert_all() -> dict[str, ConvertedPage]:
            before_converting()
            collector = _collect_logs_only()
            return {file.src_uri: _convert(file, config, files, collector) for file in pages}

        child = Forked.start(convert_all)
        return None if child is None else cls(child, [file.src_uri for file in pages])

    def results(self) -> dict[str, ConvertedPage]:
        """The converted pages by src_uri; empty if the worker failed (MkDocs then converts them itself)."""
        if self._results is None:
            self._results = self.child.result() or {}
            if self._results:
                log.debug("the page worker converted %d pages", len(self._results))
        return self._results

    def stop(self) -> None:
        """End the worker if it still runs (the build failed) and remove its file."""
        self.child.stop()
