"""A Python-Markdown extension that hands the finished HTML of a generated page to Python-Markdown without parsing it.

The templates write an entity page's tables, figures, cards, charts, reference list and citation marks, and the
bibliography's table, into the page's Markdown as finished HTML. Python-Markdown copies such HTML into the page
unchanged, but only after Python's ``html.parser`` has read every tag of it twice (MkDocs looks for anchor ids,
Python-Markdown for where each HTML block ends), and its inline patterns have gone over each citation mark once
more. This extension's preprocessor runs before both parsers and puts each such block and mark into
Python-Markdown's stash of raw HTML, where Python-Markdown's own parser would have put it: the page's HTML is the
same, and converting it costs about 40 % less (the build's gain is on the Performance page).

- A block is a paragraph of its own (blank lines around it, none inside) made of block-level elements, each
  opening at the start of a line and closed at the end of one.
- A citation mark is a ``<sup class="kb-cite">`` group of numbered links (:meth:`kb.site.render.Renderer.cite`),
  wherever it stands (the table of contents takes a heading's marks out of the stash, as it takes any raw HTML).
- The ids inside them, which MkDocs' anchor check no longer sees, are kept in :attr:`FinishedHtml.anchor_ids`
  for the plugin to hand to MkDocs.

It acts only while :attr:`FinishedHtml.active` is set: the plugin sets it for the pages made from the templates
(entity pages, indexes, comparisons, reference pages), whose HTML comes from the templates and whose data text is
escaped (in a hand-written page, the same text could be an example inside a code block, which must stay text).
"""

from __future__ import annotations

import html
import re

from markdown import Markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

_PARAGRAPH = re.compile(r"(?:\A|(?<=\n\n))[^\n](?:(?!\n\n).)*", re.DOTALL)
_BLOCK_START = re.compile(r"<(table|figure|div|p|ul|ol|dl|section|details|nav|aside)[\s>]")
_CITATION_MARK = re.compile(r'<sup class="kb-cite"[^>]*>(?:<a [^>]*>[0-9]+</a>,?)+</sup>')
# As MkDocs' anchor check reads them: any element's id, and the name of an <a>.
_ID = re.compile(r'\sid="([^"]*)"')
_A_NAME = re.compile(r'<a\s[^>]*?\bname="([^"]*)"')


class FinishedHtml(Extension):
    """One instance for a whole build: MkDocs makes a Markdown converter for every page with it."""

    def __init__(self) -> None:
        super().__init__()
        self.active = False  # for the page being converted now
        self.anchor_ids: set[str] = set()  # the ids of the HTML stashed from that page

    def extendMarkdown(self, md: Markdown) -> None:  # the name Python-Markdown calls
        # After fenced code is set aside (priority 25), before MkDocs' and Python-Markdown's HTML parsers (21, 20).
        md.preprocessors.register(_StashFinishedHtml(md, self), "kb_finished_html", 22)


class _StashFinishedHtml(Preprocessor):
    def __init__(self, md: Markdown, extension: FinishedHtml):
        super().__init__(md)
        self.extension = extension

    def run(self, lines: list[str]) -> list[str]:
        if not self.extension.active:
            return lines
        self.extension.anchor_ids = set()
        source = _PARAGRAPH.sub(self._block_stashed, "\n".join(lines))
        return _CITATION_MARK.sub(self._mark_stashed, source).split("\n")

    def _block_stashed(self, paragraph: re.Match[str]) -> str:
        block = paragraph.group(0)
        if not is_finished_block(block):
            return block
        self.extension.anchor_ids |= anchor_ids(block)
        # As Python-Markdown's parser stores a block followed by a blank line: with one line break.
        return self.md.htmlStash.store(block + "\n")

    def _mark_stashed(self, mark: re.Match[str]) -> str:
        self.extension.anchor_ids |= anchor_ids(mark.group(0))
        return self.md.htmlStash.store(mark.group(0))


def is_finished_block(paragraph: str) -> bool:
    """Whether ``paragraph`` is block-level elements only, each opening at the start of a line and closed at the end
    of a line (``<div>…</div> text`` or ``<div>…</div><div>…</div>`` on one line Python-Markdown reads apart)."""
    start = 0
    while start < len(paragraph):
        end = _element_end(paragraph, start)
        if end is None or (end < len(paragraph) and paragraph[end] != "\n"):
            return False
        start = end + 1
    return True


def _element_end(paragraph: str, start: int) -> int | None:
    """Where the block-level element opening at ``start`` is closed (the end of its closing tag); None if no
    such element opens there or it is not closed."""
    opening = _BLOCK_START.match(paragraph, start)
    if opening is None:
        return None
    depth = 0
    for tag in re.compile(rf"<(/?){opening.group(1)}[\s>]").finditer(paragraph, start):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return tag.end()
    return None


def anchor_ids(fragment: str) -> set[str]:
    """The ids (and ``<a name>``) that ``fragment`` defines inside its tags, which links may point at."""
    found = {html.unescape(match.group(1)) for match in _ID.finditer(fragment)
             if fragment.rfind("<", 0, match.start()) > fragment.rfind(">", 0, match.start())}
    if "name=" in fragment:
        found.update(html.unescape(match.group(1)) for match in _A_NAME.finditer(fragment))
    return found
