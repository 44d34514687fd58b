"""Render stage: turn the knowledge base into Markdown pages through Jinja2 templates.

Every entity type goes through the same mechanism: ``templates/<type>/page.md.j2`` (which extends
``templates/entity.md.j2``) for each entity, and ``templates/<type>/index.md.j2`` (falling back to
``templates/index.md.j2``) for the type's index. Text from the data is escaped here, as a second line
of defence behind validation, so that no HTML, attribute list or link scheme from YAML reaches a page.

Prose stays Markdown, for MkDocs to convert and check. Tables, lists of links, related pages and the
numbered references are written as HTML blocks, which Python-Markdown passes through instead of running
its inline patterns over every cell (see the Performance page); links in them are final URLs
(:func:`relative_url`), since MkDocs only rewrites Markdown links, and a test checks every link of the
built site.
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import posixpath
import re
import types
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from kb import diagrams
from kb.abbreviations import term_anchor
from kb.collector import cycle_collection_paused
from kb.compare import compare_products, compare_therapies
from kb.export import data_version
from kb.figures import format_figure_value, format_number
from kb.forked import map_in_two_processes
from kb.markup import CITATION, ENTITY_PREFIX, link_labels_only, links_and_citations_in
from kb.model import Entity, KnowledgeBase

TEMPLATES = Path(__file__).parent / "templates"

# Pages that are not entity pages, generated from the data as a whole: page path -> template.
COLLECTION_PAGES = {
    "compare/therapies.md": "compare/therapies.md.j2",
    "compare/products.md": "compare/products.md.j2",
    "reference/sources.md": "reference/sources.md.j2",
    "reference/glossary.md": "reference/glossary.md.j2",
    "reference/evidence-levels.md": "reference/evidence-levels.md.j2",
    "reference/tags.md": "reference/tags.md.j2",
    "reference/whats-new.md": "reference/whats-new.md.j2",
    "reference/downloads.md": "reference/downloads.md.j2",
    "reference/how-to-cite.md": "reference/how-to-cite.md.j2",
}
BIBLIOGRAPHY = "reference/sources.md"

# Rows on a type's index page, or entries in the bibliography, before the list goes on on a next page: long
# lists are slow to load on a phone and hard to scan. Search and the type filters find any single entry.
ENTRIES_PER_PAGE = 100
# A next page of a list is named with an underscore, which ids cannot contain, so it never takes an id's URL.
_CONTINUATION = re.compile(r"_(\d+)\.md$")


@dataclass(frozen=True)
class Pagination:
    """Where one page of a long list stands among the pages of that list (all of them paths in docs/)."""

    number: int  # from 1
    paths: tuple[str, ...]
    first_entry: int  # from 1, for "entries 101-200"
    last_entry: int
    total: int

    @property
    def previous(self) -> str | None:
        return self.paths[self.number - 2] if self.number > 1 else None

    @property
    def next(self) -> str | None:
        return self.paths[self.number] if self.number < len(self.paths) else None


def list_pages(first_path: str, items: list[Any], size: int | None = None) -> list[tuple[str, list[Any], Pagination]]:
    """A long list cut into pages of ``size`` (default ENTRIES_PER_PAGE): (page path, its items, where it
    stands); one page, however short the list."""
    size = size or ENTRIES_PER_PAGE
    count = max(1, -(-len(items) // size))
    folder, name = posixpath.split(first_path)
    stem = "page" if name == "index.md" else name.removesuffix(".md")
    paths = (first_path, *(posixpath.join(folder, f"{stem}_{number}.md") for number in range(2, count + 1)))
    return [(path, items[(number - 1) * size:number * size],
             Pagination(number, paths, (number - 1) * size + 1, min(number * size, len(items)), len(items)))
            for number, path in enumerate(paths, start=1)]


def is_continuation_page(page_path: str) -> bool:
    """Whether the page is the second or a later page of a list (reached from the first, not the nav)."""
    return _CONTINUATION.search(page_path) is not None


# A group of citation marks as PageContext.cite writes it, for the steps after rendering that find them. Search
# leaves it out (data-search-exclude, Material's own marker): its numbers mean nothing in a result.
CITATION_MARKS = re.compile(r'<sup class="kb-cite" data-search-exclude>.*?</sup>')

_PLAIN_SPECIALS = re.compile(r"([\\`*_\[\]()#+!|~^])")
_SAFE_URL = re.compile(r"https?://[^\s<>\"'()\\]+")


def _escape_html(text: str) -> str:
    # A chain of replace() is several times cheaper than one translate() with a table of strings, which
    # looks every character up: most text has none of these, and replace() then copies nothing.
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("{", "&#123;").replace("}", "&#125;"))


def plain(value: Any) -> str:
    """Data text shown literally: HTML-escaped and with every Markdown special character escaped."""
    text = str(value)
    if _PLAIN_SPECIALS.search(text):  # most names and labels have none: one search, no substitution
        text = _PLAIN_SPECIALS.sub(r"\\\1", text)
    return _escape_html(text).replace("\n", " ")


def relative_link(from_page: str, to_page: str) -> str:
    """A link from one docs page to another, relative, as MkDocs resolves it."""
    return _relative_link(from_page.rpartition("/")[0], to_page)


@functools.lru_cache(maxsize=1 << 18)  # pages link to the same pages from the same folders over and over
def _relative_link(from_folder: str, to_page: str) -> str:
    return _relative_path(from_folder, to_page)


def _relative_path(from_folder: str, to_page: str) -> str:
    start, target = from_folder.split("/") if from_folder else [], to_page.split("/")
    if "" in target or "." in target or ".." in target or "" in start or "." in start or ".." in start:
        return posixpath.relpath(to_page, from_folder or ".")
    # Clean paths (every page path): what posixpath.relpath returns, without its two abspath() and getcwd().
    common = 0
    for here, there in zip(start, target, strict=False):
        if here != there:
            break
        common += 1
    return "/".join([".."] * (len(start) - common) + target[common:]) or "."


@functools.lru_cache(maxsize=65536)  # each page's URL is asked for by every page that links to it
def page_url(page_path: str) -> str:
    """The URL path of a docs page under MkDocs' directory URLs: ``a/b.md`` -> ``a/b/``, ``a/index.md`` -> ``a/``."""
    stem = page_path.removesuffix(".md")
    if stem == "index" or stem.endswith("/index"):
        stem = stem.removesuffix("index")
        return stem
    return stem + "/"


