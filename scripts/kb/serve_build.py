"""``kb serve``'s builder: the whole site once, then after each save only the pages the change touches.

The first build runs MkDocs' steps in the order ``mkdocs.commands.build.build`` runs them (the kb plugin's
events among them) but writes nothing: the site is a mapping of each file's path in the site to its bytes, or
to the theme file to send. It keeps what the steps made (configuration, files, navigation, pages) for the next
save. Then :meth:`Preview.update`:

1. checks again only the data files that changed (:class:`kb.data.validate.FileChecks`) and builds the model;
2. plans the site again (:func:`kb.site.plan.plan_site`) and renders the Markdown of the pages the change may
   touch (:func:`kb.serve_deps.pages_to_check`), adding and removing pages the plan adds and removes;
3. converts to HTML only the pages whose Markdown changed (and puts through the theme again, without
   converting them, the pages next to them, whose previous and next links name them), then the open data, the
   Atom feed and the sitemap;
4. returns a new :class:`Site`: the one served until then is never modified, so a browser always gets one
   version. The search index of the new version is written in the background (a second or more at a thousand
   entities), after a pause in which the browser reloads the changed page: the reload does not wait for it, and
   a request for the index waits until it is the one of the pages served.

A change to the glossary, the schemas, ``mkdocs.yml``, ``docs/`` or the templates builds everything again.
"""

from __future__ import annotations

import gzip
import io
import shutil
import tempfile
import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mkdocs import utils
from mkdocs.commands.build import _populate_page, get_context
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files, InclusionLevel, get_files, set_exclusions
from mkdocs.structure.nav import Navigation, get_navigation
from mkdocs.structure.pages import Page

from kb.data.validate import FileChecks, check_data
from kb.mkdocs.plugin import KnowledgeBasePlugin, feed_content
from kb.model import KnowledgeBase, build_knowledge_base
from kb.problems import DataError
from kb.serve_deps import DataChange, pages_to_check
from kb.site.export import FEED, Exporter
from kb.site.plan import PlannedPage, plan_site

# How long the search index of a new version waits before it is written: the browser reloads the changed page
# meanwhile with both cores free. Written at once, it took a core from the reload (the real-data preview, save to
# reloaded page, medians of ten saves in two sets of five interleaved runs: 520 and 469 ms at once, 431 and 388 ms
# after the pause).
SEARCH_INDEX_PAUSE_SECONDS = 0.4

SiteFiles = dict[str, bytes | Path]  # path in the site (trials/eliana/index.html) -> its bytes, or the file to send


@dataclass(frozen=True)
class Site:
    """One version of the site: the files ready when it is published, and the search index, written in the
    background, which a request for it (or for a path not among the files ready) waits for."""

    ready: SiteFiles
    search_index: Future[SiteFiles]

    def get(self, path: str) -> bytes | Path | None:
        found = self.ready.get(path)
        return found if found is not None else self.search_index.result().get(path)

    def files(self) -> SiteFiles:
        """Every file, once the search index is written."""
        return {**self.ready, **self.search_index.result()}


@dataclass
class Outcome:
    """One build: the site, how many pages were converted, how long it took."""

    site: Site
    pages: int
    seconds: float


@dataclass
class _Built:
    """What the last good build made, kept for the next save."""

    config: MkDocsConfig
    plugin: KnowledgeBasePlugin
    files: Files
    nav: Navigation
    env: Any  # jinja2.Environment
    knowledge_base: KnowledgeBase
    planned: dict[str, PlannedPage]
    markdown: dict[str, str]  # planned page path -> its Markdown
    exported: dict[str, bytes]
    site: SiteFiles  # the files ready when it was published (not the search index)
    search: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # page src_uri -> its search entries
    theme_pages: set[str] = field(default_factory=set)  # what the theme's own pages (sitemap, 404) wrote


