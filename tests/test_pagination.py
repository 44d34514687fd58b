"""Long lists (a type's index, a tag's page, the bibliography, What's new) go on over pages, each reachable from the
others."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kb.model import KnowledgeBase, load_knowledge_base
from kb.site import plan
from kb.site.compare import trials_by_group
from kb.site.plan import list_pages, render_site

from tests.conftest import REPO


def is_continuation_page(page_path: str) -> bool:
    return re.search(r"_[0-9]+\.md$", page_path) is not None


def test_a_short_list_is_one_page_at_the_usual_path():
    [(path, items, pagination)] = list_pages("trials/index.md", [1, 2, 3], size=10)
    assert (path, items, pagination.number, pagination.previous, pagination.next) == (
        "trials/index.md", [1, 2, 3], 1, None, None)


def test_an_empty_list_is_still_one_page():
    assert [path for path, _, _ in list_pages("reference/sources.md", [], size=10)] == ["reference/sources.md"]


def test_a_long_list_is_cut_into_pages_in_order():
    pages = list_pages("trials/index.md", list(range(25)), size=10)
    assert [path for path, _, _ in pages] == ["trials/index.md", "trials/page_2.md", "trials/page_3.md"]
    assert [items for _, items, _ in pages] == [list(range(10)), list(range(10, 20)), list(range(20, 25))]
    last = pages[-1][2]
    assert (last.first_entry, last.last_entry, last.total) == (21, 25, 25)
    assert (last.previous, last.next) == ("trials/page_2.md", None)


def test_next_pages_of_a_named_page_take_its_name():
    paths = [path for path, _, _ in list_pages("reference/sources.md", list(range(3)), size=2)]
    assert paths == ["reference/sources.md", "reference/sources_2.md"]


def test_next_pages_can_never_take_an_entity_url():
    # Ids are kebab-case, so an underscore marks a next page; first pages and entity pages have none.
    assert is_continuation_page("trials/page_2.md") and is_continuation_page("reference/sources_12.md")
    assert not any(map(is_continuation_page, ["trials/index.md", "trials/page-2.md", "reference/sources.md"]))


@pytest.fixture
def small_pages(data_root, monkeypatch):
    monkeypatch.setattr(plan, "ENTRIES_PER_PAGE", 2)
    return render_site(load_knowledge_base(data_root))


def test_every_source_is_in_the_bibliography_exactly_once_across_its_pages(data_root, small_pages):
    bibliography = "".join(page for path, page in small_pages.items() if path.startswith("reference/sources"))
    listed = re.findall(r'<span id="([^"]+)"></span>', bibliography)
    assert sorted(listed) == sorted(load_knowledge_base(data_root).sources)
    assert len(listed) > 2  # so the fixture needs more than one page


@pytest.fixture
def one_per_page(data_root, monkeypatch):
    monkeypatch.setattr(plan, "ENTRIES_PER_PAGE", 1)
    return render_site(load_knowledge_base(data_root))


def whats_new_rows(pages: dict[str, str]) -> list[str]:
    """The dates of What's new's rows, in the order its pages show them."""
    text = "".join(page for path, page in pages.items() if path.startswith("reference/whats-new"))
    return re.findall(r"^\| ([0-9]{4}-[0-9]{2}-[0-9]{2}) \| \[", text, re.MULTILINE)


def test_whats_new_lists_every_review_entry_exactly_once_across_its_pages(data_root, one_per_page):
    rows = whats_new_rows(one_per_page)
    assert len(rows) == len(load_knowledge_base(data_root).review_events())
    assert "reference/whats-new_2.md" in one_per_page  # so the fixture needs more than one page


def test_whats_new_goes_on_newest_first_across_its_pages(one_per_page):
    rows = whats_new_rows(one_per_page)
    assert rows == sorted(rows, reverse=True)


def test_every_entity_of_a_type_is_listed_exactly_once_across_its_index_pages(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(time.time())))  # the real data is reviewed up to today
    monkeypatch.setattr(plan, "ENTRIES_PER_PAGE", 20)
    knowledge_base = load_knowledge_base(REPO / "data")
    small_pages = render_site(knowledge_base)
    largest = max(knowledge_base.types, key=lambda t: len(knowledge_base.of_type(t.name)))
    ids = [e.id for e in knowledge_base.of_type(largest.name)]
    assert len(ids) > 2 * plan.ENTRIES_PER_PAGE  # so the list runs over three pages or more
    index = "".join(page for path, page in small_pages.items()
                    if path == f"{largest.plural}/index.md" or path.startswith(f"{largest.plural}/page_"))
    assert sorted(re.findall(r'<tr[^>]*><td[^>]*><a href="(?:\.\./)?([^/"]+)/"', index)) == sorted(ids)


def test_each_page_of_a_list_says_where_it_stands_and_links_the_others(small_pages):
    second = small_pages["reference/sources_2.md"]
    assert 'title: "Bibliography (page 2 of ' in second
    assert '<strong aria-current="page">2</strong>' in second
    assert '<a href="../sources/" rel="prev">Previous</a>' in second
    assert '<a href="../sources/">1</a>' in second


def test_a_list_that_fits_on_one_page_has_no_page_links(data_root):
    pages = render_site(load_knowledge_base(data_root))
    assert "kb-pages" not in pages["products/index.md"]
    assert not any(map(is_continuation_page, pages))


def test_a_tags_page_lists_every_page_that_carries_it_exactly_once_across_its_pages(data_root, one_per_page):
    knowledge_base = load_knowledge_base(data_root)
    tag, entities = max(knowledge_base.tagged().items(), key=lambda item: len(item[1]))
    assert len(entities) > 1  # so the fixture needs more than one page
    pages_of_tag = re.compile(rf"reference/tags/{tag}(_[0-9]+)?\.md")
    text = "".join(page for path, page in one_per_page.items() if pages_of_tag.fullmatch(path))
    listed = re.findall(r"^- \[[^]]+\]\(\.\./\.\./([a-z]+/[a-z0-9-]+)\.md\)", text, re.MULTILINE)
    assert sorted(listed) == sorted(entity.page_path.removesuffix(".md") for entity in entities)



@given(count=st.integers(min_value=0, max_value=3000), most=st.integers(min_value=1, max_value=200))
def test_a_comparison_goes_on_as_few_pages_as_fit_with_its_rows_shared_evenly(count: int, most: int):
    size = plan.even_page_size(count, most)
    pages = [len(rows) for _, rows, _ in list_pages("compare/trials/car-t.md", list(range(count)), size)]
    assert len(pages) == max(1, -(-count // most))  # no more pages than needed
    assert max(pages) <= most
    assert max(pages) - min(pages) <= len(pages)  # shared evenly: the last page is short by less than a row a page


@pytest.fixture(scope="module")
def real_comparisons_in_pages_of_20() -> tuple[KnowledgeBase, dict[str, str]]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(time.time())))  # the real data is reviewed up to today
        monkeypatch.setattr(plan, "COMPARED_TRIALS_PER_PAGE", 20)
        knowledge_base = load_knowledge_base(REPO / "data")
        return knowledge_base, render_site(knowledge_base)


def test_every_trial_of_a_group_is_compared_exactly_once_across_its_pages(real_comparisons_in_pages_of_20):
    knowledge_base, pages = real_comparisons_in_pages_of_20
    for group, trials in trials_by_group(knowledge_base).items():
        stem = group.path.removesuffix(".md")
        text = "".join(page for path, page in pages.items() if re.fullmatch(rf"{stem}(_[0-9]+)?\.md", path))
        compared = re.findall(r'<tr[^>]*><td><a href="\.\./\.\./\.\./trials/([a-z0-9-]+)/">', text)
        assert sorted(compared) == sorted(trial.id for trial in trials)
    assert "compare/trials/car-t_3.md" in pages  # so the real data needs three pages or more


def test_each_page_of_a_comparison_filters_the_whole_group(real_comparisons_in_pages_of_20):
    _, pages = real_comparisons_in_pages_of_20
    second = pages["compare/trials/car-t_2.md"]
    assert 'title: "Compare CAR-T cell trials (page 2 of ' in second
    assert '<a href="../car-t/" rel="prev">Previous</a>' in second
    assert re.search(r'data-kb-pages="\.\./car-t/ \./ [^"]+" data-kb-page="2"', second)


def test_a_source_has_one_number_on_every_page_of_a_comparison(real_comparisons_in_pages_of_20):
    # Rows a filter brings in from another page keep their marks: one number must mean one source on every page.
    _, pages = real_comparisons_in_pages_of_20
    numbers: dict[str, set[str]] = {}
    for path, page in pages.items():
        if re.fullmatch(r"compare/trials/car-t(_[0-9]+)?\.md", path):
            for source, number in re.findall(r'href="#fn:([^"]+)">([0-9]+)</a>', page):
                numbers.setdefault(source, set()).add(number)
    assert numbers and all(len(given) == 1 for given in numbers.values())
    assert len({number for given in numbers.values() for number in given}) == len(numbers)


def test_each_page_of_a_comparison_lists_its_sources_under_the_numbers_its_marks_show(real_comparisons_in_pages_of_20):
    _, pages = real_comparisons_in_pages_of_20
    second = pages["compare/trials/car-t_2.md"]
    marks = dict(re.findall(r'href="#fn:([^"]+)">([0-9]+)</a>', second))
    listed = re.findall(r'<li id="fn:([^"]+)"(?: value="([0-9]+)")?', second)
    shown, place = {}, 0
    for source, value in listed:  # an item without a value takes the number after the one before it
        place = int(value) if value else place + 1
        shown[source] = str(place)
    assert shown == marks
    assert min(map(int, marks.values())) > 1  # so the numbers go on from the page before