def relative_url(from_page: str, to_page: str) -> str:
    """A link from one page to another as it must appear in HTML, which MkDocs does not rewrite."""
    here, there = page_url(from_page), page_url(to_page)
    folder = _folder_beside(here, there)
    if folder is not None:
        return _url_from_beside(folder, there)
    # A file name no page has ("\0") turns the directory-to-directory question into relative_link's.
    return _relative_path(here.removesuffix("/"), there + "\0")[:-1] or "./"


def _folder_beside(here: str, there: str) -> str | None:
    """The folder above the page at URL ``here`` when ``there`` lies outside that page's own folder: the link
    is then the same from every page beside it. None when ``there`` is under ``here`` (or ``here`` is the root)."""
    return here[:-1].rpartition("/")[0] if here and not there.startswith(here) else None


def _url_from_beside(folder: str, there: str) -> str:
    # Anywhere outside a page's own folder is one level up and then as seen from the folder above, which the
    # pages beside it share (so the cache holds one entry per folder and target, not per page).
    return "../" + _relative_link(folder, there + "\0")[:-1]


def _html_link(url: str, name: str) -> str:
    """A link for an HTML block, where MkDocs leaves links as they are written."""
    return f'<a href="{url}">{html.escape(name)}</a>'


@functools.lru_cache(maxsize=1 << 16)  # the same entities are listed as related from every page of a folder
def _html_link_from_beside(folder: str, to_page: str, name: str) -> str:
    return _html_link(_url_from_beside(folder, page_url(to_page)), name)


_INLINE_MARKUP = re.compile(
    r"\*\*(?=\S)(?P<strong>.+?)(?<=\S)\*\*|\*(?=[^\s*])(?P<em>[^*]+?)(?<=\S)\*|`(?P<code>[^`]+)`")