class Preview:
    """The site of one project, built once and then kept up to date, in memory."""

    def __init__(self, config_file: Path, data_root: Path):
        self.config_file = config_file
        self.data_root = data_root
        self.checks = FileChecks()
        self.exporter = Exporter()
        self.built: _Built | None = None
        self._scratch = Path(tempfile.mkdtemp(prefix="kb-serve-"))  # what plugins write at the end of a build
        self._background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kb-search-index")
        self._search_index: Future[SiteFiles] | None = None  # the last version's, maybe still being written

    def close(self) -> None:
        """Wait for the search index being written, and remove the scratch folder."""
        self._background.shutdown(wait=True)
        shutil.rmtree(self._scratch, ignore_errors=True)

    def __enter__(self) -> Preview:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _search_index_written(self) -> None:
        """Wait for the last version's search index (the next build uses the search plugin and the scratch
        folder it uses); whether it failed is for the requests that wait on it to tell."""
        if self._search_index is not None:
            wait([self._search_index])

    def knowledge_base(self) -> KnowledgeBase:
        """The data, checked again where files changed; raises DataError (or SchemaError) on any error."""
        result = check_data(self.data_root, checks=self.checks)
        errors = [problem for problem in result.problems if problem.is_error]
        if errors:
            raise DataError(errors)
        return build_knowledge_base(result)

    # --- Everything ------------------------------------------------------------------------------------------

    def build_all(self) -> Outcome:
        """Build every page; raises DataError, SchemaError or an error of MkDocs (the last site is kept)."""
        start = time.perf_counter()
        self._search_index_written()
        knowledge_base = self.knowledge_base()
        config = load_config(str(self.config_file), site_dir=str(self._scratch))
        config.plugins.on_startup(command="serve", dirty=False)
        plugin = _kb_plugin(config)
        plugin.handed_over = knowledge_base
        config = config.plugins.on_config(config)
        config.plugins.on_pre_build(config=config)
        files = get_files(config)
        env = config.theme.get_env()
        files.add_files_from_theme(env, config)
        files = config.plugins.on_files(files, config=config)
        set_exclusions(files, config)
        nav = get_navigation(files, config)
        nav = config.plugins.on_nav(nav, config=config, files=files)
        for file in files.documentation_pages():
            if file.page is None:
                Page(None, file, config)
            assert file.page is not None
            _populate_page(file.page, config, files)
        env = config.plugins.on_env(env, config=config, files=files)
        exported = self.exporter.files(knowledge_base)
        planned = {page.path: page for page in plan_site(knowledge_base, exported)}
        markdown = {path: files.get_file_from_path(path).content_string for path in planned}  # type: ignore[union-attr]
        built = _Built(config, plugin, files, nav, env, knowledge_base, planned, markdown, exported, {})
        site: SiteFiles = {file.dest_uri: _content(file) for file in files
                           if not file.is_documentation_page() and file.inclusion.is_included()}
        site |= self._pages(built, files.documentation_pages())
        site |= self._theme_pages(built)
        built.site = site
        self.built = built
        return Outcome(self._published(site, built), len(files.documentation_pages()), time.perf_counter() - start)

    # --- After a save --------------------------------------------------------------------------------------

    def update(self) -> Outcome:
        """Bring the site up to date with the data; raises DataError or SchemaError (the last site is kept).
        Builds everything when nothing was built yet, or when the change touches every page."""
        built = self.built
        if built is None:
            return self.build_all()
        start = time.perf_counter()
        self._search_index_written()
        knowledge_base = self.knowledge_base()
        change = DataChange.between(built.knowledge_base, knowledge_base)
        if change.everything:
            return self.build_all()
        try:
            return self._update(built, knowledge_base, change, start)
        except Exception:
            self.built = None  # half updated: the next save builds everything
            raise

    def _update(self, built: _Built, knowledge_base: KnowledgeBase, change: DataChange, start: float) -> Outcome:
        exported = self.exporter.files(knowledge_base)
        planned = {page.path: page for page in plan_site(knowledge_base, exported)}
        if {p for p, page in planned.items() if page.in_nav} != {p for p, page in built.planned.items() if page.in_nav}:
            return self.build_all()  # the navigation changed
        changed = self._changed_markdown(built, knowledge_base, planned, change)
        removed = [self._remove_file(built, path) for path in built.planned.keys() - planned.keys()]
        removed += [self._remove_file(built, path) for path in built.exported.keys() - exported.keys()]
        removed += sorted(built.theme_pages)  # written again below
        pages = [self._page_file(built, planned[path], text) for path, text in changed.items()]
        site = dict(built.site)
        site |= self._exported(built, exported)
        site |= self._feed(built, knowledge_base)
        built.files = _in_build_order(built.files, exported, planned)
        built.plugin.refresh(knowledge_base, list(planned.values()), built.files)
        for file in pages:
            _populate_page(file.page, built.config, built.files)
        for path in removed:
            site.pop(path, None)
        site |= self._pages(built, [*pages, *_neighbours_of(built, planned, changed)])
        site |= self._theme_pages(built)
        built.knowledge_base, built.planned, built.exported, built.site = knowledge_base, planned, exported, site
        return Outcome(self._published(site, built), len(pages), time.perf_counter() - start)

    def _changed_markdown(self, built: _Built, knowledge_base: KnowledgeBase, planned: dict[str, PlannedPage],
                          change: DataChange) -> dict[str, str]:
        """The pages (new ones included) whose Markdown differs from what was built, with their Markdown."""
        to_check = pages_to_check(change, built.knowledge_base, knowledge_base, planned)
        to_check |= planned.keys() - built.planned.keys()
        changed = {}
        for path in sorted(to_check):
            text = planned[path].render(knowledge_base)
            if built.markdown.get(path) != text:
                changed[path] = built.markdown[path] = text
        return changed

    def _page_file(self, built: _Built, planned: PlannedPage, text: str) -> File:
        """The file of a planned page with its new Markdown (added to the files if the page is new)."""
        file = built.files.get_file_from_path(planned.path)
        if file is None:
            inclusion = InclusionLevel.UNDEFINED if planned.in_nav else InclusionLevel.NOT_IN_NAV
            file = File.generated(built.config, planned.path, content=text, inclusion=inclusion)
            file.edit_uri = planned.edit_path
            built.files.append(file)
            Page(None, file, built.config)
        else:
            file.content_string = text
        return file

    def _remove_file(self, built: _Built, path: str) -> str:
        """Take a page (or open-data file) that is no longer made out of the files; its path in the site."""
        file = built.files.get_file_from_path(path)
        assert file is not None
        built.files.remove(file)
        built.markdown.pop(path, None)
        built.search.pop(file.src_uri, None)
        return file.dest_uri

    def _feed(self, built: _Built, knowledge_base: KnowledgeBase) -> SiteFiles:
        """The Atom feed, if it changed."""
        file = built.files.get_file_from_path(FEED)
        if file is None:
            return {}
        content = feed_content(knowledge_base, built.config)
        if file.content_bytes == content:
            return {}
        file.content_bytes = content
        return {file.dest_uri: content}

    def _exported(self, built: _Built, exported: dict[str, bytes]) -> SiteFiles:
        """The open-data files that changed, their contents given to their files too."""
        site: SiteFiles = {}
        for path, content in exported.items():
            if built.exported.get(path) != content:
                file = built.files.get_file_from_path(path)
                if file is None:
                    file = File.generated(built.config, path, content=content)
                    built.files.append(file)
                file.content_bytes = content
                site[file.dest_uri] = content
        return site

    # --- Pages, search and sitemap ---------------------------------------------------------------------------

    def _pages(self, built: _Built, files: Iterable[File]) -> SiteFiles:
        """Each page's HTML, through the theme (as MkDocs' ``_build_page``, into memory)."""
        config, nav, env = built.config, built.nav, built.env
        documentation_pages = built.files.documentation_pages()
        entries = _search_entries(config)
        site: SiteFiles = {}
        for file in files:
            page = file.page
            assert page is not None
            config._current_page = page
            page.active = True
            try:
                context = get_context(nav, documentation_pages, config, page)
                template = env.get_template(page.meta.get("template", "main.html"))
                before = len(entries) if entries is not None else 0
                context = config.plugins.on_page_context(context, page=page, config=config, nav=nav)
                if entries is not None:
                    built.search[file.src_uri] = entries[before:]
                output = config.plugins.on_post_page(template.render(context), page=page, config=config)
            finally:
                page.active = False
                config._current_page = None
            site[file.dest_uri] = output.encode("utf-8", errors="xmlcharrefreplace")
        return site

    def _theme_pages(self, built: _Built) -> SiteFiles:
        """The theme's own pages: the sitemap (and its gzipped copy) and the 404 page."""
        site: SiteFiles = {}
        for name in sorted(built.config.theme.static_templates):
            output = _theme_template(built, name)
            if output is not None:
                site[name] = output
                if name == "sitemap.xml":
                    site[f"{name}.gz"] = _gzipped(output, built.files)
        built.theme_pages = set(site)
        return site

    def _published(self, ready: SiteFiles, built: _Built) -> Site:
        """The version to serve: ``ready``, and the search index, started in the background."""
        self._search_index = self._background.submit(self._write_search_index, built)
        return Site(ready, self._search_index)

    def _write_search_index(self, built: _Built) -> SiteFiles:
        """What the plugins write at the end of a build (the search index), from every page's search entries
        in page order, after the pause that leaves the browser its reload (SEARCH_INDEX_PAUSE_SECONDS)."""
        time.sleep(SEARCH_INDEX_PAUSE_SECONDS)
        config = built.config
        entries = _search_entries(config)
        if entries is not None:
            entries[:] = [entry for file in built.files.documentation_pages()
                          for entry in built.search.get(file.src_uri, [])]
        config.plugins.on_post_build(config=config)
        site: SiteFiles = {}
        for path in sorted(p for p in self._scratch.rglob("*") if p.is_file()):
            site[path.relative_to(self._scratch).as_posix()] = path.read_bytes()
            path.unlink()
        return site


