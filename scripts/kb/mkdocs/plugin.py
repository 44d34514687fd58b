"""The MkDocs plugin ``kb``: MkDocs builds the site straight from ``data/``, with no file written into ``docs/``.

Its events are the build's steps, in the order MkDocs runs them:

1. ``on_config``: the data, loaded and validated, as a model (``kb build`` hands over the one it checked);
   each entity type's index joins the navigation, and :mod:`kb.mkdocs.finished_html` Python-Markdown's extensions;
2. ``on_files``: the open data, the Atom feed of changes and every planned page (see :mod:`kb.site.plan`)
   become generated files;
3. ``on_nav``: with enough entity pages, a second process starts converting half of them;
4. ``on_page_markdown`` / ``on_page_content``: entity pages take their sitemap date from their review; the
   finished HTML of the pages made from the templates goes to Python-Markdown unparsed; abbreviations and links
   to other sites are marked; the pages the second process converted take its HTML;
5. ``on_env``: the style sheets every page's head holds inline (``kb_styles``: the theme's palette and
   ``kb.css``, each of which would otherwise hold back the first paint by one more request); with enough entity
   pages, a second process starts cutting them into search sections for Material's search plugin;
6. ``on_page_context``: what the page's head tells link previews and search engines (``kb_share``), and for a
   page outside the navigation, its place in it (:mod:`kb.mkdocs.wayfinding`).

While serving, a data error does not stop the preview: the last good data is built again, with the errors
shown at the top of every page, until the file is fixed.
"""

from __future__ import annotations

import html
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment
from material.plugins.search.plugin import SearchIndex
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page

from kb.data.schemas import SchemaError
from kb.mkdocs.finished_html import FinishedHtml
from kb.mkdocs.page_workers import ENOUGH_PAGES, ConvertedPage, PageWorker, SearchIndexWithSections, SectionWorker
from kb.mkdocs.wayfinding import navigation_for, neighbours
from kb.model import Entity, KnowledgeBase, load_knowledge_base
from kb.problems import DataError, Problem
from kb.site.abbreviations import GLOSSARY_PAGE, abbreviation_pattern, mark_abbreviations
from kb.site.export import FEED, export_files
from kb.site.feed import atom_feed
from kb.site.links import mark_external_links
from kb.site.plan import PlannedPage, plan_site, render_pages
from kb.site.search_index import leave_tab_labels_out, write_search_index
from kb.site.sharing import page_json_ld, script_json

# The site's own style sheet, held inline in every page's head with the theme's palette (see on_env).
SITE_STYLES = "assets/stylesheets/kb.css"
_THEME_STYLES = re.compile(r"assets/stylesheets/(main|palette)\.[0-9a-f]+\.min\.css")
_SOURCE_MAP = re.compile(r"/\*# sourceMappingURL=[^*]*\*/")


@dataclass
class Build:
    """What one build (or one rebuild while serving) makes in one step and uses in a later one."""

    knowledge_base: KnowledgeBase
    errors: list[Problem] = field(default_factory=list)  # while serving: why the data shown is not the latest
    abbreviations: dict[str, str] = field(init=False)  # abbreviation -> the term it stands for
    abbreviation_pattern: re.Pattern[str] | None = field(init=False)
    entity_pages: dict[str, Entity] = field(default_factory=dict)  # docs path -> entity
    generated_pages: set[str] = field(default_factory=set)  # docs paths of the pages made from templates
    outside_nav: dict[str, PlannedPage] = field(default_factory=dict)  # docs path -> a page shown under another
    files: Files | None = None
    worker: PageWorker | None = None
    section_worker: SectionWorker | None = None
    converted: dict[str, ConvertedPage] = field(default_factory=dict)  # docs path -> the worker's result

    def __post_init__(self) -> None:
        self.abbreviations = {abbreviation: term["term"] for abbreviation, term in self.knowledge_base.glossary.items()}
        self.abbreviation_pattern = abbreviation_pattern(self.abbreviations)


