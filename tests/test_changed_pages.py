"""The pull request's job summary lists the pages it adds, removes and modifies (scripts/changed_pages.py),
compared on small built sites."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.scripts_helper import load_script

changed_pages = load_script("changed_pages")


def page_html(title: str, body: str, *, nav: str = "<nav>Home</nav>", asset: str = "main.1234.min.js") -> str:
    return (f"<html><head><title>{title} - KB</title><script src='{asset}'></script></head><body>{nav}"
            f'<article class="md-content__inner md-typeset"><h1 id="t">{title}<a class="headerlink" href="#t">¶</a>'
            f"</h1>{body}</article><footer>built</footer></body></html>")


def make_site(root: Path, pages: dict[str, str], data: dict[str, str] | None = None) -> Path:
    for relative, text in {**pages, **(data or {})}.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.fixture
def base(tmp_path: Path) -> Path:
    return make_site(tmp_path / "base", {
        "index.html": page_html("Home", "<p>Welcome</p>"),
        "therapies/car-t/index.html": page_html("CAR-T", "<p>Old summary</p>"),
        "therapies/old/index.html": page_html("Old therapy", "<p>Gone</p>"),
    }, {"api/v1/therapies.json": "{}", "api/v1/gone.json": "{}"})


def test_address_of_a_folder_page_is_the_folder():
    assert changed_pages.address_of("therapies/car-t/index.html") == "/therapies/car-t/"
    assert changed_pages.address_of("index.html") == "/"
    assert changed_pages.address_of("404.html") == "/404.html"


def test_added_removed_and_modified_pages_are_told_apart(base, tmp_path):
    head = make_site(tmp_path / "head", {
        "index.html": page_html("Home", "<p>Welcome</p>"),
        "therapies/car-t/index.html": page_html("CAR-T", "<p>New summary</p>"),
        "therapies/car-nk/index.html": page_html("CAR-NK", "<p>New page</p>"),
    })
    changes = changed_pages.compare(base, head)
    assert [p.address for p in changes.added] == ["/therapies/car-nk/"]
    assert [p.address for p in changes.removed] == ["/therapies/old/"]
    assert [p.address for p in changes.modified] == ["/therapies/car-t/"]
    assert changes.unchanged == 1


def test_navigation_footer_and_asset_names_do_not_count_as_a_change(base, tmp_path):
    head = make_site(tmp_path / "head", {
        "index.html": page_html("Home", "<p>Welcome</p>", nav="<nav>Home · CAR-NK</nav>", asset="main.9999.min.js"),
        "therapies/car-t/index.html": page_html("CAR-T", "<p>Old summary</p>", nav="<nav>other</nav>"),
        "therapies/old/index.html": page_html("Old therapy", "<p>Gone</p>"),
    })
    changes = changed_pages.compare(base, head)
    assert changes.modified == [] and changes.unchanged == 3


def test_a_changed_page_title_is_a_modification(base, tmp_path):
    text = page_html("Old therapy", "<p>Gone</p>").replace("<title>Old therapy - KB", "<title>Renamed - KB")
    head = make_site(tmp_path / "head", {**{p.relative_to(base).as_posix(): p.read_text()
                                            for p in base.rglob("*.html")}, "therapies/old/index.html": text})
    assert [p.address for p in changed_pages.compare(base, head).modified] == ["/therapies/old/"]


def test_page_title_comes_from_the_heading_without_its_permalink(base):
    pages, _ = changed_pages.read_site(base)
    assert pages["/therapies/car-t/"].title == "CAR-T"


def test_open_data_files_are_counted_added_removed_and_modified(base, tmp_path):
    head = make_site(tmp_path / "head", {"index.html": page_html("Home", "")},
                     {"api/v1/therapies.json": '{"x": 1}', "api/v1/new.json": "{}"})
    changes = changed_pages.compare(base, head)
    assert (changes.data_added, changes.data_removed, changes.data_modified) == (1, 1, 1)


def test_summary_lists_each_kind_with_its_count(base, tmp_path):
    head = make_site(tmp_path / "head", {"index.html": page_html("Home", "<p>Changed</p>")})
    text = changed_pages.summary(changed_pages.compare(base, head), base="main")
    assert "0 added, 2 removed, 1 modified, 0 unchanged" in text
    assert "### Removed (2)\n\n- `/therapies/car-t/` CAR-T\n- `/therapies/old/` Old therapy" in text
    assert "### Added" not in text


def test_summary_says_how_to_open_the_preview():
    text = changed_pages.summary(changed_pages.Changes(), base="main", preview_url="https://example.org/artifact/1")
    assert "[the `site-preview` artifact](https://example.org/artifact/1)" in text
    assert "`python3 -m http.server -d site`" in text


def test_a_page_title_cannot_inject_markup_into_the_summary(base, tmp_path):
    head = make_site(tmp_path / "head", {"evil/index.html": page_html("&lt;img src=x onerror=alert(1)&gt; *bold*", "")})
    text = changed_pages.summary(changed_pages.compare(base, head), base="main")
    assert "&lt;img src=x onerror=alert(1)&gt; \\*bold\\*" in text
    assert "<img" not in text


def test_long_lists_are_cut_at_the_limit(tmp_path):
    base = make_site(tmp_path / "base", {})
    head = make_site(tmp_path / "head", {f"p{i}/index.html": page_html(f"P{i}", "") for i in range(5)})
    text = changed_pages.summary(changed_pages.compare(base, head), base="main", limit=2)
    assert "### Added (5)" in text and "- … and 3 more" in text
    assert "`/p2/`" not in text


def test_without_a_base_site_nothing_is_compared_and_the_summary_says_why(tmp_path, capsys):
    head = make_site(tmp_path / "head", {"index.html": page_html("Home", "")})
    assert changed_pages.main([str(tmp_path / "missing"), str(head), "--base", "main"]) == 0
    assert "could not be built, so there is nothing to compare with" in capsys.readouterr().out


def test_without_a_head_site_the_command_fails(tmp_path):
    assert changed_pages.main([str(tmp_path), str(tmp_path / "missing")]) == 1
