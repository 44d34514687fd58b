"""Glossary links: the first use of each abbreviation on a page links to its glossary entry.

Python-Markdown's ``abbr`` extension already wraps every abbreviation in ``<abbr title=…>`` (a hover
tooltip). A link on the first use makes the definition reachable by keyboard and touch too. Uses inside
links, headings and SVG are left alone: links cannot nest, and headings feed the table of contents.
"""

from __future__ import annotations

import html
import re

_TOKEN = re.compile(r"<(/?)(a|h[1-6]|svg|abbr)\b[^>]*>", re.IGNORECASE)


def term_anchor(abbreviation: str) -> str:
    """The id of an abbreviation's entry on the glossary page."""
    return "term-" + re.sub(r"[^a-z0-9]+", "-", abbreviation.lower()).strip("-")


def link_first_uses(page_html: str, glossary_href: str) -> str:
    """Wrap the first linkable ``<abbr>`` of each abbreviation in a link to the glossary."""
    out: list[str] = []
    position = 0
    blocked = 0  # depth inside <a>, <h1-6> or <svg>
    seen: set[str] = set()
    for match in _TOKEN.finditer(page_html):
        closing, tag = match.group(1) == "/", match.group(2).lower()
        if tag != "abbr":
            blocked += -1 if closing else 1
            blocked = max(blocked, 0)
            continue
        if closing:
            continue
        end = page_html.find("</abbr>", match.end())
        if end < 0 or blocked:
            continue
        text = html.unescape(page_html[match.end():end])
        if text in seen:
            continue
        seen.add(text)
        out.append(page_html[position:match.start()])
        out.append(f'<a class="kb-abbr" href="{glossary_href}#{term_anchor(text)}">')
        out.append(page_html[match.start():end + len("</abbr>")])
        out.append("</a>")
        position = end + len("</abbr>")
    out.append(page_html[position:])
    return "".join(out)
