"""Every query of tests/search_queries.yaml, typed into the real site's search box in Chromium, lists its page
(or one of its pages) among the first three results. One page serves every query: the box is emptied and the next
query typed."""

from __future__ import annotations

import bisect
import json
import re
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml
from kb.model import load_knowledge_base
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import REMEMBER_THE_ANSWERED_QUERY, empty_search_box, paste_into_search, search_for

QUERIES = yaml.safe_load((Path(__file__).resolve().parents[1] / "search_queries.yaml").read_text(encoding="utf-8"))


def test_the_query_file_holds_at_least_fifty_queries_from_each_kind_of_reader():
    assert len(QUERIES) >= 50
    assert {query["who"] for query in QUERIES} == {"clinician", "patient", "curator"}


def test_the_readme_gives_the_number_of_queries():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert f"{len(QUERIES)} queries a clinician, a patient and a curator type" in readme


def test_each_query_expects_one_page_or_a_list_of_pages_that_rank_alike():
    for case in QUERIES:
        assert ("page" in case) != ("pages" in case), case
        assert isinstance(case.get("page", ""), str) and isinstance(case.get("pages", []), list), case


def test_each_query_is_listed_once():
    """A query the reader types has one expectation: two entries for it would each pass on a different page."""
    queries = [case["query"] for case in QUERIES]
    assert sorted({query for query in queries if queries.count(query) > 1}) == []


def expected(case: dict[str, Any]) -> set[str]:
    """The pages of which the query must find one: its page, or any of its pages."""
    return {case["page"]} if "page" in case else set(case["pages"])


def test_every_page_the_query_file_expects_is_on_the_site(site_url: str):
    def found(page: str) -> bool:
        try:
            with urllib.request.urlopen(site_url + page) as response:
                return response.status == 200
        except urllib.error.HTTPError:
            return False
    missing = sorted(page for case in QUERIES for page in expected(case) if not found(page))
    assert not missing, f"the query file expects pages the site does not have: {missing}"


@pytest.fixture(scope="module")
def search_page(browser: Browser, site_url: str) -> Page:
    page = browser.new_page()
    page.add_init_script(REMEMBER_THE_ANSWERED_QUERY)
    page.goto(site_url)
    page.keyboard.press("/")
    yield page
    page.close()


def first_pages(page: Page, query: str, count: int = 3) -> list[str]:
    """The pages of the first ``count`` results for ``query``, typed as a reader types, once the search worker has
    answered the whole query and the answer is drawn."""
    search_for(page, query)
    return shown_pages(page, count)


def shown_pages(page: Page, count: int = 3) -> list[str]:
    """The pages of the first ``count`` results the search box shows."""
    links = page.locator(".md-search-result__item > a.md-search-result__link")
    hrefs = links.evaluate_all(f"links => links.slice(0, {count}).map(link => link.href)")
    return [urlparse(href).path.lstrip("/") for href in hrefs]


@pytest.mark.parametrize("case", QUERIES, ids=[case["query"] for case in QUERIES])
def test_the_query_finds_its_page_among_the_first_three_results(search_page: Page, case: dict[str, Any]):
    pages = first_pages(search_page, case["query"])
    assert expected(case) & set(pages), f"{case['query']!r} ({case['who']}): first results {pages}"


# Every entity's name and other names (aliases), with its page's URL.
ENTITY_NAMES = sorted({(name, entity.url)
                       for entity in load_knowledge_base(Path(__file__).resolve().parents[2] / "data").entities.values()
                       for name in [entity.data["name"], *entity.data.get("aliases", [])]})


@pytest.mark.parametrize(("name", "url"), ENTITY_NAMES)
def test_every_entity_page_is_found_by_each_of_its_names_pasted_whole_among_the_first_three_results(
        search_page: Page, name: str, url: str):
    # "CLL-1 CAR-T in adults with relapsed or refractory AML, first-in-human phase 1 (J Hematol Oncol 2022)" listed
    # its page nowhere
    paste_into_search(search_page, name)
    assert url in shown_pages(search_page)


@pytest.mark.parametrize(("right", "wrong", "page"), [
    ("tisagenlecleucel", "tisagenleucel", "products/tisagenlecleucel/"),  # the page about it (issue 16's case)
    ("tocilizumab", "tocilizumb", None),  # no page is about it: the first of those that mention it
])
def test_a_misspelling_finds_the_first_page_but_scores_below_the_word_spelled_right(
        search_page: Page, right: str, wrong: str, page: str | None):
    score = ".md-search-result__item > a.md-search-result__link article"

    def first(query: str) -> tuple[str, float]:
        page = first_pages(search_page, query, count=1)[0]
        return page, float(search_page.locator(score).first.get_attribute("data-md-score"))

    right_page, right_score = first(right)
    wrong_page, wrong_score = first(wrong)
    assert wrong_page == right_page == (page or right_page)
    assert wrong_score < right_score


