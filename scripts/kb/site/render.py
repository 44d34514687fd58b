"""Render stage: turn one planned page (see :mod:`kb.site.plan`) into Markdown through its Jinja2 template.

Templates live in ``templates/``: ``<type>/page.md.j2`` (extending ``entity.md.j2``) for each entity, an
index per type, and one template per page built from all the data. Text from the data is escaped here, as a
second line of defence behind validation, so that no HTML, attribute list or link scheme from YAML reaches a
page.

A template reaches everything it links or cites through ``page`` (a :class:`PageContext`). Its methods
follow one rule: a name starting with ``md_`` returns Markdown (prose, which MkDocs converts and whose links
it checks); every other returns HTML, for tables and lists written as HTML blocks (Python-Markdown passes
those through instead of running its inline patterns over every cell; see the Performance page).
"""

from __future__ import annotations

import html
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from kb.data.markup import CITATION, ENTITY_PREFIX, escape_html, link_labels_only, links_and_citations_in
from kb.model import Entity, KnowledgeBase
from kb.site import diagrams
from kb.site.abbreviations import term_anchor
from kb.site.compare import by_date, first_approval
from kb.site.export import FEED, entity_data_path
from kb.site.figures import figure_anchors, format_figure_value, format_number
from kb.site.links import page_url, relative_path, relative_url, tag_page_path
from kb.site.search_index import GATHERING_PAGE_BOOST

TEMPLATES = Path(__file__).parent / "templates"

_PLAIN_SPECIALS = re.compile(r"([\\`*_\[\]()#+!|~^])")
_SAFE_URL = re.compile(r"https?://[^\s<>\"'()\\]+")
# **strong** (never across another **), *emphasis* and `code`: each match ends at the next marker, so the
# search stays linear however many unclosed markers a text holds.
_INLINE_MARKUP = re.compile(
    r"\*\*(?=\S)(?P<strong>(?:(?!\*\*)[^\n])+?)(?<=\S)\*\*|\*(?=[^\s*])(?P<em>[^*\n]+?)(?<=\S)\*|`(?P<code>[^`\n]+)`")

Target = Entity | str  # an entity, an entity id, or a page path in the docs tree (ending in .md)


def plain(value: Any) -> str:
    """Data text shown literally: HTML-escaped and with every Markdown special character escaped."""
    return escape_html(_PLAIN_SPECIALS.sub(r"\\\1", str(value))).replace("\n", " ")


