"""The Atom feed of what changed (``feed.xml``): every data release and every page's review history, newest
first, with absolute addresses from the site's URL (``SITE_URL``, mkdocs.yml's ``site_url``).

An entry's id is its page's address with the change's date and a short hash of its text, so it stays the same
from build to build and a feed reader shows each change once.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET

from kb.model import KnowledgeBase
from kb.site.export import FEED
from kb.site.links import page_url

ATOM = "http://www.w3.org/2005/Atom"
ENTRIES = 200  # the newest review entries the feed carries (every release is in it)
WHATS_NEW = "reference/whats-new.md"
DOWNLOADS = "reference/downloads.md"


def _timestamp(date: str) -> str:
    """An RFC 3339 time for a date of the data (midnight UTC: the data records days)."""
    return f"{date}T00:00:00Z"


def _add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
    if text is not None:
        element.text = text
    return element


def _entry(feed: ET.Element, entry_id: str, title: str, link: str, date: str, summary: str,
           category: tuple[str, str] | None = None) -> None:
    entry = _add(feed, "entry")
    _add(entry, "id", entry_id)
    _add(entry, "title", title)
    _add(entry, "link", rel="alternate", type="text/html", href=link)
    _add(entry, "updated", _timestamp(date))
    if category is not None:
        _add(entry, "category", term=category[0], label=category[1])
    _add(entry, "summary", summary)


def _changes(kb: KnowledgeBase, site_url: str) -> list[tuple[str, str, str, str, str, tuple[str, str] | None]]:
    """Every entry as (date, id, title, link, summary, category): the releases and the newest reviews."""
    downloads = site_url + page_url(DOWNLOADS)
    found: list[tuple[str, str, str, str, str, tuple[str, str] | None]] = [
        (release["date"], f"{downloads}#release-{version}", f"Data release {version}", downloads,
         " ".join(release["changes"]), None) for version, release in kb.releases.items()]
    for date, entity, change in kb.review_events()[:ENTRIES]:
        page = site_url + entity.url
        digest = hashlib.sha256(f"{entity.id}\n{date}\n{change['change']}".encode()).hexdigest()[:12]
        found.append((date, f"{page}#change-{date}-{digest}", f"{entity.name} ({entity.type.title.lower()})",
                      f"{page}#changes-to-this-page", change["change"], (entity.type.name, entity.type.title)))
    return sorted(found, key=lambda entry: (entry[0], entry[1]), reverse=True)


def atom_feed(kb: KnowledgeBase, site_url: str, site_name: str) -> bytes:
    """The feed as UTF-8 XML: same data and address, same bytes."""
    site_url = site_url if site_url.endswith("/") else site_url + "/"
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "en"})
    changes = _changes(kb, site_url)
    _add(feed, "id", site_url + FEED)
    _add(feed, "title", f"{site_name}: what changed")
    _add(feed, "subtitle", "Data releases and the changes recorded in each page's review history, newest first.")
    _add(feed, "link", rel="self", type="application/atom+xml", href=site_url + FEED)
    _add(feed, "link", rel="alternate", type="text/html", href=site_url + page_url(WHATS_NEW))
    _add(feed, "updated", _timestamp(max((entry[0] for entry in changes), default="1970-01-01")))
    author = _add(feed, "author")
    _add(author, "name", f"{site_name} contributors")
    _add(feed, "rights", "Content and data CC BY 4.0")
    for date, entry_id, title, link, summary, category in changes:
        _entry(feed, entry_id, title, link, date, summary, category)
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"
