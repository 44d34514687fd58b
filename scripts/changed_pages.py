"""Which pages a pull request adds, removes or changes: two built sites compared, as Markdown for the job summary.

    python scripts/changed_pages.py BASE_SITE HEAD_SITE [--base main] [--preview-url URL] >> "$GITHUB_STEP_SUMMARY"

``BASE_SITE`` is the site built from the base branch, ``HEAD_SITE`` the one built from the pull request. A page is
an HTML file, named by its address in the site (``therapies/car-t/index.html`` is ``therapies/car-t/``). A page is
*modified* when what a reader sees of it changed: its title or its article (the page's own content, which includes
its "Last reviewed" line and its "Report an error" link). The navigation, header, footer and the theme's hashed
asset names are left out, so adding one page does not mark every other page as modified.

The open-data files under ``api/`` are compared byte for byte and counted on one line.

When ``BASE_SITE`` does not exist (the base branch did not build), the summary says so and lists nothing.
The exit code is 0 unless ``HEAD_SITE`` does not exist.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ARTICLE = re.compile(r"<article\b[^>]*>(?P<body>.*)</article>", re.DOTALL)
TITLE = re.compile(r"<title>(?P<title>.*?)</title>", re.DOTALL)
H1 = re.compile(r"<h1\b[^>]*>(?P<title>.*?)</h1>", re.DOTALL)
TAG = re.compile(r"<[^>]+>")
PERMALINK = re.compile(r"<a\b[^>]*\bclass=\"headerlink\"[^>]*>.*?</a>", re.DOTALL)


@dataclass(frozen=True)
class Page:
    address: str
    title: str
    digest: str


@dataclass
class Changes:
    added: list[Page] = field(default_factory=list)
    removed: list[Page] = field(default_factory=list)
    modified: list[Page] = field(default_factory=list)
    unchanged: int = 0
    data_added: int = 0
    data_removed: int = 0
    data_modified: int = 0


def address_of(relative: str) -> str:
    """The page's address in the site: the folder for ``index.html``, else the file."""
    if relative == "index.html":
        return "/"
    if relative.endswith("/index.html"):
        return "/" + relative.removesuffix("index.html")
    return "/" + relative


def _text(fragment: str) -> str:
    return " ".join(html.unescape(TAG.sub("", PERMALINK.sub("", fragment))).split())


def read_page(text: str, address: str) -> Page:
    """A page's title and a digest of what a reader sees of it (title and article; the whole file without one)."""
    article = ARTICLE.search(text)
    body = article["body"] if article else text
    heading = H1.search(body)
    title_tag = TITLE.search(text)
    title = _text(heading["title"]) if heading else _text(title_tag["title"]) if title_tag else address
    page_title = _text(title_tag["title"]) if title_tag else ""
    digest = hashlib.sha256(f"{page_title}\0{body}".encode()).hexdigest()
    return Page(address, title, digest)


def read_site(site: Path) -> tuple[dict[str, Page], dict[str, str]]:
    """Every page of a built site by address, and every open-data file by path with its digest."""
    pages: dict[str, Page] = {}
    data: dict[str, str] = {}
    for path in sorted(site.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(site).as_posix()
        if relative.startswith("api/"):
            data[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
        elif relative.endswith(".html"):
            address = address_of(relative)
            pages[address] = read_page(path.read_text(encoding="utf-8", errors="replace"), address)
    return pages, data


def compare(base: Path, head: Path) -> Changes:
    base_pages, base_data = read_site(base)
    head_pages, head_data = read_site(head)
    changes = Changes()
    for address in sorted(base_pages.keys() | head_pages.keys()):
        old, new = base_pages.get(address), head_pages.get(address)
        if old is None:
            changes.added.append(new)
        elif new is None:
            changes.removed.append(old)
        elif old.digest != new.digest:
            changes.modified.append(new)
        else:
            changes.unchanged += 1
    changes.data_added = len(head_data.keys() - base_data.keys())
    changes.data_removed = len(base_data.keys() - head_data.keys())
    changes.data_modified = sum(base_data[p] != head_data[p] for p in base_data.keys() & head_data.keys())
    return changes


def _escape(text: str) -> str:
    """Plain text inside Markdown: no markup, no HTML (a title is shown as it reads on the page)."""
    return re.sub(r"([\\`*_\[\]|#!~])", r"\\\1", html.escape(text, quote=False))


def _section(heading: str, pages: list[Page], limit: int) -> list[str]:
    if not pages:
        return []
    lines = ["", f"### {heading} ({len(pages)})", ""]
    lines += [f"- `{page.address}` {_escape(page.title)}" for page in pages[:limit]]
    if len(pages) > limit:
        lines.append(f"- … and {len(pages) - limit} more")
    return lines


def preview_help(preview_url: str | None) -> list[str]:
    artifact = f"[the `site-preview` artifact]({preview_url})" if preview_url else "the `site-preview` artifact"
    return ["", f"**Preview:** download {artifact}, unzip it into a folder named `site`, run "
            "`python3 -m http.server -d site` and open <http://localhost:8000/>."]


def summary(changes: Changes | None, *, base: str, limit: int = 200, preview_url: str | None = None) -> str:
    lines = ["## Pages changed by this pull request"]
    if changes is None:
        lines += ["", f"The site of the base branch (`{_escape(base)}`) could not be built, so there is nothing to "
                      "compare with."]
    else:
        total = len(changes.added) + len(changes.removed) + len(changes.modified)
        lines += ["", f"Compared with the site built from `{_escape(base)}`: {len(changes.added)} added, "
                      f"{len(changes.removed)} removed, {len(changes.modified)} modified, "
                      f"{changes.unchanged} unchanged." + ("" if total else " No page changed.")]
        lines += _section("Added", changes.added, limit)
        lines += _section("Removed", changes.removed, limit)
        lines += _section("Modified", changes.modified, limit)
        lines += ["", f"Open data (`api/`): {changes.data_added} file(s) added, {changes.data_removed} removed, "
                      f"{changes.data_modified} modified."]
    lines += preview_help(preview_url)
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("base_site", type=Path)
    parser.add_argument("head_site", type=Path)
    parser.add_argument("--base", default="the base branch", help="name of the base branch, for the summary")
    parser.add_argument("--preview-url", default=None, help="address of the preview artifact, for the summary")
    parser.add_argument("--limit", type=int, default=200, help="pages listed per section at most (default: 200)")
    args = parser.parse_args(argv)
    if not args.head_site.is_dir():
        print(f"changed_pages: {args.head_site} is not a built site", file=sys.stderr)
        return 1
    changes = compare(args.base_site, args.head_site) if args.base_site.is_dir() else None
    sys.stdout.write(summary(changes, base=args.base, limit=args.limit, preview_url=args.preview_url or None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
