"""The last line of defence: every link and source address in the built pages is one the site allows.

Validation refuses unsafe links in the data, and the renderer escapes what it writes; this check reads what
actually came out. Every ``href``, ``xlink:href``, ``src``, ``srcset``, ``action``, ``formaction`` and ``data``
(of an object) value of every built HTML page is decoded as a browser decodes it (character references resolved;
tabs, line feeds and carriage returns dropped; control characters and spaces trimmed) and must be a relative
address, a ``#fragment``, or an ``https://`` or ``http://`` address. Anything else fails the build, naming the
page and the data file that made it.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from kb.two_processes import in_two_processes

# An attribute that holds an address, and its value; a browser also reads an attribute after "/" (<a/href=...>).
# (The lookahead only makes the scan faster: it skips at once the separators not followed by the first letter of
# one of these names.)
_ATTRIBUTE = re.compile(r"""[\s/](?=[hsafxd])(?:href|src|action|formaction|srcset|xlink:href|data)\s*=\s*"""
                        r"""("[^"]*"|'[^']*'|[^\s"'=<>`]+)""", re.IGNORECASE)
_DROPPED = re.compile(r"[\t\n\r]")  # browsers remove these anywhere in a URL
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")
_TRIMMED = "".join(map(chr, range(0x21)))  # C0 control characters and the space, trimmed from both ends
ALLOWED_SCHEMES = {"https", "http"}


class UnsafeLink(Exception):
    """A built page holds an address with a scheme the site does not allow."""


def unsafe_addresses(page_html: str) -> list[str]:
    """The addresses in ``page_html`` whose scheme is not allowed, as a browser would read them."""
    found = []
    for match in _ATTRIBUTE.finditer(page_html):
        raw = match.group(1)
        value = _DROPPED.sub("", html.unescape(raw[1:-1] if raw[:1] in "\"'" else raw)).strip(_TRIMMED)
        scheme = _SCHEME.match(value)
        if scheme and scheme.group(1).lower() not in ALLOWED_SCHEMES:
            found.append(value)
    return found


# From this many pages on, check_built_site reads them in two processes.
TWO_PROCESSES_FROM = 200


def check_built_site(site: Path, data_root: Path) -> None:
    """Raise UnsafeLink naming the first page (and its data file) that holds a disallowed address."""
    pages = sorted(site.rglob("*.html"))
    for page, bad in zip(pages, in_two_processes(_unsafe_addresses_of_each, pages, from_items=TWO_PROCESSES_FROM),
                         strict=True):
        if bad:
            relative = page.relative_to(site)
            raise UnsafeLink(f"{_data_file_of(relative, data_root)}: the built page {relative} links to "
                             f"{bad[0][:80]!r}, whose scheme is not allowed (only https:// and http:// "
                             "addresses and links within the site)")


def _unsafe_addresses_of_each(pages: list[Path]) -> list[list[str]]:
    return [unsafe_addresses(page.read_text(encoding="utf-8", errors="replace")) for page in pages]


def _data_file_of(page: Path, data_root: Path) -> str:
    """The data file an entity page is made from, or the data folder for a page built from all the data."""
    if len(page.parts) == 3:  # <type folder>/<id>/index.html
        candidate = data_root / page.parts[0] / f"{page.parts[1]}.yaml"
        if candidate.is_file():
            return str(candidate)
    return str(data_root)
