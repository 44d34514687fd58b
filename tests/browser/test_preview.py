"""A pull request's preview: the site built for the published address (as CI builds it), unzipped into a folder
and served at the root of any local address (`python3 -m http.server -d site`), works there and never calls the
published address."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import REPO, build_site

PUBLISHED = "https://example.org/kb/"


@pytest.fixture(scope="module")
def preview_url(tmp_path_factory, serve_folder) -> str:
    site = tmp_path_factory.mktemp("preview") / "site"
    build_site(REPO, site, {"SITE_URL": PUBLISHED, "KB_REPOSITORY": "https://github.com/example/kb"})
    return serve_folder(site)


def test_navigation_stays_on_the_local_address(page: Page, preview_url: str):
    page.goto(preview_url)
    page.locator(".md-tabs__link", has_text="Products").click()
    expect(page).to_have_url(preview_url + "products/")
    expect(page.locator("article h1")).to_contain_text("Products")


def test_search_works_in_the_preview(page: Page, preview_url: str):
    page.goto(preview_url)
    page.keyboard.press("/")
    page.keyboard.type("tisagenlecleucel")
    result = page.locator('.md-search-result__link[href*="products/tisagenlecleucel/?"]').first
    expect(result).to_be_visible(timeout=10_000)
    result.click()
    expect(page).to_have_url(re.compile(re.escape(preview_url + "products/tisagenlecleucel/")))


def test_the_preview_requests_nothing_from_the_published_address(page: Page, preview_url: str):
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlparse(request.url).netloc))
    page.goto(preview_url + "therapies/car-t/")
    page.locator(".md-tabs__link", has_text="Trials").click()
    expect(page.locator("article h1")).to_contain_text("Trials")
    assert hosts == {urlparse(preview_url).netloc}
