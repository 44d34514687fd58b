"""The finished HTML of a page made from the templates goes to Python-Markdown unparsed, and the page comes out the
same."""

from __future__ import annotations

import functools
from pathlib import Path

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kb.mkdocs.finished_html import FinishedHtml, anchor_ids
from kb.model import load_knowledge_base
from kb.site.export import export_files
from kb.site.plan import plan_site
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig

from tests.conftest import REPO, run_kb, write


@functools.cache
def site_config() -> MkDocsConfig:
    return load_config(str(REPO / "mkdocs.yml"))


def convert(text: str, *, stashed: bool) -> tuple[str, set[str]]:
    """``text`` converted with the site's Markdown extensions, with the finished HTML stashed or parsed; and the
    anchor ids the extension took out of MkDocs' sight."""
    config = site_config()
    finished_html = FinishedHtml()
    finished_html.active = stashed
    converter = markdown.Markdown(extensions=[*config.markdown_extensions, finished_html],
                                  extension_configs=config.mdx_configs)
    return converter.convert(text), finished_html.anchor_ids


@pytest.fixture(scope="module")
def real_generated_pages() -> dict[str, str]:
    """Every page the templates make from the real data (entity pages, indexes, comparisons, reference pages):
    docs path -> its Markdown, without the front matter."""
    knowledge_base = load_knowledge_base(REPO / "data")
    return {page.path: page.render(knowledge_base).split("\n---\n", 1)[1]
            for page in plan_site(knowledge_base, export_files(knowledge_base))}


def test_every_generated_page_of_the_real_data_converts_to_the_same_html_with_its_finished_html_stashed(
        real_generated_pages):
    assert len(real_generated_pages) > 180
    differing = [path for path, text in real_generated_pages.items()
                 if convert(text, stashed=True)[0] != convert(text, stashed=False)[0]]
    assert differing == []


def test_the_bibliography_table_is_finished_html_and_stashed_whole(real_generated_pages):
    text = real_generated_pages["reference/sources.md"]
    first_source = text.split('<span id="', 1)[1].split('"', 1)[0]
    html, hidden_ids = convert(text, stashed=True)
    assert first_source in hidden_ids  # MkDocs' anchor check is handed the ids of the sources
    assert html.count("<table>") == 1 and "<td>" in html


def test_the_finished_html_of_a_real_page_is_stashed(real_generated_pages):
    text = real_generated_pages["products/tisagenlecleucel.md"]
    figure_anchor = text.split('<tr id="', 1)[1].split('"', 1)[0]  # the first figure's row, in its table
    _, hidden_ids = convert(text, stashed=True)
    assert figure_anchor in hidden_ids
    assert any(anchor.startswith("fnref:") for anchor in hidden_ids)  # a citation mark


# A page as the templates write one: paragraphs with citation marks, headings, finished blocks (some of them two
# blocks on one line, or nested in an element of the same name, which Python-Markdown reads differently), tabs,
# lists and text that means something to Markdown.
WORDS = st.sampled_from(["CAR-T", "*emphasis*", "**strong**", "`code`", "a_b", "&amp;", "R&D", "<", "x > y",
                         "[link](https://example.org)", "100%", "1.", "-", "#", "|", "text", "cells"])
MARK = st.lists(st.integers(1, 40), min_size=1, max_size=3).map(lambda numbers: (
    '<sup class="kb-cite" data-search-exclude>'
    + ",".join(f'<a class="footnote-ref" id="fnref:s{n}" href="#fn:s{n}">{n}</a>' for n in sorted(set(numbers)))
    + "</sup>"))
SENTENCE = st.lists(st.one_of(WORDS, MARK), min_size=1, max_size=8).map(" ".join)
TAG = st.sampled_from(["table", "figure", "div", "p", "ul", "section", "details", "span", "sup"])
INNER = st.sampled_from(["<tr><td>1</td></tr>", "<li>*not emphasis*</li>", '<svg><path d="M 0 0"/></svg>',
                         '<a id="fig-1" href="#x">¶</a>', "<p>x</p>", "a &lt; b", "\n", ""])


