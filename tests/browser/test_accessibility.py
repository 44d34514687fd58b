"""axe-core (bundled with axe-playwright-python, offline) on one page of every type and the Performance page,
light and dark: no serious or critical violation, the theme's own included."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.browser.conftest import search_for
from tests.browser.test_site import PAGE_TYPES

AXE = Axe()
PAGES = {**PAGE_TYPES, "performance": "performance/"}
# Long tables and the reference list are laid out only when scrolled near (content-visibility: auto); axe, which
# does not scroll, would measure the colours of whatever is drawn where they will be. Laid out as a reader who
# scrolls to them sees them.
ALL_LAID_OUT = ".md-typeset .kb-cards, .md-typeset .footnote { content-visibility: visible !important; }"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_no_serious_accessibility_violation(page: Page, site_url: str, path: str, scheme: str):
    page.emulate_media(color_scheme=scheme)
    page.goto(site_url + path)
    page.wait_for_load_state("networkidle")
    page.add_style_tag(content=ALL_LAID_OUT)
    violations = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}"
        for v in AXE.run(page).response["violations"] if v["impact"] in ("serious", "critical")
    ]
    assert violations == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_search_dialog_open_has_no_serious_violation(page: Page, site_url: str, scheme: str):
    page.emulate_media(color_scheme=scheme)
    page.goto(site_url)
    search_for(page, "car")
    # axe reads the colours as drawn: wait for the dialog's fades (opacity, background) to end
    page.evaluate("""Promise.allSettled(document.getAnimations()
        .filter(animation => animation.effect.getComputedTiming().endTime !== Infinity)
        .map(animation => animation.finished))""")
    serious = [v["id"] for v in AXE.run(page).response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == []
