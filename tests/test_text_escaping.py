"""A backslash in data text stays a backslash on the page: it cannot cancel the escape the renderer puts before a
bracket, and so cannot make a link that validation never saw."""

from __future__ import annotations

from pathlib import Path

import markdown
import pytest
from kb.data import rules
from kb.data.markup import MARKDOWN_EXTENSIONS
from kb.model import load_knowledge_base
from kb.site.render import PageContext

from tests.test_trust import unsafe_addresses


def rendered(text: str, data_root: Path) -> str:
    page = PageContext(load_knowledge_base(data_root), "therapies/car-t.md")
    return markdown.markdown(page.md(text), extensions=MARKDOWN_EXTENSIONS)


@pytest.mark.parametrize("text", ["[\\[b]\\](\njavascript:alert(1)\n)", "\\[a\\](javascript:alert(1))",
                                  "[x [@maude-2018-nejm] \\](\nfile:/etc/passwd)", "[a\\](https://x.org) [b](ftp://y)"])
def test_a_backslash_before_a_bracket_never_makes_a_link(data_root, text):
    if list(rules.text_problems(text, "markdown")) or rules.character_problem(text):
        return  # refused: nothing reaches a page
    assert unsafe_addresses(rendered(text, data_root)) == []


def test_text_without_backslashes_renders_as_before(data_root):
    html = rendered("See [the *therapy*](id:car-t) and [the label](https://www.fda.gov/x) [@maude-2018-nejm].",
                    data_root)
    assert '<a href="car-t.md">the <em>therapy</em></a>' in html
    assert '<a href="https://www.fda.gov/x">the label</a>' in html