def _in_build_order(files: Files, exported: dict[str, bytes], planned: dict[str, PlannedPage]) -> Files:
    """The files in the order a whole build makes them (the site's pages are listed in that order, in the
    sitemap and the search index): the docs' and the theme's, then the open data, the feed, then the planned
    pages."""
    own = [*exported, *([FEED] if FEED in files.src_uris else []), *planned]
    made_here = set(own)
    ordered = [file for file in files if file.src_uri not in made_here]
    ordered += [files.src_uris[path] for path in own]
    return files if ordered == list(files) else Files(ordered)


def _neighbours_of(built: _Built, planned: dict[str, PlannedPage], changed: dict[str, str]) -> list[File]:
    """The pages not converted again whose previous or next page changed, or whose previous or next link
    names a page converted again (its title may have changed): the theme draws those links."""
    pages = []
    for path, page in planned.items():
        before = built.planned.get(path)
        moved = before is None or (before.previous, before.next) != (page.previous, page.next)
        if path not in changed and (moved or page.previous in changed or page.next in changed):
            file = built.files.get_file_from_path(path)
            if file is not None and file.page is not None:
                pages.append(file)
    return pages


def _kb_plugin(config: MkDocsConfig) -> KnowledgeBasePlugin:
    plugin = next((p for p in config.plugins.values() if isinstance(p, KnowledgeBasePlugin)), None)
    if plugin is None:
        raise RuntimeError("mkdocs.yml does not load the kb plugin (plugins: - kb)")
    return plugin