def _inline_markup(escaped: str) -> str:
    """**strong**, *emphasis* and `code` in text that is already HTML-escaped."""
    def replace(match: re.Match[str]) -> str:
        if match.group("strong") is not None:
            return f"<strong>{_inline_markup(match.group('strong'))}</strong>"
        if match.group("em") is not None:
            return f"<em>{match.group('em')}</em>"
        return f"<code>{match.group('code')}</code>"
    return _INLINE_MARKUP.sub(replace, escaped)


class PageContext:
    """What a template needs to link and cite from one page."""

    def __init__(self, knowledge_base: KnowledgeBase, page_path: str):
        self.kb = knowledge_base
        self.page_path = page_path
        self.cited: dict[str, int] = {}  # source id -> its number: the order the page first cites them
        self._uses: dict[str, int] = {}

    def url(self, to_page: str) -> str:
        """The URL of another docs page relative to this one, for HTML."""
        return relative_url(self.page_path, to_page)

    def link_to(self, entity_id: str) -> str:
        return relative_link(self.page_path, self.kb.entities[entity_id].page_path)

    def url_to(self, entity_id: str) -> str:
        return relative_url(self.page_path, self.kb.entities[entity_id].page_path)

    def entity_html_link(self, entity_id: str) -> str:
        """An entity link for HTML blocks, where MkDocs leaves links as they are written."""
        entity = self.kb.entities.get(entity_id)
        if entity is None:  # validation prevents this; keep the text rather than a broken link
            return html.escape(entity_id)
        return _html_link(self.url_to(entity_id), entity.name)

    def entity_html_links(self, entities: list[Entity], separator: str = " · ") -> str:
        """Links to several entities for an HTML block, ``separator`` between them. (A loop in the template
        cost more than the rest of an entity page's Related section: a page lists about thirty.)"""
        here = page_url(self.page_path)
        links = []
        for entity in entities:
            folder = _folder_beside(here, entity.url)  # page_url(entity.page_path): "index" is no entity's id
            links.append(_html_link_from_beside(folder, entity.page_path, entity.name) if folder is not None else
                         _html_link(self.url(entity.page_path), entity.name))
        return separator.join(links)

    def entity_links(self, entities: list[Entity], separator: str = ", ") -> str:
        """Markdown links to several entities, ``separator`` between them (a bibliography entry lists every
        page that cites the source: dozens, on hundreds of entries per page)."""
        here = self.page_path
        return separator.join(f"[{plain(entity.name)}]({relative_link(here, entity.page_path)})" for entity in entities)

    def entity_link(self, entity_id: str) -> str:
        entity = self.kb.entities.get(entity_id)
        if entity is None:  # validation prevents this; keep the text rather than a broken link
            return plain(entity_id)
        return f"[{plain(entity.name)}]({self.link_to(entity_id)})"

    def cite(self, source_ids: list[str] | tuple[str, ...] | None) -> str:
        """Numbered citation marks, as inline HTML in the footnote markup the theme gives tooltips to.

        Numbering is ours, in reading order, rather than Python-Markdown's footnotes extension: that
        extension was the largest single cost of turning a page into HTML.
        """
        marks = []
        for source_id in source_ids or []:
            if source_id not in self.kb.sources:
                continue
            number = self.cited.setdefault(source_id, len(self.cited) + 1)
            uses = self._uses[source_id] = self._uses.get(source_id, 0) + 1
            anchor = f"fnref:{source_id}" if uses == 1 else f"fnref{uses}:{source_id}"
            marks.append((number, f'<a class="footnote-ref" id="{anchor}" href="#fn:{source_id}">{number}</a>'))
        # One <sup> per group of marks, commas between them: 3,4,5 rather than 345; in increasing order, as
        # the list below them is, whatever order the data lists the sources in.
        group = ",".join(mark for _, mark in sorted(marks))
        return f'<sup class="kb-cite" data-search-exclude>{group}</sup>' if marks else ""

    def footnotes(self) -> str:
        """The numbered list of every source this page cited, as an HTML block."""
        if not self.cited:
            return ""
        items = "\n".join(
            f'<li id="fn:{source_id}"><p>{self.source_html(source_id)} <a class="footnote-backref" '
            f'href="#fnref:{source_id}" title="Back to the first citation">&#8617;&#xFE0E;</a></p></li>'
            for source_id in self.cited)
        return f'<div class="footnote">\n<hr>\n<ol>\n{items}\n</ol>\n</div>\n'

    def source_html(self, source_id: str) -> str:
        """A bibliography entry as HTML: the citation and its links."""
        source = self.kb.sources[source_id]
        return _source_html(source.data["citation"], source.links)

    def source_line(self, source_id: str) -> str:
        """A bibliography entry as one line of Markdown: the citation and its links."""
        source = self.kb.sources[source_id]
        links = " · ".join(f"[{plain(label)}]({url})" for label, url in source.links if _SAFE_URL.fullmatch(url))
        return f"{plain(source.data['citation'])} {links}".strip()

    def markdown(self, value: Any) -> str:
        """Data Markdown made safe: HTML escaped, only http(s) and entity links kept, citations numbered."""
        text = str(value)
        out: list[str] = []
        position = 0
        for match in links_and_citations_in(text):
            out.append(_escape_html(text[position:match.start()]))
            out.append(self._link_or_citation(match))
            position = match.end()
        out.append(_escape_html(text[position:]))
        return "".join(out)

    def inline_html(self, value: Any) -> str:
        """Data Markdown for a table cell or other HTML block: links, citations, **strong**, *emphasis*
        and `code` become HTML; anything else stays literal text."""
        text = str(value).replace("\n", " ")
        out: list[str] = []
        position = 0
        for match in links_and_citations_in(text):
            out.append(_inline_markup(html.escape(text[position:match.start()], quote=False)))
            out.append(self._html_link_or_citation(match))
            position = match.end()
        out.append(_inline_markup(html.escape(text[position:], quote=False)))
        return "".join(out)

    def _html_link_or_citation(self, match: re.Match[str]) -> str:
        if match.group("cite"):
            return self.cite([match.group("cite")]) or html.escape(match.group(0), quote=False)
        label, target = _inline_markup(html.escape(match.group("label"), quote=False)), match.group("target")
        entity_id = target.removeprefix(ENTITY_PREFIX)
        if target.startswith(ENTITY_PREFIX) and entity_id in self.kb.entities:
            return f'<a href="{self.url_to(entity_id)}">{label}</a>'
        if _SAFE_URL.fullmatch(target) and not match.group("image"):
            return f'<a href="{html.escape(target)}">{label}</a>'
        return label

    def _link_or_citation(self, match: re.Match[str]) -> str:
        if match.group("cite"):
            return self.cite([match.group("cite")]) or plain(match.group(0))
        label, target = _escape_html(match.group("label")), match.group("target")
        entity_id = target.removeprefix(ENTITY_PREFIX)
        if target.startswith(ENTITY_PREFIX) and entity_id in self.kb.entities:
            return f"[{label}]({self.link_to(entity_id)})"
        if _SAFE_URL.fullmatch(target) and not match.group("image"):
            return f"[{label}]({target})"
        return plain(match.group("label"))  # anything else loses its link and keeps its words