def _escape_outside_links(text: str) -> str:
    """Escaped so that Python-Markdown reads every bracket (and backslash) as itself, never as a link."""
    # A backslash is escaped first: left alone, one before a bracket would cancel the bracket's escape.
    return escape_html(text).replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def humanize(value: str) -> str:
    return value.replace("-", " ").capitalize()


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
    """What a template needs to link and cite from one page: links to other pages, data text made safe,
    and the page's numbered citations."""

    def __init__(self, knowledge_base: KnowledgeBase, page_path: str):
        self.kb = knowledge_base
        self.page_path = page_path
        self.cited: dict[str, int] = {}  # source id -> its number: the order the page first cites them
        self._numbers: dict[str, int] = {}  # the numbers given so far, with those taken by earlier pages of a list
        self._uses: dict[str, int] = {}

    # --- links ------------------------------------------------------------------------------------------

    def _path(self, target: Target) -> str:
        if isinstance(target, Entity):
            return target.page_path
        return target if target.endswith(".md") else self.kb.entities[target].page_path

    def href(self, target: Target) -> str:
        """The URL of another page (an entity, an entity id or a docs path), relative to this one."""
        return relative_url(self.page_path, self._path(target))

    def md_path(self, target: Target) -> str:
        """The path of another page relative to this one, for a Markdown link."""
        return relative_path(self.page_path, self._path(target))

    def md_file(self, path: str) -> str:
        """The path of any file of the site (``api/v1/sources.ris``, ``feed.xml``) relative to this page, for a
        Markdown link."""
        return relative_path(self.page_path, path)

    def a(self, target: Target, text: str | None = None) -> str:
        """An HTML link to an entity (named by its name unless ``text`` is given) or a page."""
        entity = target if isinstance(target, Entity) else self.kb.entities.get(target)
        if entity is None and not target.endswith(".md"):  # validation prevents this; keep the text
            return html.escape(str(target))
        return f'<a href="{self.href(target)}">{html.escape(text if text is not None else entity.name)}</a>'

    def a_all(self, entities: list[Entity], separator: str = " · ") -> str:
        """HTML links to several entities, ``separator`` between them."""
        return separator.join(self.a(entity) for entity in entities)

    def md_link(self, target: Target) -> str:
        """A Markdown link to an entity, named by its name."""
        entity = target if isinstance(target, Entity) else self.kb.entities.get(target)
        if entity is None:  # validation prevents this; keep the text rather than a broken link
            return plain(target)
        return f"[{plain(entity.name)}]({self.md_path(entity)})"

    def md_links(self, entities: list[Entity], separator: str = ", ") -> str:
        """Markdown links to several entities, ``separator`` between them."""
        return separator.join(self.md_link(entity) for entity in entities)

    # --- data text --------------------------------------------------------------------------------------

    def md(self, value: Any) -> str:
        """Data Markdown made safe for a page: HTML escaped, only https and entity links kept, citations
        numbered; a bracket outside them is escaped, so that Python-Markdown finds no other link."""
        return self._convert(str(value), _escape_outside_links, self._md_link_or_citation)

    def html(self, value: Any) -> str:
        """Data Markdown as inline HTML for a table cell or other HTML block: links, citations, **strong**,
        *emphasis* and `code` become HTML; anything else stays literal text."""
        return self._convert(str(value).replace("\n", " "),
                             lambda text: _inline_markup(html.escape(text, quote=False)), self._html_link_or_citation)

    @staticmethod
    def _convert(text: str, outside: Any, link_or_citation: Any) -> str:
        out: list[str] = []
        position = 0
        for match in links_and_citations_in(text):
            out.append(outside(text[position:match.start()]))
            out.append(link_or_citation(match))
            position = match.end()
        out.append(outside(text[position:]))
        return "".join(out)

    def _linked_entity(self, match: re.Match[str]) -> str | None:
        target = match.group("target")
        entity_id = target.removeprefix(ENTITY_PREFIX)
        return entity_id if target.startswith(ENTITY_PREFIX) and entity_id in self.kb.entities else None

    def _md_link_or_citation(self, match: re.Match[str]) -> str:
        if match.group("cite"):
            return self.cite([match.group("cite")]) or plain(match.group(0))
        label = escape_html(match.group("label")).replace("\\", "\\\\")
        target, entity_id = match.group("target"), self._linked_entity(match)
        if entity_id is not None:
            return f"[{label}]({self.md_path(entity_id)})"
        if _SAFE_URL.fullmatch(target) and not match.group("image"):
            return f"[{label}]({target})"
        return plain(match.group("label"))  # anything else loses its link and keeps its words

    def _html_link_or_citation(self, match: re.Match[str]) -> str:
        if match.group("cite"):
            return self.cite([match.group("cite")]) or html.escape(match.group(0), quote=False)
        label, target, entity_id = (_inline_markup(html.escape(match.group("label"), quote=False)),
                                    match.group("target"), self._linked_entity(match))
        if entity_id is not None:
            return f'<a href="{self.href(entity_id)}">{label}</a>'
        if _SAFE_URL.fullmatch(target) and not match.group("image"):
            return f'<a href="{html.escape(target)}">{label}</a>'
        return label

    # --- citations --------------------------------------------------------------------------------------

    def cite(self, source_ids: list[str] | tuple[str, ...] | None) -> str:
        """Numbered citation marks, as inline HTML in the footnote markup the theme gives tooltips to. The
        numbers are ours, in reading order (Python-Markdown's footnotes extension was the largest single cost
        of converting a page)."""
        marks = []
        for source_id in source_ids or []:
            if source_id not in self.kb.sources:
                continue
            number = self.cited.setdefault(source_id, self._numbers.setdefault(source_id, len(self._numbers) + 1))
            uses = self._uses[source_id] = self._uses.get(source_id, 0) + 1
            anchor = f"fnref:{source_id}" if uses == 1 else f"fnref{uses}:{source_id}"
            marks.append((number, f'<a class="footnote-ref" id="{anchor}" href="#fn:{source_id}">{number}</a>'))
        # One <sup> per group, commas between (3,4,5 rather than 345), in increasing order as the list below is.
        # Search leaves it out (data-search-exclude, Material's own marker): its numbers mean nothing in a result.
        group = ",".join(mark for _, mark in sorted(marks))
        return f'<sup class="kb-cite" data-search-exclude>{group}</sup>' if marks else ""

    def cite_others(self, text: str, source_ids: list[str] | tuple[str, ...] | None) -> str:
        """The marks of the sources that ``text`` does not cite itself (a section's sources after its body: a
        source the body cites already would show its number twice in a row)."""
        cited = {match.group("cite") for match in CITATION.finditer(text)}
        return self.cite([source_id for source_id in source_ids or [] if source_id not in cited])

    def continue_numbering(self, source_ids: list[str]) -> str:
        """Number ``source_ids`` (what the earlier pages of a list cited, in their order) without citing them, so
        that a source keeps its number on every page of the list: rows that a filter brings in from another page
        keep theirs. Returns nothing to show."""
        for source_id in source_ids:
            if source_id in self.kb.sources:
                self._numbers.setdefault(source_id, len(self._numbers) + 1)
        return ""

    def footnotes(self) -> str:
        """The numbered list of every source this page cited, as an HTML block (an item whose number is not its
        place in the list, after continue_numbering, says its number)."""
        if not self.cited:
            return ""
        numbered = sorted(self.cited.items(), key=lambda item: item[1])
        items = "\n".join(
            f'<li id="fn:{source_id}"{_value_unless(number, place)}>{self.source(source_id)} '
            f'<a class="footnote-backref" href="#fnref:{source_id}" title="Back to the first citation">'
            f'&#8617;&#xFE0E;</a></li>'
            for place, (source_id, number) in enumerate(numbered, start=1))
        return f'<div class="footnote">\n<hr>\n<ol>\n{items}\n</ol>\n</div>\n'

    def source(self, source_id: str) -> str:
        """A bibliography entry as HTML: the citation and its links."""
        source = self.kb.sources[source_id]
        shown = " · ".join(f'<a href="{html.escape(url)}">{html.escape(label)}</a>'
                           for label, url in source.links if _SAFE_URL.fullmatch(url))
        return f"{html.escape(source.data['citation'], quote=False)} {shown}".strip()

    # --- labels -----------------------------------------------------------------------------------------

    def choice_label(self, type_name: str, field_name: str, value: str) -> str:
        """The schema's own description of an allowed value (e.g. kind 'nk-cell'), else the value made readable."""
        entity_type = self.kb.schemas.entity_types[type_name]
        field = self.kb.schemas.raw[entity_type.schema_file]["properties"].get(field_name, {})
        for option in field.get("oneOf", []):
            if option.get("const") == value and option.get("description"):
                return option["description"].rstrip(".")
        return humanize(value)

    def tag_label(self, tag: str) -> str:
        return self.kb.tag_titles.get(tag) or humanize(tag)