def _content(file: File) -> bytes | Path:
    return Path(file.abs_src_path) if file.abs_src_path else file.content_bytes


def _search_entries(config: MkDocsConfig) -> list[dict[str, Any]] | None:
    """The entries the search plugin (Material's) collects page by page, which it writes at the end."""
    for plugin in config.plugins.values():
        entries = getattr(getattr(plugin, "search_index", None), "entries", None)
        if isinstance(entries, list):
            return entries
    return None


def _theme_template(built: _Built, name: str) -> bytes | None:
    """A theme's page (sitemap.xml, 404.html), as MkDocs' ``_build_theme_template``, into memory."""
    config = built.config
    template = config.plugins.on_pre_template(built.env.get_template(name), template_name=name, config=config)
    base_url = urlsplit(config.site_url or "/").path if utils.is_error_template(name) else \
        utils.get_relative_url(".", name)
    context = get_context(built.nav, built.files, config, base_url=base_url)
    context = config.plugins.on_template_context(context, template_name=name, config=config)
    output = config.plugins.on_post_template(template.render(context), template_name=name, config=config)
    return output.encode("utf-8") if output.strip() else None


def _gzipped(content: bytes, files: Files) -> bytes:
    pages = [file.page for file in files.documentation_pages() if file.page is not None]
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, filename="sitemap.xml.gz", mode="wb",
                       mtime=utils.get_build_timestamp(pages=pages)) as archive:
        archive.write(content)
    return buffer.getvalue()
