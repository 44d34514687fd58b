"""The first use of an abbreviation in a page's finished HTML gets a tooltip and a link to the glossary; later
uses are left as they are."""

from __future__ import annotations

from kb.site.abbreviations import abbreviation_pattern, mark_abbreviations, term_anchor

GLOSSARY = {"CAR": "chimeric antigen receptor", "CAR-T": "CAR T-cell therapy", "CRS": "cytokine release syndrome",
            "R&D": "research and development"}


def mark(page_html: str, glossary_href: str | None = "../glossary/") -> str:
    return mark_abbreviations(page_html, GLOSSARY, abbreviation_pattern(GLOSSARY), glossary_href)


def tooltip(abbreviation: str, shown: str | None = None) -> str:
    return f'<abbr title="{GLOSSARY[abbreviation]}">{shown or abbreviation}</abbr>'


def test_the_first_use_links_to_the_glossary_and_later_uses_are_left_alone():
    assert mark("<p>CRS and CRS, CRS</p>") == (
        f'<p><a class="kb-abbr" href="../glossary/#term-crs">{tooltip("CRS")}</a> and CRS, CRS</p>')


def test_without_a_glossary_page_the_first_use_gets_the_tooltip_only():
    assert mark("<p>CRS or CRS</p>", None) == f"<p>{tooltip('CRS')} or CRS</p>"


def test_a_first_use_that_cannot_be_linked_gets_the_tooltip_and_the_next_one_the_link():
    assert mark("<h1>CRS</h1><p>CRS and CRS</p>") == (
        f'<h1>{tooltip("CRS")}</h1><p><a class="kb-abbr" href="../glossary/#term-crs">{tooltip("CRS")}</a> and CRS</p>')


def test_the_longest_abbreviation_wins():
    assert mark("<h2>CAR-T</h2>") == f"<h2>{tooltip('CAR-T')}</h2>"


def test_an_abbreviation_inside_a_longer_word_is_not_marked():
    for text in ("openCRS", "allo-CRS", "CRS-like", "CRS_x", "xCAR"):
        assert mark(f"<p>{text}</p>") == f"<p>{text}</p>", text


def test_a_use_after_one_inside_a_word_is_still_found():
    assert mark("<h3>xCAR-T then CAR-T</h3>") == f"<h3>xCAR-T then {tooltip('CAR-T')}</h3>"


def test_attributes_code_drawings_comments_and_existing_abbr_are_left_alone():
    for page in ('<p title="CRS">x</p>', "<code>CRS</code>", "<pre>CRS</pre>", "<svg><text>CRS</text></svg>",
                 "<!-- CRS -->", '<abbr title="x">CRS</abbr>'):
        assert mark(page) == page, page


def test_a_tag_inside_a_comment_does_not_change_what_follows():
    assert mark("<!-- <svg> --><h2>CRS</h2>") == f"<!-- <svg> --><h2>{tooltip('CRS')}</h2>"


def test_uses_inside_links_and_headings_get_no_link_of_their_own():
    assert mark('<a href="x">CRS</a> <h2 id="a">CAR</h2>') == (
        f'<a href="x">{tooltip("CRS")}</a> <h2 id="a">{tooltip("CAR")}</h2>')


def test_an_abbreviation_with_an_html_entity_is_found_as_html_writes_it():
    assert mark("<h2>R&amp;D</h2>") == '<h2><abbr title="research and development">R&amp;D</abbr></h2>'


def test_the_glossary_anchor_is_a_plain_slug():
    assert term_anchor("CAR-T") == "term-car-t" and term_anchor("R&D") == "term-r-d"


def test_a_use_inside_a_form_label_gets_the_tooltip_but_no_link():
    glossary = {"CLL": "chronic lymphocytic leukemia"}
    page = '<label><input type="checkbox"> CLL</label><p>CLL</p>'
    marked = mark_abbreviations(page, glossary, abbreviation_pattern(glossary), "../glossary/")
    assert marked == ('<label><input type="checkbox"> <abbr title="chronic lymphocytic leukemia">CLL</abbr></label>'
                      '<p><a class="kb-abbr" href="../glossary/#term-cll">'
                      '<abbr title="chronic lymphocytic leukemia">CLL</abbr></a></p>')
