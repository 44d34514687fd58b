"""The fast link finders give exactly the matches of the patterns that define the Markdown subset."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from kb.markup import LINK, LINK_OR_CITATION, link_labels_only, links_and_citations_in, links_in

# Text made mostly of the characters links, images and citations are made of, so that most examples hold
# several of them, next to each other, nested, broken off or preceded by "!".
MARKUP_TEXT = st.text(st.sampled_from(list("![]()@ \nab:/-")), max_size=40)


def _described(matches: object) -> list[tuple[object, ...]]:
    return [(m.span(), m.group(0), *m.groups()) for m in matches]  # type: ignore[attr-defined]


@settings(derandomize=True, database=None, max_examples=3000)
@given(MARKUP_TEXT)
def test_links_in_finds_what_the_link_pattern_finds(text):
    assert _described(links_in(text)) == _described(LINK.finditer(text))


@settings(derandomize=True, database=None, max_examples=3000)
@given(MARKUP_TEXT)
def test_links_and_citations_in_finds_what_the_combined_pattern_finds(text):
    assert _described(links_and_citations_in(text)) == _described(LINK_OR_CITATION.finditer(text))


@settings(derandomize=True, database=None, max_examples=1000)
@given(MARKUP_TEXT)
def test_link_labels_only_replaces_each_link_by_its_label(text):
    assert link_labels_only(text) == LINK.sub(lambda match: match.group("label"), text)


def test_an_image_is_found_from_its_exclamation_mark():
    (match,) = links_in("see ![chart](https://x.test/c.png) here")
    assert match.group("image") == "!" and match.group(0) == "![chart](https://x.test/c.png)"


def test_an_image_made_of_a_citation_label_is_an_image_as_the_pattern_says():
    text = "![@src](https://x.test) and [@other]"
    assert _described(links_and_citations_in(text)) == _described(LINK_OR_CITATION.finditer(text))
    assert [m.group("image") or m.group("cite") for m in links_and_citations_in(text)] == ["!", "other"]

