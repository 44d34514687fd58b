"""The patterns that find links and citations in data text, as the renderer uses them."""

from __future__ import annotations

from kb.data.markup import links_and_citations_in, links_in


def test_an_image_is_found_from_its_exclamation_mark():
    (match,) = links_in("see ![chart](https://x.test/c.png) here")
    assert match.group("image") == "!" and match.group(0) == "![chart](https://x.test/c.png)"


def test_links_and_citations_are_found_in_reading_order():
    text = "a [@one] b [two](id:car-t) c [@three]"
    assert [m.group("cite") or m.group("target") for m in links_and_citations_in(text)] == ["one", "id:car-t", "three"]
