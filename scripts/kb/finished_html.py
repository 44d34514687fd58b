"""Finished HTML set aside while MkDocs converts a generated page, and put back into the result.

The renderer writes tables, figures, lists, related links, references and citation marks as finished
HTML inside its Markdown. Python-Markdown copies such HTML to its output unchanged, but only after
parsing every tag of it twice with Python's ``html.parser`` (once for MkDocs' anchor check, once to find
where each HTML block ends): on an entity page that was more than half of the Markdown time. Our blocks
have a shape we control (they start a paragraph with a block-level tag, hold no blank line and end with the
matching closing tag), so a regular expression finds them. Each is swapped for a placeholder, a control
character that YAML text cannot contain, and swapped back once Python-Markdown is done. The result is the
same HTML (a test converts every page both ways); the ids inside the blocks are handed to MkDocs' anchor
check by the hook.
"""

from __future__ import annotations

import html
import re

from kb.render import CITATION_MARKS

_MARK = "\x1a"  # ASCII "substitute": YAML forbids it in a document, and Python-Markdown passes it through.
_BLOCK = re.compile(
    r"(?:\A|(?<=\n\n))<(table|figure|div|p|ul|ol|dl|section|details|nav|aside)\b[^>]*>"
    r"(?:(?!\n\n).)*?</\1>(?=\n\n|\n?\Z)",
    re.DOTALL,
)
_HEADING_LINE = re.compile(r"^#.*$", re.MULTILINE)
_PLACEHOLDER_PARAGRAPH = re.compile(f"<p>{_MARK}(\\d+){_MARK}</p>")
_PLACEHOLDER = re.compile(f"{_MARK}(\\d+){_MARK}")
# As MkDocs' anchor check reads them: any element's id, and the name of an <a>. The attribute is found
# first and then checked to be inside a tag: scanning every tag for it was slower than the conversion saved.
_ID = re.compile(r'\sid="([^"]*)"')
_A_NAME = re.compile(r'<a\s[^>]*?\bname="([^"]*)"')


def set_aside_finished_html(markdown: str) -> tuple[str, list[str]]:
    """``markdown`` with each finished HTML block and citation mark replaced by a placeholder, and what
    was replaced (placeholder ``n`` stands for item ``n``). Headings keep their HTML: it feeds the table of
    contents."""
    aside: list[str] = []

    def keep(match: re.Match[str]) -> str:
        aside.append(match.group(0))
        return f"{_MARK}{len(aside) - 1}{_MARK}"

    markdown = _BLOCK.sub(keep, markdown)
    if "<sup" not in markdown:
        return markdown, aside
    parts: list[str] = []
    position = 0
    for heading in _HEADING_LINE.finditer(markdown):
        parts.append(CITATION_MARKS.sub(keep, markdown[position:heading.start()]))
        parts.append(heading.group(0))
        position = heading.end()
    parts.append(CITATION_MARKS.sub(keep, markdown[position:]))
    return "".join(parts), aside


def put_back_finished_html(page_html: str, aside: list[str]) -> str:
    """``page_html`` with every placeholder replaced by what it stands for; a block in place of the
    paragraph Python-Markdown wrapped its placeholder in."""
    if not aside:
        return page_html

    def item(match: re.Match[str]) -> str:
        number = int(match.group(1))
        if number >= len(aside):
            raise ValueError(f"placeholder {number} for finished HTML was altered by the Markdown conversion")
        return aside[number]

    # Python-Markdown follows an HTML block with an empty line, except at the very end; so do we.
    page_html = _PLACEHOLDER_PARAGRAPH.sub(lambda match: item(match) + "\n", page_html).rstrip("\n")
    page_html = _PLACEHOLDER.sub(item, page_html)
    if _MARK in page_html:
        raise ValueError("a placeholder for finished HTML was altered by the Markdown conversion")
    return page_html


def anchor_ids(fragments: list[str]) -> set[str]:
    """The ids (and ``<a name>``) the fragments define, which links may point at."""
    found: set[str] = set()
    for fragment in fragments:
        for match in _ID.finditer(fragment):
            if fragment.rfind("<", 0, match.start()) > fragment.rfind(">", 0, match.start()):
                found.add(html.unescape(match.group(1)))
        if "name=" in fragment:
            found.update(html.unescape(match.group(1)) for match in _A_NAME.finditer(fragment))
    return found
