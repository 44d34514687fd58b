"""What the search index is given: the part of a page's HTML that Material's search plugin would keep.

Material's search plugin parses each page's whole HTML with Python's ``html.parser`` and then drops the
sections whose heading carries ``data-search-exclude``. On our generated pages those sections (figures,
related pages, references) hold most of the tags, so parsing them was a fifth of the build. Cutting them
out first with one regular-expression pass gives the plugin the same index for a fraction of the work.
Citation marks go too: their numbers mean nothing in a search result. Of a set of content tabs only the
first is kept: on entity pages the tabs hold the same summary for two audiences, and the plain-language one
is enough to find the page (each indexed word costs time in the reader's browser, where the index is built).
"""

from __future__ import annotations

import re

from kb.render import CITATION_MARKS

# A heading with an id starts a search section, as in Material's parser (headings without one do not).
_HEADING = re.compile(r"<h[1-6]\b[^>]*\bid=\"[^\"]*\"[^>]*>")
_TAB_LABELS = re.compile(r'<div class="tabbed-labels">.*?</div>', re.DOTALL)
# A tab's content with no <div> inside (so the first </div> closes it), then the tabs after it.
_TAB = r'<div class="tabbed-block">(?:(?!<div).)*?</div>'
_LATER_TABS = re.compile(f"({_TAB})((?:\\s*{_TAB})+)", re.DOTALL)


def searchable_html(page_html: str) -> str:
    """``page_html`` without its excluded sections, citation marks and tab labels."""
    kept: list[str] = []
    start, keep = 0, True
    for heading in _HEADING.finditer(page_html):
        if keep:
            kept.append(page_html[start:heading.start()])
        start, keep = heading.start(), "data-search-exclude" not in heading.group(0)
    if keep:
        kept.append(page_html[start:])
    text = CITATION_MARKS.sub("", "".join(kept))
    return _LATER_TABS.sub(r"\1", _TAB_LABELS.sub("", text))
