"""Finished HTML is set aside while Python-Markdown converts a generated page, without changing the result."""

from __future__ import annotations

import time

import markdown
import pytest
from kb.finished_html import anchor_ids, put_back_finished_html, set_aside_finished_html
from kb.pipeline import load_knowledge_base
from kb.render import render_site_pages
from mkdocs.config import load_config

from tests.conftest import REPO, run_kb


def convert(text: str) -> str:
    config = load_config(str(REPO / "mkdocs.yml"))
    return markdown.Markdown(extensions=config.markdown_extensions, extension_configs=config.mdx_configs).convert(text)


def convert_with_html_set_aside(text: str) -> str:
    text, aside = set_aside_finished_html(text)
    return put_back_finished_html(convert(text), aside)


def test_every_page_of_the_real_site_converts_to_the_same_html_with_its_finished_html_set_aside(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(time.time())))  # the real data is reviewed up to today
    pages = render_site_pages(load_knowledge_base(REPO / "data"))
    for path, page in pages.items():
        body = page.split("---\n", 2)[2] if page.startswith("---\n") else page
        assert convert_with_html_set_aside(body) == convert(body), path


def test_blocks_and_citation_marks_are_set_aside_but_markdown_is_not():
    text = ('# Title\n\nSome *prose* <sup class="kb-cite" data-search-exclude><a href="#fn:x">1</a></sup>.\n\n'
            '<table>\n<tr><td>cell</td></tr>\n</table>\n\n- a list item\n')
    kept, aside = set_aside_finished_html(text)
    assert aside == ['<table>\n<tr><td>cell</td></tr>\n</table>',
                     '<sup class="kb-cite" data-search-exclude><a href="#fn:x">1</a></sup>']
    assert "# Title" in kept and "*prose*" in kept and "- a list item" in kept


def test_a_block_with_a_blank_line_inside_is_left_to_markdown():
    text = "<div>\n<p>one</p>\n\n<p>two</p>\n</div>\n"
    assert set_aside_finished_html(text) == (text, [])


def test_a_block_that_does_not_start_a_paragraph_is_left_to_markdown():
    text = "Prose right before\n<table><tr><td>x</td></tr></table>\n"
    assert set_aside_finished_html(text) == (text, [])


def test_a_citation_mark_in_a_heading_is_left_for_the_table_of_contents():
    text = '## Results <sup class="kb-cite" data-search-exclude><a href="#fn:x">1</a></sup>\n\nText.\n'
    assert set_aside_finished_html(text) == (text, [])


@pytest.mark.parametrize("alter", [lambda html: html.replace("0", "7"), lambda html: html.replace("0", "")])
def test_a_placeholder_the_conversion_altered_is_an_error(alter):
    kept, aside = set_aside_finished_html("<table><tr><td>x</td></tr></table>\n")
    with pytest.raises(ValueError, match="altered"):
        put_back_finished_html(alter(convert(kept)), aside)


def test_anchor_ids_are_element_ids_and_link_names():
    assert anchor_ids(['<ol><li id="fn:a&amp;b">x</li></ol>', '<a name="old">y</a><input name="not-an-anchor">']) == {
        "fn:a&b", "old"}


def test_a_link_to_an_anchor_inside_a_generated_html_block_passes_the_strict_anchor_check(project):
    # The references at the foot of an entity page are one HTML block: its ids must still count as anchors.
    about = project / "docs" / "about.md"
    about.write_text(about.read_text() + "\n[A reference](products/tisagenlecleucel.md#fn:label-page)\n")
    result = run_kb("build", "--strict", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "fn:label-page" not in result.stderr


def test_an_id_written_as_text_is_not_an_anchor():
    assert anchor_ids(['<p>write id="x" to name it</p>']) == set()