@functools.lru_cache(maxsize=1 << 16)  # every page lists its sources, and the same sources recur on many pages
def _source_html(citation: str, links: tuple[tuple[str, str], ...]) -> str:
    shown = " · ".join(f'<a href="{html.escape(url)}">{html.escape(label)}</a>'
                       for label, url in links if _SAFE_URL.fullmatch(url))
    return f"{html.escape(citation, quote=False)} {shown}".strip()


def humanize(value: str) -> str:
    return value.replace("-", " ").capitalize()


def choice_label(knowledge_base: KnowledgeBase, type_name: str, field_name: str, value: str) -> str:
    """The schema's own description of an allowed value (e.g. kind 'nk-cell'), else the value made readable."""
    entity_type = knowledge_base.schemas.entity_types[type_name]
    field = knowledge_base.schemas.raw[entity_type.schema_file]["properties"].get(field_name, {})
    for option in field.get("oneOf", []):
        if option.get("const") == value and option.get("description"):
            return option["description"].rstrip(".")
    return humanize(value)


def front_matter(**fields: Any) -> str:
    """YAML front matter; JSON is valid YAML. Text is HTML-escaped too: the theme prints the title and
    description into the page head, header and navigation without escaping them."""
    lines = [f"{key}: {json.dumps(html.escape(value) if isinstance(value, str) else value, ensure_ascii=False)}"
             for key, value in sorted(fields.items()) if value is not None]
    return "---\n" + "\n".join(lines) + "\n---\n"


