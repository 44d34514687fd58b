"""Filters on the index and comparison pages, in Chromium: ticking a box narrows the list (OR within a facet, AND
across facets), the URL keeps the choice so that it can be shared, and without JavaScript the page is the whole
list."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Locator, Page, Route, expect

from tests.browser.conftest import held_request

FILTERED_LISTS = {"trials index": "trials/", "products index": "products/", "trial comparison": "compare/trials/car-t/",
                  "trial comparison of two pages": "compare/trials/transplant/",
                  "product comparison": "compare/products/"}


def _rows(page: Page, list_id: str) -> list[dict[str, str]]:
    """Every row of the list, with whether it shows and its facet values."""
    return page.locator(f"#{list_id} tbody tr").evaluate_all(
        """rows => rows.map(r => ({shown: !r.hidden && r.offsetParent !== null,
                                   disease: r.dataset.kbDisease || "", phase: r.dataset.kbPhase || "",
                                   region: r.dataset.kbRegion || ""}))""")


def _has(row: dict[str, str], facet: str, value: str) -> bool:
    return value in row[facet].split()


def _settled(form: Locator) -> None:
    """Wait until the filters have applied (a list of several pages first brings in the rows of the others)."""
    expect(form.locator(".kb-filters-status")).not_to_have_text(re.compile("^Loading|^$"))


def test_ticking_boxes_narrows_the_list_or_within_a_facet_and_across_facets(page: Page, site_url: str):
    page.goto(site_url + "trials/")
    form = page.locator("form.kb-filters")
    expect(form).to_be_visible()
    own, total = len(_rows(page, "kb-list-trials")), int(form.get_attribute("data-kb-total") or 0)
    assert own < total  # the index of trials goes on on a second page
    expect(form.locator(".kb-filters-status")).to_have_text(
        f"Showing the {own} trials of this page ({total} in the list).")

    form.get_by_role("checkbox", name=re.compile(r"^T-ALL")).check()
    _settled(form)
    rows = _rows(page, "kb-list-trials")
    assert len(rows) == total  # every page's rows, the others' hidden unless they match
    shown = [row for row in rows if row["shown"]]
    assert 0 < len(shown) < total
    assert all(_has(row, "disease", "t-all") for row in shown)
    assert all(row["shown"] for row in rows if _has(row, "disease", "t-all"))
    expect(page).to_have_url(re.compile(r"trials/\?disease=t-all$"))

    form.get_by_role("checkbox", name=re.compile(r"^AML")).check()  # same facet: either disease
    rows = _rows(page, "kb-list-trials")
    either = [row for row in rows if _has(row, "disease", "t-all") or _has(row, "disease", "aml")]
    assert [row for row in rows if row["shown"]] == either

    form.get_by_role("checkbox", name=re.compile(r"^Phase 1 ")).check()  # another facet: both must hold
    rows = _rows(page, "kb-list-trials")
    both = [row for row in either if _has(row, "phase", "phase-1")]
    assert 0 < len(both) < len(either)
    assert [row for row in rows if row["shown"]] == both
    expect(page).to_have_url(re.compile(r"\?disease=aml&disease=t-all&phase=phase-1$"))
    expect(form.locator(".kb-filters-status")).to_have_text(
        f"Showing {len(both)} of {total} trials, from every page of the list.")


def test_the_links_to_a_lists_other_pages_are_hidden_while_its_filtered_rows_come_from_every_page(page: Page,
                                                                                                   site_url: str):
    # "Next" under a filtered list led to the next page's own rows, unfiltered, and dropped the filter.
    page.goto(site_url + "trials/")
    form = page.locator("form.kb-filters")
    page_links = page.locator("nav.kb-pages")
    expect(page_links.first).to_be_visible()
    form.get_by_role("checkbox", name=re.compile(r"^AML")).check()
    _settled(form)
    assert page_links.count() == 2 and all(not links.is_visible() for links in page_links.all())
    form.get_by_role("checkbox", name=re.compile(r"^AML")).uncheck()
    _settled(form)
    assert all(links.is_visible() for links in page_links.all())


def test_the_filters_of_a_list_of_several_pages_find_the_entries_of_the_other_pages(page: Page, site_url: str):
    page.goto(site_url + "trials/page_2/")
    name, disease = page.locator("#kb-list-trials tbody tr[data-kb-disease]").first.evaluate(
        "row => [row.querySelector('a').textContent, row.dataset.kbDisease.split(' ')[0]]")
    page.goto(site_url + f"trials/?disease={disease}")
    _settled(page.locator("form.kb-filters"))
    link = page.locator("#kb-list-trials tbody tr[data-kb-elsewhere]").get_by_role("link", name=name, exact=True)
    expect(link).to_be_visible()
    link.click()
    expect(page.locator("article h1")).to_contain_text(name)


def test_without_the_other_pages_the_filters_say_they_apply_to_this_page(page: Page, site_url: str):
    page.route("**/trials/page_2/", lambda route: route.abort())
    page.goto(site_url + "trials/?disease=aml")
    form = page.locator("form.kb-filters")
    _settled(form)
    rows = _rows(page, "kb-list-trials")
    shown = [row for row in rows if row["shown"]]
    assert shown and all(_has(row, "disease", "aml") for row in shown)
    expect(form.locator(".kb-filters-status")).to_have_text(
        f"Showing {len(shown)} of this page's {len(rows)} trials (the other pages of the list could not be loaded).")


def test_a_filtered_address_opens_the_same_filtered_list(page: Page, site_url: str):
    page.goto(site_url + "trials/?disease=b-all&phase=phase-2")
    form = page.locator("form.kb-filters")
    expect(form.locator('input[name="disease"][value="b-all"]')).to_be_checked()
    expect(form.locator('input[name="phase"][value="phase-2"]')).to_be_checked()
    _settled(form)
    rows = _rows(page, "kb-list-trials")
    shown = [row for row in rows if row["shown"]]
    assert shown and all(_has(row, "disease", "b-all") and _has(row, "phase", "phase-2") for row in shown)
    assert len(shown) == len([row for row in rows if _has(row, "disease", "b-all") and _has(row, "phase", "phase-2")])


def test_clearing_the_filters_shows_every_row_and_clears_the_address(page: Page, site_url: str):
    page.goto(site_url + "products/?region=eu")
    assert not all(row["shown"] for row in _rows(page, "kb-list-products"))
    page.get_by_role("button", name="Clear filters").click()
    expect(page).to_have_url(site_url + "products/")
    assert all(row["shown"] for row in _rows(page, "kb-list-products"))


@pytest.mark.parametrize("path", FILTERED_LISTS.values(), ids=FILTERED_LISTS.keys())
def test_every_filtered_list_narrows_on_its_first_choice(page: Page, site_url: str, path: str):
    page.goto(site_url + path)
    form = page.locator("form.kb-filters")
    list_id = form.get_attribute("data-kb-filters")
    box = form.locator("input[type=checkbox]").first
    facet, value = box.get_attribute("name"), box.get_attribute("value")
    box.check()
    _settled(form)
    rows = page.locator(f"#{list_id} tbody tr").evaluate_all(
        f"rows => rows.map(r => [!r.hidden, (r.getAttribute('data-kb-{facet}') || '').split(' ')])")
    assert all((value in values) == shown for shown, values in rows)
    expect(page).to_have_url(re.compile(rf"\?{facet}={value}$"))


@pytest.mark.parametrize("path", FILTERED_LISTS.values(), ids=FILTERED_LISTS.keys())
def test_the_list_does_not_move_when_the_filters_script_comes_in(page: Page, site_url: str, path: str):
    held: list[Route] = []
    page.route("**/filters.js", lambda route: held.append(route))  # answered once the page is drawn without it
    page.goto(site_url + path, wait_until="commit")
    page.wait_for_function("document.documentElement.classList.contains('js')")  # Material's script has run
    script = held_request(page, held, "filters.js")
    form = page.locator("form.kb-filters")
    expect(form).to_be_visible()
    before = form.bounding_box()  # where the list starts: just below the form
    script.continue_()
    _settled(form)
    assert form.bounding_box() == before


def test_without_javascript_the_page_is_the_whole_list_and_shows_no_form(browser: Browser, site_url: str):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    for path in FILTERED_LISTS.values():
        page.goto(site_url + path + "?disease=b-all")  # a shared filtered address still lists everything
        expect(page.locator("form.kb-filters")).to_be_hidden()
        rows = page.locator("table[id^=kb-] tbody tr")
        assert rows.count() > 1
        assert all(row.is_visible() for row in rows.all())
    context.close()
