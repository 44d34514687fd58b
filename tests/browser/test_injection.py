"""Even if validation were bypassed, the renderer's escaping keeps injected markup inert in a browser."""

from __future__ import annotations

import shutil
from pathlib import Path

from kb.model import load_knowledge_base
from kb.site.export import FEED, export_files
from kb.site.feed import atom_feed
from kb.site.plan import plan_site
from playwright.sync_api import Page

from tests.browser.conftest import REPO, build_site

ATTACKS = [
    "<script>window.__pwned = 'script'</script>",
    "<img src=x onerror=\"window.__pwned = 'img'\">",
    "[click me](javascript:window.__pwned='link')",
    "<svg onload=\"window.__pwned = 'svg'\"></svg>",
    "Text {: onclick=\"window.__pwned='attr'\" }",
    "{{ config.site_name }} {% raw %}",
]


PLAIN_CONFIG = """
site_name: Injection test
theme: {name: material, font: false}
plugins: [search]
markdown_extensions: [admonition, attr_list, tables, pymdownx.superfences,
  {pymdownx.tabbed: {alternate_style: true}}]
"""


def test_injected_markup_does_not_run(page: Page, tmp_path: Path, serve_folder, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1770000000")
    data = tmp_path / "data"
    shutil.copytree(REPO / "tests" / "fixtures" / "valid", data)
    shutil.copytree(REPO / "data" / "schema", data / "schema")
    knowledge_base = load_knowledge_base(data)
    therapy = knowledge_base.entities["car-t"]
    for field in ("mechanism", "eligibility", "summary", "plain_summary"):
        therapy.data[field] = " ".join(ATTACKS)  # bypasses validation on purpose
    therapy.data["name"] = ATTACKS[0]
    docs = tmp_path / "project" / "docs"
    exported = export_files(knowledge_base)
    rendered = {planned.path: planned.render(knowledge_base) for planned in plan_site(knowledge_base, exported)}
    feed = {FEED: atom_feed(knowledge_base, "/", "Injection test")}  # the kb plugin adds it beside the open data
    for path, content in [*rendered.items(), *exported.items(), *feed.items()]:
        (docs / path).parent.mkdir(parents=True, exist_ok=True)
        (docs / path).write_bytes(content if isinstance(content, bytes) else content.encode())
    for hand_written in (REPO / "docs").glob("*.md"):  # the pages the generated ones link to (the disclaimer…)
        shutil.copy(hand_written, docs / hand_written.name)
    # A plain Material build of the rendered pages, with the same Markdown extensions as the real site.
    (tmp_path / "project" / "mkdocs.yml").write_text(PLAIN_CONFIG)
    build_site(tmp_path / "project", tmp_path / "site", {"KB_DATA_DIR": str(data)})
    url = serve_folder(tmp_path / "site")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(url + "therapies/car-t/")
    page.wait_for_load_state("networkidle")
    for link in page.locator("article a").all():
        assert not (link.get_attribute("href") or "").lower().startswith("javascript:")
    page.locator("article").click()
    assert page.evaluate("window.__pwned") is None
    assert dialogs == []
    assert "<script>" in page.locator("article").inner_text()  # shown as text, not run
