"""Every public page in Chromium: zh and en, 390 px phone and desktop, axe-clean, no sideways
scroll, readable without JavaScript; a screenshot of each is saved under test-artifacts/."""

from pathlib import Path

import pytest

from tests.browser_support import DESKTOP, PHONE, screenshot
from tests.public_pages import example_pages, uncovered_rules

pytestmark = pytest.mark.browser
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@pytest.fixture
def demo_pages(live_server):
    """The live server with the demo register loaded, and one address per public page."""
    result = live_server.app.test_cli_runner().invoke(args=["demo-data", "--if-empty"])
    assert result.exit_code == 0, result.output
    pages = live_server.run(lambda: example_pages(live_server.app))
    assert uncovered_rules(live_server.app, pages) == []
    return pages


def check(context, url: str, shot: str) -> tuple[int, list[str], int, str]:
    """Open `url`, save a screenshot; return its status, axe violations, width and lang."""
    page = context.new_page()
    try:
        response = page.goto(url)
        screenshot(page, shot)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA)
        violations = [f"{v['id']} [{v['impact']}]: {v['help']} ({len(v['nodes'])}× e.g. "
                      f"{v['nodes'][0]['html'][:100]})" for v in result["violations"]]
        width = page.evaluate("document.documentElement.scrollWidth")
        return response.status, violations, width, page.locator("html").get_attribute("lang")
    finally:
        page.close()


@pytest.mark.parametrize("device", ["phone", "desktop"])
@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_every_public_page_is_accessible(live_server, browser, demo_pages, locale, device):
    viewport = PHONE if device == "phone" else DESKTOP
    problems: dict[str, list[str]] = {}
    context = browser.new_context(viewport=viewport, locale=locale, bypass_csp=True)
    try:
        for page in demo_pages:
            status, violations, width, lang = check(
                context, live_server.url + page.path, f"public-{page.name}-{device}-{locale}")
            found = list(violations)
            if status != page.status:
                found.append(f"status {status}, expected {page.status}")
            if width > viewport["width"]:
                found.append(f"{width} px wide at {viewport['width']} px: sideways scroll")
            if lang != locale:
                found.append(f'<html lang="{lang}">')
            if found:
                problems[page.path] = found
    finally:
        context.close()
    assert problems == {}


def test_every_public_page_reads_without_javascript(live_server, new_page, demo_pages):
    page = new_page(viewport=PHONE, java_script_enabled=False)
    for example in demo_pages:
        response = page.goto(live_server.url + example.path)
        assert response is not None and response.status == example.status, example.path
        heading = page.locator("main h1")
        assert heading.count() == 1 and heading.inner_text().strip(), example.path
