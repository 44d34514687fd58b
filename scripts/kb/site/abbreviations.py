"""Glossary abbreviations: the first use on a page gets a tooltip and a link to its glossary entry; later uses
are left as they are (a tooltip on every use doubled the theme's script time on a phone, and a reader who
needs the term has met it already).

This runs on each page's finished HTML, in one pass, rather than through Python-Markdown's ``abbr``
extension: the extension cannot see inside the HTML tables the renderer writes, and walking every page's
element tree was a measurable part of the build. A link on the first use makes the definition reachable
by keyboard and touch too. Links cannot nest, so a first use inside a link, heading (which feed the table of
contents) or form label (a click there ticks the box) gets the tooltip only, and the first use after it that
can be linked gets the link; code, SVG drawings, scripts and existing ``<abbr>`` are left alone.
"""

from __future__ import annotations

import html
import re

from kb.site.links import page_url

# Only the elements that change how a use is marked (every other tag is simply not text), and comments, so
# that a tag inside one does not count.
_STATE_TAG = re.compile(r"<!--.*?-->|<(/?)(code|pre|svg|script|style|abbr|textarea|kbd|a|label|h[1-6])\b[^>]*>",
                        re.IGNORECASE | re.DOTALL)
# What may come before a word: a letter, digit, hyphen, or the "&" or "#" of a character reference (so that
# an abbreviation such as "amp" is never found inside "&amp;").
_PART_OF_A_WORD = re.compile(r"[\w&#-]")
_LEAVE_ALONE = {"code", "pre", "svg", "script", "style", "abbr", "textarea", "kbd"}
_NO_LINK = {"a", "label", "h1", "h2", "h3", "h4", "h5", "h6"}


# The glossary's page: a section for each entry, whose id is term_anchor(abbreviation).
GLOSSARY_PAGE = "reference/glossary.md"


def term_anchor(abbreviation: str) -> str:
    """The id of an abbreviation's entry on the glossary page."""
    return "term-" + re.sub(r"[^a-z0-9]+", "-", abbreviation.lower()).strip("-")


def term_url(abbreviation: str) -> str:
    """The URL of an abbreviation's entry on the glossary page, from the site's root (as search locates it)."""
    return f"{page_url(GLOSSARY_PAGE)}#{term_anchor(abbreviation)}"


def abbreviation_pattern(glossary: dict[str, str]) -> re.Pattern[str] | None:
    """One pattern for every abbreviation, as it appears in HTML text, not followed by a word character;
    longest first. Whether a word starts there is checked by :func:`mark_abbreviations`: a lookbehind at
    the front of the pattern would stop the regular-expression engine skipping ahead to a first letter, and
    made the search three times slower."""
    if not glossary:
        return None
    words = sorted((html.escape(abbreviation, quote=False) for abbreviation in glossary), key=len, reverse=True)
    return re.compile("(?:" + "|".join(map(re.escape, words)) + r")(?![\w-])")


def mark_abbreviations(page_html: str, glossary: dict[str, str], pattern: re.Pattern[str] | None,
                       glossary_href: str | None) -> str:
    """``page_html`` with the first use of each abbreviation of ``glossary`` (abbreviation -> term) in
    ``<abbr title>``, and its first linkable use wrapped in a link to ``glossary_href#term-…`` (none if it is
    ``None``) as well."""
    if pattern is None:
        return page_html
    out: list[str] = []
    leave_alone = no_link = 0  # how deep we are inside such elements
    first_uses = _FirstUses(glossary, glossary_href)
    # Walk the uses in order, and the tags that matter up to each; a use after a '<' with no '>' since is
    # inside a tag (an attribute) or a comment, not text.
    tags = _STATE_TAG.finditer(page_html)
    tag = next(tags, None)
    position = 0
    use = pattern.search(page_html)
    while use is not None:
        start = use.start()
        if start and _PART_OF_A_WORD.match(page_html, start - 1):  # not the start of a word: look further on
            use = pattern.search(page_html, start + 1)
            continue
        while tag is not None and tag.start() < start:
            name = (tag.group(2) or "").lower()
            step = -1 if tag.group(1) else 1
            if name in _LEAVE_ALONE and not tag.group(0).endswith("/>"):
                leave_alone = max(leave_alone + step, 0)
            elif name in _NO_LINK:
                no_link = max(no_link + step, 0)
            tag = next(tags, None)
        if not leave_alone and page_html.rfind("<", position, start) <= page_html.rfind(">", position, start):
            out.append(page_html[position:start])
            out.append(first_uses.mark(use.group(0), can_link=not no_link))
            position = use.end()
        use = pattern.search(page_html, use.end())
    out.append(page_html[position:])
    return "".join(out)


class _FirstUses:
    """Marks the first use of each abbreviation, and links its first use that can be linked."""

    def __init__(self, glossary: dict[str, str], glossary_href: str | None):
        self.glossary, self.glossary_href = glossary, glossary_href
        self.marked: set[str] = set()
        self.linked: set[str] = set()

    def mark(self, shown: str, can_link: bool) -> str:
        """A use, as HTML writes it: with a tooltip (and a link) if it is the first such use, else as it is."""
        abbreviation = html.unescape(shown)
        can_link = can_link and self.glossary_href is not None
        if abbreviation in self.linked or (abbreviation in self.marked and not can_link):
            return shown
        self.marked.add(abbreviation)
        tooltip = f'<abbr title="{html.escape(self.glossary[abbreviation])}">{shown}</abbr>'
        if not can_link:
            return tooltip
        self.linked.add(abbreviation)
        return f'<a class="kb-abbr" href="{self.glossary_href}#{term_anchor(abbreviation)}">{tooltip}</a>'