@pytest.mark.parametrize(("right", "wrong"), [("tocilizumab dose", "tocilizumb dose"),
                                             ("ruxolitinib chronic GVHD", "ruxolitnib chronic GVHD")])
def test_a_query_with_a_misspelt_word_lists_the_pages_of_the_query_spelled_right(search_page: Page, right: str,
                                                                                  wrong: str):
    # a misspelt word counts as held where its right spelling is ("tocilizumb dose" listed trials of a
    # prednisone dose first, "ruxolitnib chronic GVHD" left REACH3 out)
    assert set(first_pages(search_page, wrong)) == set(first_pages(search_page, right))


def test_a_result_that_holds_a_misspelt_word_spelled_right_does_not_list_it_as_missing(search_page: Page):
    first_pages(search_page, "graft versus host diesase")
    first = search_page.locator(".md-search-result__item > a.md-search-result__link").first
    expect(first).to_have_attribute("href", re.compile("challenges/gvhd/"))
    expect(first).not_to_contain_text("diesase")  # it said "Missing: diesase"


def test_an_abbreviation_of_four_capitals_is_matched_whole_not_as_the_start_of_a_longer_word(search_page: Page):
    # "GVHD" matched "GVHD001" in the title of the trial named MSB-GVHD001, which came before the ruxolitinib trials
    # (the GVHD page, which names the three ruxolitinib trials and their results, may come first)
    pages = first_pages(search_page, "ruxolitinib GVHD", count=3)
    assert pages[0] in {"trials/reach1/", "trials/reach3/", "challenges/gvhd/"}
    assert "trials/msb-gvhd001/" not in pages


def test_words_that_name_two_pages_in_two_orders_name_neither_in_a_third(search_page: Page):
    # "CAR-T after transplant" and "transplant after CAR-T" are names of different pages; in any other order the
    # words name neither, and neither page is lifted to the top
    named = {"therapies/donor-derived-car-t/", "challenges/relapse-after-allogeneic-transplant/",
             "pathways/b-all-relapse-sequencing/"}
    assert first_pages(search_page, "after transplant CAR-T", count=1)[0] not in named


def test_the_bibliography_comes_after_the_entity_pages_that_name_the_product(search_page: Page):
    pages = first_pages(search_page, "Kymriah", count=6)
    assert len(pages) == 6 and not [page for page in pages if page.startswith("reference/")], pages


@pytest.mark.parametrize(("typed", "completed"), [("relap", "relapse"), ("tocil", "tocilizumab"), ("Relap", "Relapse"),
                                                  ("graft Relap", "graft Relapse")])
def test_the_suggestion_completes_a_word_to_the_shortest_title_word_it_starts(search_page: Page, typed: str,
                                                                              completed: str):
    first_pages(search_page, typed, count=1)  # the results for the word, settled
    expect(search_page.locator(".md-search__suggest")).to_have_text(completed)



def _one_edit_apart(a: str, b: str) -> bool:
    """Whether one insertion, deletion, substitution or swap of neighbours turns a into b (lunr's fuzzy ~1)."""
    if len(a) > len(b):
        a, b = b, a
    if len(b) - len(a) > 1:
        return False
    i = next((i for i in range(len(a)) if a[i] != b[i]), len(a))
    if len(a) < len(b):
        return a[i:] == b[i + 1:]
    swapped = a[i:i + 2] == b[i:i + 2][::-1] and a[i + 2:] == b[i + 2:]
    return a[i + 1:] == b[i + 1:] or swapped


def test_the_suggestion_loads_no_postings_that_the_search_does_not_need(search_page: Page, site_url: str):
    index = json.loads(urllib.request.urlopen(site_url + "search/prebuilt_index.json").read())
    terms, starts = index["terms"], index["termShards"]
    shard = {term: bisect.bisect_right(starts, number) - 1 for number, term in enumerate(terms)}
    # a word the search matches whole (a number, or three capitals such as CAR) and long enough for a suggestion,
    # while the suggestion's wildcard (word*) reaches into another shard
    whole = next(term for term in terms if len(term) == 3 and (term.isdigit() or term.isalpha())
                 and {shard[other] for other in terms if other.startswith(term)} != {shard[term]})
    needed = {shard[term] for term in terms
              if term.startswith("kymriah") or _one_edit_apart(term, "kymriah") or term == whole}
    fetched: set[int] = set()
    search_page.on("request", lambda request: fetched.add(int(request.url.rsplit("/", 1)[1].split(".")[0]))
                   if "/search/postings/" in request.url else None)
    empty_search_box(search_page)
    search_page.keyboard.insert_text(f"kymriah {whole.upper()}")  # one query (Material searches on a key's release)
    search_page.keyboard.press("End")
    expect(search_page.locator(".md-search-result__item").first).to_be_visible()
    search_page.wait_for_timeout(500)
    assert fetched <= needed