class KnowledgeBasePlugin(BasePlugin):  # type: ignore[type-arg]
    """See the module's description. One instance lives for a whole ``kb serve`` session."""

    def __init__(self) -> None:
        self.command = "build"
        self.handed_over: KnowledgeBase | None = None  # set by ``kb build``, which has validated the data already
        self.last_good: KnowledgeBase | None = None  # while serving
        self.build: Build | None = None
        self.finished_html = FinishedHtml()  # set on for the generated pages (on_page_markdown)
        # Page URL -> the search terms of its front matter (pages that are not an entity's: About, Contributing),
        # kept for a whole ``kb serve`` session, as its search index keeps the sections of the pages not rebuilt.
        self.page_search_terms: dict[str, list[str]] = {}

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.command = command

    # 1. The data -------------------------------------------------------------------------------------------

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        if not config.use_directory_urls:
            raise PluginError("the knowledge base links pages as directory URLs: keep use_directory_urls: true")
        self.build = Build(*self._knowledge_base(config))
        config.nav = _with_type_indexes(config.nav, self.build.knowledge_base)
        if self.finished_html not in config.markdown_extensions:
            config.markdown_extensions.append(self.finished_html)
        return config

    def _knowledge_base(self, config: MkDocsConfig) -> tuple[KnowledgeBase, list[Problem]]:
        """The model to build, and (while serving) the errors that kept a newer one from being built."""
        if self.handed_over is not None:
            handed_over, self.handed_over = self.handed_over, None
            return handed_over, []
        data_root = Path(config.config_file_path).resolve().parent / config.extra.get("data_dir", "data")
        try:
            knowledge_base = load_knowledge_base(data_root)
        except (DataError, SchemaError) as exc:
            problems = exc.problems if isinstance(exc, DataError) else [exc.problem]
            message = f"the data has {len(problems)} error(s):\n" + "\n".join(map(str, problems))
            if self.command != "serve" or self.last_good is None:
                raise PluginError(message) from None
            # Printed, not logged: strict mode would turn a logged warning into a failed rebuild.
            print(f"{message}\nStill showing the last good version; fix the file and save again.", file=sys.stderr)
            return self.last_good, problems
        if self.command == "serve":
            self.last_good = knowledge_base
        return knowledge_base, []

    # 2. The pages ------------------------------------------------------------------------------------------

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        build = self._current()
        for file in files.documentation_pages():
            file.edit_uri = f"docs/{file.src_uri}"
        exported = export_files(build.knowledge_base)
        for path, content in exported.items():
            files.append(File.generated(config, path, content=content))
        files.append(File.generated(config, FEED, content=feed_content(build.knowledge_base, config)))
        planned_pages = plan_site(build.knowledge_base, exported)
        for planned, content in zip(planned_pages, render_pages(build.knowledge_base, planned_pages), strict=True):
            # Entity pages are reached from their type's index: listing them in the navigation would make every
            # page carry every entity, and the build quadratic.
            inclusion = InclusionLevel.UNDEFINED if planned.in_nav else InclusionLevel.NOT_IN_NAV
            file = File.generated(config, planned.path, content=content, inclusion=inclusion)
            file.edit_uri = planned.edit_path
            files.append(file)
            build.generated_pages.add(planned.path)
            if planned.entity is not None:
                build.entity_pages[planned.path] = planned.entity
            if planned.shown_under is not None:
                build.outside_nav[planned.path] = planned
        return files

    def refresh(self, knowledge_base: KnowledgeBase, planned: list[PlannedPage], files: Files) -> None:
        """``kb serve``, after a save: the data the pages it builds again come from, which page is which
        entity's, which pages are shown under another, and the files (it builds only the pages the change
        touches, without the events above)."""
        self.build = Build(knowledge_base)
        self.build.entity_pages = {page.path: page.entity for page in planned if page.entity is not None}
        self.build.generated_pages = {page.path for page in planned}
        self.build.outside_nav = {page.path: page for page in planned if page.shown_under is not None}
        self.build.files = files

    # 3. Second processes for the entity pages -------------------------------------------------------------

    @event_priority(-100)  # last: the navigation and the files are final
    def on_nav(self, nav: Navigation, config: MkDocsConfig, files: Files) -> Navigation:
        build = self._current()
        build.files = files
        entity_files = [file for file in files.documentation_pages() if file.src_uri in build.entity_pages]
        if self._may_split(config, len(entity_files)):
            # MkDocs converts pages in file order: it is busy with the first half while the worker does the rest.
            build.worker = PageWorker(entity_files[len(entity_files) // 2:], config, files)
        return nav

    def _may_split(self, config: MkDocsConfig, entity_pages: int) -> bool:
        """When building (a server runs threads, which a fork would copy in the middle of their work), with
        enough pages, and when no other plugin edits pages (it would see the worker's pages empty).
        KB_PAGE_WORKER=always or never decides instead (tests)."""
        choice = os.environ.get("KB_PAGE_WORKER", "auto")
        listeners = config.plugins.events["page_markdown"] + config.plugins.events["page_content"]
        only_ours = all(getattr(listener, "__self__", None) is self for listener in listeners)
        enough = choice == "always" or (choice == "auto" and entity_pages >= ENOUGH_PAGES)
        return choice != "never" and self.command == "build" and only_ours and enough

    # 4. Each page ------------------------------------------------------------------------------------------

    def on_page_markdown(self, markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        build = self._current()
        entity = build.entity_pages.get(page.file.src_uri)
        if entity is not None:
            page.update_date = entity.data["last_reviewed"]  # the sitemap's date; keeps builds reproducible
        self.finished_html.active = page.file.src_uri in build.generated_pages
        self.page_search_terms[page.url] = front_matter_search_terms(page)
        if build.worker is not None and page.file.src_uri in build.worker.src_uris:
            converted = build.worker.results().get(page.file.src_uri)
            if converted is not None:
                build.converted[page.file.src_uri] = converted
                return ""  # nothing left to convert
        return markdown

    def on_page_content(self, html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        build = self._current()
        converted = build.converted.pop(page.file.src_uri, None)
        if converted is not None:
            return converted.apply_to(page, files)
        if self.finished_html.active:  # the ids in the HTML it stashed, which MkDocs' anchor check did not see
            page.present_anchor_ids = (page.present_anchor_ids or set()) | self.finished_html.anchor_ids
        glossary = files.get_file_from_path(GLOSSARY_PAGE)
        on_glossary = glossary is None or page.file.src_uri == GLOSSARY_PAGE
        html = mark_abbreviations(html, build.abbreviations, build.abbreviation_pattern,
                                  None if on_glossary else glossary.url_relative_to(page.file))
        return leave_tab_labels_out(mark_external_links(html))

    @event_priority(-100)  # last: every page is converted
    def on_env(self, env: Environment, config: MkDocsConfig, files: Files) -> Environment:
        env.globals["kb_styles"] = inline_styles(files, palette=bool(config.theme.get("palette")))
        build = self._current()
        search = config.plugins.get("material/search")
        search_index = getattr(search, "search_index", None)
        if build.worker is not None and isinstance(search_index, SearchIndex) and self._only_reads(config, search):
            entity_pages = [file.page for file in files.documentation_pages()
                            if file.src_uri in build.entity_pages and file.page is not None]
            build.section_worker = SectionWorker(entity_pages, search_index.config)
            search.search_index = SearchIndexWithSections(search_index, build.section_worker)
        return env

    def _only_reads(self, config: MkDocsConfig, search: object) -> bool:
        """Whether the plugins that see a page just before it goes into the template are only this one and
        Material's search plugin (``search``), neither of which changes the page's HTML before search cuts it."""
        return all(getattr(listener, "__self__", None) in (self, search)
                   for listener in config.plugins.events["page_context"])

    def on_page_context(self, context: dict[str, Any], page: Page, config: MkDocsConfig, nav: Navigation
                        ) -> dict[str, Any]:
        build = self._current()
        context["kb_errors"] = [str(problem) for problem in build.errors]
        context["kb_share"] = _sharing(build, page, config)
        planned = build.outside_nav.get(page.file.src_uri)
        shown_under = build.files.get_file_from_path(planned.shown_under) if planned and build.files else None
        if shown_under is not None and shown_under.page is not None:
            context["nav"] = navigation_for(page, shown_under.page, nav)
            page.previous_page, page.next_page = neighbours(build.files, planned.previous, planned.next)
        return context

    @event_priority(-100)  # after Material's search plugin has written its sections
    def on_post_build(self, config: MkDocsConfig) -> None:
        """5. The search index, built from Material's sections of every page (see kb.site.search_index)."""
        self._stop_worker()
        write_search_index(Path(config.site_dir), self._current().knowledge_base,
                           suggest="search.suggest" in config.theme.get("features", []),
                           page_search_terms=self.page_search_terms)

    def on_build_error(self, error: Exception) -> None:
        self._stop_worker()

    def _stop_worker(self) -> None:
        if self.build is not None and self.build.worker is not None:
            self.build.worker.stop()
            self.build.worker = None
        if self.build is not None and self.build.section_worker is not None:
            self.build.section_worker.stop()
            self.build.section_worker = None

    def _current(self) -> Build:
        assert self.build is not None, "on_config runs first"
        return self.build


def front_matter_search_terms(page: Page) -> list[str]:
    """The phrases a reader may search the page by, from ``search_terms`` in its front matter (none if it has
    none). A value that is not a list of phrases stops the build, naming the file and line."""
    terms = page.meta.get("search_terms", [])
    if isinstance(terms, list) and all(isinstance(term, str) and term.strip() for term in terms):
        return terms
    lines = page.file.content_string.splitlines()
    line = next((number for number, text in enumerate(lines, 1) if text.startswith("search_terms:")), 1)
    path = f"docs/{page.file.src_uri}" if page.file.generated_by is None else page.file.src_uri
    problem = Problem(path, line, 1, "search_terms in the front matter must be a list of phrases, e.g. "
                      "search_terms: [report an error, suggest a correction]", code="build-failed")
    raise PluginError(problem.headline)


def feed_content(knowledge_base: KnowledgeBase, config: MkDocsConfig) -> bytes:
    """The Atom feed of changes (``feed.xml``) for this data and configuration."""
    return atom_feed(knowledge_base, config.site_url or "/", config.site_name)


def _sharing(build: Build, page: Page, config: MkDocsConfig) -> dict[str, str]:
    """What the page's head tells link previews and search engines (main.html writes it): plain title and
    description, absolute address and its JSON-LD."""
    site_url = config.site_url or "/"
    entity = build.entity_pages.get(page.file.src_uri)
    title = config.site_name if page.is_homepage else html.unescape(str(page.meta.get("title") or page.title or ""))
    description = html.unescape(str(page.meta.get("description") or config.site_description or ""))
    url = page.canonical_url or site_url + page.url
    last_reviewed = entity.data["last_reviewed"] if entity else page.meta.get("last_reviewed")
    json_ld = page_json_ld(build.knowledge_base, title=title, description=description, url=url, site_url=site_url,
                           site_name=config.site_name, entity=entity, last_reviewed=last_reviewed)
    return {"title": title, "description": description, "url": url, "type": "article" if entity else "website",
            "json_ld": script_json(json_ld)}


def _with_type_indexes(nav: list[Any] | None, knowledge_base: KnowledgeBase) -> list[Any] | None:
    """The configured navigation with a section for each entity type after the first entry (Home), in the
    types' order, unless the configuration lists its index already. The section holds only the type's index
    ("All products", a page of its own, so that a phone's drawer shows its contents too): its entity pages are
    shown in it one at a time (see :mod:`kb.mkdocs.wayfinding`)."""
    if nav is None:
        return None
    listed = {str(value) for item in nav if isinstance(item, dict) for value in item.values()}
    indexes = [{t.plural.capitalize(): [{f"All {t.plural}": f"{t.plural}/index.md"}]} for t in knowledge_base.types
               if f"{t.plural}/index.md" not in listed]
    return [*nav[:1], *indexes, *nav[1:]]


def inline_styles(files: Files, *, palette: bool) -> dict[str, str] | None:
    """The theme's main style sheet (linked: it is large and the same on every page) and the CSS the page's head
    holds inline: the theme's palette (with a color palette configured) and the site's own ``kb.css``. None
    when the theme's files are not where Material 9 keeps them: the theme's own head is used then."""
    theme = {match.group(1): file for file in files
             if (match := _THEME_STYLES.fullmatch(file.src_uri)) is not None}
    own = files.get_file_from_path(SITE_STYLES)
    if "main" not in theme or own is None or (palette and "palette" not in theme):
        return None
    inline = [theme["palette"]] if palette else []
    css = "\n".join(_SOURCE_MAP.sub("", Path(file.abs_src_path).read_text(encoding="utf-8")).strip()
                     for file in [*inline, own] if file.abs_src_path)
    return {"main": theme["main"].url, "inline": css}
