"""The Markdown subset data text may use, defined once for the validator and the renderer.

Text fields may hold *emphasis*, **strong**, `code`, lists, ``[label](https://…)`` links, links to other
entities as ``[label](id:entity-id)`` and citations as ``[@source-id]``. The renderer finds links and
citations with the two patterns below. The validator checks that Python-Markdown, which MkDocs runs over the
page, sees exactly the same links and nothing else (:func:`markup_problems`): no link the patterns miss
(nested or escaped brackets, reference definitions), no other scheme, no heading, box, table or image.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from html.parser import HTMLParser

import markdown

LINK = re.compile(r"(?P<image>!?)\[(?P<label>[^\[\]]*)\]\((?P<target>[^()\s]*)\)")
CITATION = re.compile(r"\[@(?P<cite>[^\[\]\s]+)\]")
LINK_OR_CITATION = re.compile(f"{CITATION.pattern}|{LINK.pattern}")
ENTITY_PREFIX = "id:"
# The extensions of mkdocs.yml (a test keeps the two lists the same): the checks see what the site will.
MARKDOWN_EXTENSIONS = ["admonition", "attr_list", "tables", "toc", "pymdownx.details", "pymdownx.superfences",
                       "pymdownx.tabbed"]

# What Python-Markdown may make of data text: paragraphs, lists, emphasis, code and links. Anything else
# (a heading, an admonition box, a table, a rule, an image) would change the page around the text.
_ALLOWED_ELEMENTS = {"p", "em", "strong", "code", "ul", "ol", "li", "a", "br"}
_ELEMENT_NAMES = {"h1": "headings ('# …')", "h2": "headings ('## …')", "h3": "headings", "h4": "headings",
                  "h5": "headings", "h6": "headings", "div": "boxes or blocks ('!!! …', '=== …')",
                  "details": "collapsible blocks ('??? …')", "table": "tables", "hr": "horizontal rules ('---')",
                  "img": "images ('![…](…)')", "pre": "code blocks (indented or fenced text)",
                  "blockquote": "quotations"}
# A line that may start a block-level construct other than a paragraph or a list.
_BLOCK_START = re.compile(r"\s*(#|!!!|\?\?\?|===|```|~~~|\||([-*_])\s*\2\s*\2|\d+[.)]|[-*+]\s)")


def escape_html(text: str) -> str:
    """``text`` with HTML and template braces escaped, as the renderer writes data text into a page."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("{", "&#123;").replace("}", "&#125;"))


def links_in(text: str) -> Iterator[re.Match[str]]:
    """Every ``[label](target)`` (or ``![…](…)``) the renderer sees in ``text``."""
    return LINK.finditer(text) if "](" in text else iter(())


def links_and_citations_in(text: str) -> Iterator[re.Match[str]]:
    """Every link and ``[@source-id]`` citation the renderer sees in ``text``, in order."""
    return LINK_OR_CITATION.finditer(text) if "[" in text else iter(())


def link_labels_only(text: str) -> str:
    """``text`` with each link (or image) replaced by its label."""
    return LINK.sub(lambda match: match.group("label"), text) if "](" in text else text


def markup_problems(text: str) -> list[tuple[str, str]]:
    """Why Python-Markdown would make of ``text`` more than the subset allows, or other links than the
    renderer sees, as (rule code, message) pairs; nothing if the text is fine."""
    if not _needs_parsing(text):
        return []
    elements = _Elements()
    elements.feed(_parser().reset().convert(escape_html(text)))
    problems = [("image" if tag == "img" else "markup-not-allowed",
                 f"{_ELEMENT_NAMES.get(tag, f'<{tag}> elements')} are not allowed in text")
                for tag in dict.fromkeys(elements.tags) if tag not in _ALLOWED_ELEMENTS]
    expected = [match.group("target") for match in links_in(text) if not match.group("image")]
    if elements.links != expected and not problems:
        unseen = [href for href in elements.links if href not in expected]
        unsafe = [href for href in unseen if not href.startswith(("https://", ENTITY_PREFIX))]
        problems.append(("unsafe-link", f"link target '{unsafe[0]}' is not allowed; links in text go to https://… "
                                        "pages or to entities as id:entity-id") if unsafe else
                        ("unclear-link", "a link is written in a form the site cannot check (brackets or a line "
                                         "break inside the link, or a reference definition '[x]: …'); write "
                                         "[text](https://…) or [text](id:entity-id) with no brackets in the text"))
    return problems


def _needs_parsing(text: str) -> bool:
    """Whether Python-Markdown could see anything but one paragraph with the links the patterns find: a
    bracket outside them, more than one line, or a start that may open a block. (Most text is one line with
    neither; parsing every text would cost more than the rest of validation.)"""
    rest = LINK.sub("", CITATION.sub("", text)) if "[" in text else text
    return "[" in rest or "]" in rest or "\n" in text.strip() or _BLOCK_START.match(text) is not None


@cache
def _parser() -> markdown.Markdown:
    return markdown.Markdown(extensions=MARKDOWN_EXTENSIONS)


class _Elements(HTMLParser):
    """The element names and link targets in a piece of HTML, in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "a":
            self.links.append(dict(attrs).get("href") or "")
