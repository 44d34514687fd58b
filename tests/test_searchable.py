"""The search index is given only what it would keep of a page, so that it parses less."""

from __future__ import annotations

from kb.searchable import searchable_html

PAGE = ('<h1 id="title">Title</h1><p>Summary</p>'
        '<h2 id="glance">At a glance</h2><table><tr><td>CD19</td></tr></table>'
        '<h2 data-search-exclude id="figures">Figures</h2><table><tr><td>81%</td></tr></table>'
        '<h3 data-search-exclude id="more">More</h3><p>hidden</p>'
        '<h2 id="after">After</h2>'
        '<p>Kept <sup class="kb-cite"><a class="footnote-ref" id="fnref:x" href="#fn:x">3</a></sup></p>')


def test_sections_under_an_excluded_heading_are_left_out():
    searchable = searchable_html(PAGE)
    assert "Figures" not in searchable and "81%" not in searchable and "hidden" not in searchable


def test_sections_that_are_not_excluded_are_kept_whole():
    searchable = searchable_html(PAGE)
    assert '<h1 id="title">Title</h1><p>Summary</p>' in searchable
    assert "CD19" in searchable
    assert '<h2 id="after">After</h2><p>Kept </p>' in searchable


def test_citation_marks_are_left_out():
    assert "fnref" not in searchable_html(PAGE)


def test_a_page_without_headings_is_kept():
    assert searchable_html("<p>Just text</p>") == "<p>Just text</p>"


def test_of_a_set_of_tabs_only_the_first_is_kept():
    tabs = ('<div class="tabbed-set"><div class="tabbed-labels"><label>Patients</label><label>Clinicians</label></div>'
            '<div class="tabbed-content"><div class="tabbed-block"><p>Plain words</p></div>\n'
            '<div class="tabbed-block"><p>Technical words</p></div></div></div>')
    searchable = searchable_html(tabs)
    assert "Plain words" in searchable
    assert "Technical words" not in searchable and "Clinicians" not in searchable