def _value_unless(number: int, place: int) -> str:
    """A list item's number, as its value attribute, where it is not its place in the list."""
    return f' value="{number}"' if number != place else ""


def front_matter(**fields: Any) -> str:
    """YAML front matter; JSON is valid YAML. Text is HTML-escaped too: the theme prints the title and
    description into the page head, header and navigation without escaping them."""
    lines = [f"{key}: {json.dumps(html.escape(value) if isinstance(value, str) else value, ensure_ascii=False)}"
             for key, value in sorted(fields.items()) if value is not None]
    return "---\n" + "\n".join(lines) + "\n---\n"


# The end of a sentence: a full stop, question or exclamation mark (and any closing quote or bracket), then
# a space and a capital or digit; not after a single letter or a common abbreviation (e.g., vs., Dr.).
_SENTENCE_END = re.compile(r"""[.!?]["'’”)\]]*\s+(?=["'‘“(\[]?[A-Z0-9])""")
_NOT_AN_END = re.compile(r"(?:\b[A-Za-z]|\be\.g|\bi\.e|\bvs|\bapprox|\bDr|\bSt|\bNo|\bFig|\bal|\bca)\.$")


def plain_text(markdown_text: str) -> str:
    """Data Markdown as plain text: link labels kept, citations dropped, emphasis marks removed."""
    text = link_labels_only(markdown_text)
    text = CITATION.sub("", text) if "[@" in text else text
    return " ".join(text.replace("*", "").replace("_", "").replace("`", "").split())


def whole_sentences(text: str, limit: int) -> str:
    """As many whole sentences from the start of ``text`` as fit in ``limit`` characters, and always the first:
    never cut in the middle of a sentence."""
    if len(text) <= limit:
        return text
    cut = None
    for match in _SENTENCE_END.finditer(text):
        if _NOT_AN_END.search(text[:match.start() + 1]):
            continue
        stop = match.start() + len(match.group(0).rstrip())
        if cut is not None and stop > limit:
            break
        cut = stop
    return text[:cut] if cut else text


def description_of(entity: Entity, limit: int = 200) -> str:
    """A plain description for search engines, link previews and lists: the plain-language summary's first
    whole sentences (as many as fit in ``limit`` characters, the first one always)."""
    return whole_sentences(plain_text(entity.data.get("plain_summary", entity.name)), limit)


@cache
def environment() -> jinja2.Environment:
    """The templates' environment: strict about undefined names, no autoescaping (the output is Markdown;
    data text is escaped by ``plain`` and the ``page`` methods instead)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=False,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True, auto_reload=False)
    env.filters.update(by_date=by_date, plain=plain, figure_value=format_figure_value, humanize=humanize,
                       number=format_number,
                       with_anchors=lambda figures: list(zip(figures, figure_anchors(figures), strict=True)))
    env.globals.update(front_matter=front_matter, description_of=description_of, diagrams=diagrams,
                       term_anchor=term_anchor, page_url=page_url, tag_page_path=tag_page_path,
                       first_approval=first_approval,
                       data_path=entity_data_path, feed_path=FEED,
                       gathering_page_search={"boost": GATHERING_PAGE_BOOST})
    return env


def render_page(knowledge_base: KnowledgeBase, page_path: str, template_names: list[str],
                context: dict[str, Any]) -> str:
    """The Markdown of one page: its template (the first of ``template_names`` that exists) with ``context``."""
    template = environment().select_template(template_names)
    return template.render(kb=knowledge_base, page=PageContext(knowledge_base, page_path), page_path=page_path,
                           **context)