def description_of(entity: Entity) -> str:
    """A plain one-line description for search engines and link previews."""
    text = link_labels_only(entity.data.get("plain_summary", entity.name))
    text = CITATION.sub("", text) if "[@" in text else text
    text = " ".join(text.replace("*", "").replace("_", "").replace("`", "").split())
    return text if len(text) <= 200 else text[:197].rsplit(" ", 1)[0] + "…"


class _Environment(jinja2.Environment):
    """Templates read data mappings as ``d.field``. Jinja tries an attribute first and the key only after the
    attribute lookup has failed, raising and catching an exception each time: here a data mapping's key is
    looked up first (a name that is also a dict method, like ``items``, still means the method)."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if obj.__class__ is dict:
            if attribute not in _DICT_METHODS:
                # A missing key is undefined, as Jinja finds after failing both lookups (raising twice): most
                # of the data's optional fields are asked for with `is defined`.
                value = obj.get(attribute, _MISSING)
                return self.undefined(obj=obj, name=attribute) if value is _MISSING else value
        else:  # what Jinja does first, without the extra call
            try:
                return getattr(obj, attribute)
            except AttributeError:
                pass
        return super().getattr(obj, attribute)


_DICT_METHODS = frozenset(dir(dict))
_MISSING = object()


class _Context(jinja2.runtime.Context):
    """Every call in a template goes through ``Context.call``, which first looks for marks asking for the
    context to be passed in: several lookups, for dozens of calls per page. Plain functions and methods
    without such a mark (the page's own helpers) are called directly."""

    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        if __obj.__class__ in _PLAIN_CALLABLES and not hasattr(__obj, "jinja_pass_arg"):
            if kwargs:  # what Jinja adds for callables that take the context, dropped as Jinja does
                kwargs.pop("_loop_vars", None)
                kwargs.pop("_block_vars", None)
            return __obj(*args, **kwargs)
        return super().call(__obj, *args, **kwargs)


_PLAIN_CALLABLES = (types.FunctionType, types.MethodType, types.BuiltinFunctionType)


@cache
def _environment() -> jinja2.Environment:
    environment = _Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        auto_reload=False,  # templates are code: read once per process, not checked on disk for every page
        autoescape=False,  # Markdown output; data text is escaped by the plain/md filters instead
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.context_class = _Context
    environment.filters.update(plain=plain, figure_value=format_figure_value, humanize=humanize,
                               number=format_number)
    environment.globals.update(front_matter=front_matter, description_of=description_of)
    return environment


def _template(*names: str) -> jinja2.Template:
    return _environment().select_template(list(names))


def _page_globals(knowledge_base: KnowledgeBase, page_path: str) -> dict[str, Callable[..., str] | Any]:
    context = PageContext(knowledge_base, page_path)
    return {"kb": knowledge_base, "md": context.markdown, "cite": context.cite, "entity_link": context.entity_link,
            "link_to": context.link_to, "page_path": page_path, "md_inline": context.inline_html,
            "url_to": context.url_to, "entity_html_link": context.entity_html_link,
            "entity_html_links": context.entity_html_links, "entity_links": context.entity_links,
            "url": context.url, "page": context,
            "source_line": context.source_line,
            "choice_label": lambda type_name, field, value: choice_label(knowledge_base, type_name, field, value),
            "tag_label": lambda tag: knowledge_base.tag_titles.get(tag) or humanize(tag),
            "footnotes": context.footnotes, "diagrams": diagrams,
            "term_anchor": term_anchor,
            "link": lambda to_page: relative_link(page_path, to_page)}


def render_entity_page(knowledge_base: KnowledgeBase, entity: Entity) -> str:
    template = _template(f"{entity.type.name}/page.md.j2")
    return template.render(entity=entity, d=entity.data, **_page_globals(knowledge_base, entity.page_path))


def render_index_page(knowledge_base: KnowledgeBase, type_name: str, page_path: str, entities: list[Entity],
                      pagination: Pagination) -> str:
    """One page of a type's index: ``entities`` are the ones this page lists."""
    entity_type = knowledge_base.schemas.entity_types[type_name]
    template = _template(f"{type_name}/index.md.j2", "index.md.j2")
    return template.render(entity_type=entity_type, entities=entities, pagination=pagination,
                           **_page_globals(knowledge_base, page_path))


def collection_context(knowledge_base: KnowledgeBase, exported: dict[str, bytes] | None = None) -> dict[str, Any]:
    """What the pages built from all the data share, computed once for all of them."""
    version, released = data_version(knowledge_base)
    return {"exported_files": exported or {}, "version": version, "released": released}


def _downloads(knowledge_base: KnowledgeBase, exported: dict[str, bytes]) -> dict[str, Any]:
    return {"exported": sorted(exported), "sizes": {path: len(content) for path, content in exported.items()},
            "checksums": {path: hashlib.sha256(content).hexdigest() for path, content in exported.items()}}


# What only one page needs, computed when that page is rendered (in whichever process renders it), not for all.
_PAGE_CONTEXT: dict[str, Callable[[KnowledgeBase, dict[str, bytes]], dict[str, Any]]] = {
    "compare/products.md": lambda knowledge_base, _: {"products": compare_products(knowledge_base)},
    "compare/therapies.md": lambda knowledge_base, _: {"therapies": compare_therapies(knowledge_base)},
    "reference/downloads.md": _downloads,
}


def render_collection_page(knowledge_base: KnowledgeBase, page_path: str, context: dict[str, Any],
                           template_name: str | None = None) -> str:
    own = _PAGE_CONTEXT.get(page_path)
    if own is not None:
        context = {**context, **own(knowledge_base, context["exported_files"])}
    return _template(template_name or COLLECTION_PAGES[page_path]).render(
        **context, **_page_globals(knowledge_base, page_path))


def render_site_pages(knowledge_base: KnowledgeBase, exported: dict[str, bytes] | None = None, *,
                      split: bool = False) -> dict[str, str]:
    """Every generated page, keyed by its path inside the docs tree. With ``split``, a forked process
    renders some of the pages (see kb.forked) while this one renders the rest."""
    context = collection_context(knowledge_base, exported)
    jobs: list[tuple[str, Callable[[], str]]] = []
    for entity_type in knowledge_base.types:
        entities = knowledge_base.of_type(entity_type.name)
        jobs.extend((page_path, functools.partial(render_index_page, knowledge_base, entity_type.name, page_path,
                                                  listed, pagination))
                    for page_path, listed, pagination in list_pages(f"{entity_type.plural}/index.md", entities))
        jobs.extend((entity.page_path, functools.partial(render_entity_page, knowledge_base, entity))
                    for entity in entities)
    collection_jobs: list[tuple[str, Callable[[], str]]] = []
    for page_path, template_name in COLLECTION_PAGES.items():
        if page_path == BIBLIOGRAPHY:
            collection_jobs.extend((path, functools.partial(render_collection_page, knowledge_base, path,
                                                            {**context, "source_ids": ids, "pagination": pagination},
                                                            template_name))
                                   for path, ids, pagination in list_pages(page_path, sorted(knowledge_base.sources)))
        else:
            collection_jobs.append((page_path, functools.partial(render_collection_page, knowledge_base, page_path,
                                                                 context)))
    # The pages built from all the data, a few large ones, go first: the two processes share them out, and
    # the many small entity pages at the end even out the rest (see map_in_two_processes).
    with cycle_collection_paused():  # a full collection would walk the whole model (see kb.collector)
        rendered = map_in_two_processes(lambda job: job[1](), collection_jobs + jobs, split=split)
    pages = {path: page for (path, _), page in zip(collection_jobs + jobs, rendered, strict=True)}
    return {path: pages[path] for path, _ in jobs + collection_jobs}