@st.composite
def finished_block(draw: st.DrawFn) -> str:
    tag = draw(TAG)
    inner = draw(st.lists(st.one_of(INNER, MARK), max_size=4).map("".join))
    block = f'<{tag} id="{tag}-{draw(st.integers(0, 9))}">{inner}</{tag}>'
    shape = draw(st.sampled_from(["plain", "nested", "lines", "siblings", "tail", "text after"]))
    return {"plain": block, "nested": f"<{tag}>{block}</{tag}>", "lines": f"{block}\n{block}",
            "siblings": block + block, "tail": block + " after", "text after": f"{block}\n*after*"}[shape]


BLOCK = st.one_of(
    SENTENCE, finished_block(),
    st.tuples(st.sampled_from(["#", "##", "###"]), SENTENCE).map(" ".join),
    SENTENCE.map(lambda sentence: f'=== "Tab"\n\n    {sentence}'),
    st.lists(SENTENCE, min_size=1, max_size=3).map(lambda items: "\n".join(f"- {item}" for item in items)),
    SENTENCE.map(lambda sentence: f"```\n{sentence}\n```"),
)


@settings(derandomize=True, database=None, deadline=None, max_examples=300)
@given(st.lists(BLOCK, min_size=1, max_size=8).map("\n\n".join))
def test_any_page_of_blocks_marks_and_text_converts_to_the_same_html_with_its_finished_html_stashed(text):
    assert convert(text, stashed=True)[0] == convert(text, stashed=False)[0]


@given(finished_block())
@settings(derandomize=True, database=None, deadline=None, max_examples=100)
def test_the_anchor_ids_of_finished_html_are_those_mkdocs_would_see(block):
    from mkdocs.structure.pages import _HTMLHandler  # MkDocs' own reading of raw HTML for its anchor check

    parser = _HTMLHandler()
    parser.feed(block)
    parser.close()
    assert anchor_ids(block) == parser.present_anchor_ids


def test_a_link_to_a_figure_on_an_entity_page_passes_the_strict_build_and_a_missing_anchor_fails_it(
        project: Path):
    built = project / "site"
    assert run_kb("build", "--site-dir", str(built), cwd=project).returncode == 0
    page = (built / "products" / "tisagenlecleucel" / "index.html").read_text(encoding="utf-8")
    anchor = page.split('<tr id="', 1)[1].split('"', 1)[0]  # the first figure's row, in its finished table
    about = (project / "docs" / "about.md").read_text(encoding="utf-8")
    write(project / "docs" / "about.md", f"{about}\n[The figure](products/tisagenlecleucel.md#{anchor})\n")
    linked = run_kb("build", "--site-dir", str(built), cwd=project)
    assert linked.returncode == 0, linked.stderr
    write(project / "docs" / "about.md", f"{about}\n[The figure](products/tisagenlecleucel.md#no-such-figure)\n")
    broken = run_kb("build", "--site-dir", str(built), cwd=project)
    assert broken.returncode != 0
    assert "no-such-figure" in broken.stderr


def test_a_hand_written_page_showing_the_markup_of_a_citation_mark_in_code_keeps_it_as_text(project: Path):
    mark = '<sup class="kb-cite" data-search-exclude><a class="footnote-ref" id="fnref:x" href="#fn:x">1</a></sup>'
    about = (project / "docs" / "about.md").read_text(encoding="utf-8")
    write(project / "docs" / "about.md", f"{about}\nA citation mark is written `{mark}`.\n")
    built = project / "site"
    assert run_kb("build", "--site-dir", str(built), cwd=project).returncode == 0
    page = (built / "about" / "index.html").read_text(encoding="utf-8")
    assert '<code>&lt;sup class="kb-cite"' in page
