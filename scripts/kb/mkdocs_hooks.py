"""MkDocs hook: build the site straight from ``data/`` with no file written into ``docs/``.

``on_config`` loads and validates the data (aborting the build with the usual one-line errors) and reads
the abbreviation glossary; ``on_files`` adds every rendered page as an in-memory generated file;
``on_nav`` may fork a worker that converts half of the entity pages (see kb.page_worker);
``on_page_markdown`` sets a generated page's finished HTML aside, and ``on_page_content`` puts it back and
marks abbreviations; ``on_post_build`` writes the search index (see kb.search_index).
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

try:
    import kb  # noqa: F401
except ImportError:  # plain `mkdocs build` from a checkout where the package is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort, PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page

from kb.abbreviations import abbreviation_pattern, mark_abbreviations
from kb.export import export_files
from kb.finished_html import anchor_ids, put_back_finished_html, set_aside_finished_html
from kb.forked import ENOUGH_TO_SPLIT
from kb.model import Entity, KnowledgeBase
from kb.page_worker import ConvertedPage, PageWorker
from kb.pipeline import load_knowledge_base
from kb.problems import DataError
from kb.render import is_continuation_page, render_site_pages
from kb.search_index import write_search_index
from kb.serve import LAST_GOOD


@dataclass
class _Build:
    """What the hooks of one build (or of one rebuild while serving) hand on to each other."""

    command: str = ""  # MkDocs' command: build, serve or gh-deploy
    knowledge_base: KnowledgeBase | None = None
    abbreviations: dict[str, str] = field(default_factory=dict)  # abbreviation -> term
    abbreviation_pattern: re.Pattern[str] | None = None
    entity_pages: dict[str, Entity] = field(default_factory=dict)  # docs path -> entity
    generated_pages: set[str] = field(default_factory=set)
    set_aside: dict[str, list[str]] = field(default_factory=dict)  # docs path -> its finished HTML, set aside
    converted: dict[str, ConvertedPage] = field(default_factory=dict)  # docs path -> what the worker made of it
    worker: PageWorker | None = None


_build = _Build()
GLOSSARY_PAGE = "reference/glossary.md"
# KB_PAGE_WORKER=always|never overrides whether a page worker is started (see _start_page_worker), for tests.


def _data_root(config: MkDocsConfig) -> Path:
    return Path(config.config_file_path).resolve().parent / config.extra.get("data_dir", "data")


def on_startup(command: str, dirty: bool) -> None:
    _build.command = command


def _building() -> bool:
    """Whether work may be split with a forked process (see kb.forked): in a build, never in a server, which
    runs threads that a fork would copy in the middle of their work."""
    return _build.command == "build"


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    if not config.use_directory_urls:
        # The HTML blocks the templates write link to page/ URLs, which MkDocs does not rewrite.
        raise PluginError("the knowledge base links pages as directory URLs: keep use_directory_urls: true")
    serving = _build.command == "serve"
    try:
        knowledge_base = load_knowledge_base(_data_root(config), split=_building())
    except DataError as exc:
        message = f"the data has {len(exc.problems)} error(s):\n{exc}"
        last_good = LAST_GOOD.get("kb") if serving else None
        if last_good is None:
            raise (Abort(message) if serving else PluginError(message)) from None
        # While previewing, keep serving the last good data: MkDocs would otherwise hold every request
        # until the build succeeds. Printed, not logged, so that strict mode does not turn it into a failure.
        print(f"{message}\nStill serving the last good version; fix the file and save again.", file=sys.stderr)
        knowledge_base = last_good
    if serving:
        LAST_GOOD["kb"] = knowledge_base
    _build.knowledge_base = knowledge_base
    _build.abbreviations = {abbr: term["term"] for abbr, term in knowledge_base.glossary.items()}
    _build.abbreviation_pattern = abbreviation_pattern(_build.abbreviations)
    return config


def on_files(files: Files, config: MkDocsConfig) -> Files:
    knowledge_base = _build.knowledge_base
    assert knowledge_base is not None, "on_config runs first"
    entity_pages = {e.page_path: e for e in knowledge_base.entities.values()}
    _build.entity_pages = entity_pages
    _build.generated_pages = set()
    _build.set_aside = {}
    _build.converted = {}
    for file in files.documentation_pages():
        file.edit_uri = f"docs/{file.src_uri}"
    exported = export_files(knowledge_base)
    for path, data in exported.items():
        files.append(File.generated(config, path, content=data))
    for page_path, content in render_site_pages(knowledge_base, exported, split=_building()).items():
        entity = entity_pages.get(page_path)
        # Entity pages are reached through their type's index page; listing them in the nav would make
        # every page carry every entity, and the build quadratic. The next pages of a long list are reached
        # from its first page.
        listed_elsewhere = entity is not None or is_continuation_page(page_path)
        inclusion = InclusionLevel.NOT_IN_NAV if listed_elsewhere else InclusionLevel.UNDEFINED
        file = File.generated(config, page_path, content=content, inclusion=inclusion)
        file.edit_uri = entity.source_path if entity else None
        files.append(file)
        _build.generated_pages.add(page_path)
    return files


@event_priority(-100)  # last: the navigation and the files are final
def on_nav(nav: Navigation, config: MkDocsConfig, files: Files) -> Navigation:
    _build.worker = _start_page_worker(config, files)
    return nav


def _start_page_worker(config: MkDocsConfig, files: Files) -> PageWorker | None:
    """Fork a worker for the last half of the entity pages (MkDocs converts pages in file order, so it is
    busy with the others meanwhile): when building (not serving), if there are enough pages, and if no other
    plugin edits pages (it would see the worker's pages empty)."""
    choice = os.environ.get("KB_PAGE_WORKER", "auto")
    entity_files = [file for file in files.documentation_pages() if file.src_uri in _build.entity_pages]
    page_listeners = config.plugins.events["page_markdown"] + config.plugins.events["page_content"]
    if (choice == "never" or not _building()
            or any(listener not in (on_page_markdown, on_page_content) for listener in page_listeners)
            or (choice != "always" and len(entity_files) < ENOUGH_TO_SPLIT)):
        return None
    return PageWorker.start(entity_files[len(entity_files) // 2:], config, files,
                            before_converting=_forget_the_worker)


def _forget_the_worker() -> None:
    """Run in the worker before it converts its pages: there, on_page_markdown must convert them, not wait
    for a worker of its own."""
    _build.worker = None


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Entity pages take their sitemap date from their last review, which also keeps builds reproducible.
    A page the worker converted needs no conversion here; other generated pages keep their finished HTML
    out of Python-Markdown's way (see kb.finished_html)."""
    entity = _build.entity_pages.get(page.file.src_uri)
    if entity is not None:
        page.update_date = entity.data["last_reviewed"]
    worker = _build.worker
    if worker is not None and page.file.src_uri in worker.src_uris:
        converted = worker.results().get(page.file.src_uri)
        if converted is not None:
            _build.converted[page.file.src_uri] = converted
            return ""
    if page.file.src_uri in _build.generated_pages:
        markdown, _build.set_aside[page.file.src_uri] = set_aside_finished_html(markdown)
    return markdown


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    converted = _build.converted.pop(page.file.src_uri, None)
    if converted is not None:
        return converted.apply_to(page, files)
    aside = _build.set_aside.pop(page.file.src_uri, None)
    if aside:
        html = put_back_finished_html(html, aside)
        page.present_anchor_ids = (page.present_anchor_ids or set()) | anchor_ids(aside)
    glossary = files.get_file_from_path(GLOSSARY_PAGE)
    on_glossary = glossary is None or page.file.src_uri == GLOSSARY_PAGE
    return mark_abbreviations(html, _build.abbreviations, _build.abbreviation_pattern,
                              None if on_glossary else glossary.url_relative_to(page.file))


@event_priority(-100)  # after Material's search plugin has written the sections the index is built from
def on_post_build(config: MkDocsConfig) -> None:
    _stop_page_worker()
    assert _build.knowledge_base is not None, "on_config runs first"
    write_search_index(Path(config.site_dir), _build.knowledge_base)


def on_build_error(error: Exception) -> None:
    _stop_page_worker()


def _stop_page_worker() -> None:
    worker, _build.worker = _build.worker, None
    if worker is not None:
        worker.stop()
