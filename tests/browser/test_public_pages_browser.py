"""The information pages and /alerts in a real browser: accessible, no sideways scroll."""

from datetime import date

import pytest

from tests.browser.test_certificate_page_browser import AXE, WCAG_AA, axe_violations
from tests.browser_support import DESKTOP, PHONE, screenshot

pytestmark = pytest.mark.browser

PATHS = ["/services", "/certification-rules", "/complaints", "/about", "/alerts"]


def seed_alerts(live_server) -> None:
    """Publish one alert of each kind, with long values that must wrap on a phone."""
    from portal.models import AlertKind
    from portal.services import alerts as alert_service
    from tests.factories import NOW

    def seed() -> None:
        for kind, value, zh, en in [
            (AlertKind.COUNTERFEIT_NUMBER, "02723Q18846R1M", "编号为02723Q18846R1M的证书系伪造。",
             "Certificate 02723Q18846R1M is counterfeit."),
            (AlertKind.LOOKALIKE_SITE,
             "http://sqi-certificate-verification-official-query-portal.example/verify/index",
             "该网站仿冒本中心的证书查询页面。", ""),
            (AlertKind.UNRETURNED_CERTIFICATE, "SQI/FW/2025/0009", "证书已撤销，原件未交回。",
             "Withdrawn; the original has not been returned."),
        ]:
            alert_service.create_alert(kind, value, description_zh=zh, description_en=en,
                                       published_on=date(2026, 11, 2), actor="t", now=NOW)

    live_server.run(seed)


def axe_at(browser, url: str, locale: str, viewport: dict[str, int]) -> list[str]:
    """Run axe-core on `url` at `viewport`; return the violations."""
    if viewport == PHONE:
        return axe_violations(browser, url, locale)
    context = browser.new_context(viewport=viewport, locale=locale, bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(url)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA)
        return [f"{v['id']}: {v['help']} ({len(v['nodes'])}× e.g. {v['nodes'][0]['html'][:120]})"
                for v in result["violations"]]
    finally:
        context.close()


@pytest.mark.parametrize("viewport, device", [(PHONE, "phone"), (DESKTOP, "desktop")])
@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_public_pages_are_accessible_and_fit_the_screen(live_server, browser, new_page,
                                                        viewport, device, locale):
    seed_alerts(live_server)
    page = new_page(viewport=viewport, locale=locale)
    found = {}
    for path in PATHS:
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, path
        assert page.locator("html").get_attribute("lang") == locale
        assert page.locator("h1").count() == 1
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], (path, width)
        name = path.strip("/")
        screenshot(page, f"public-{name}-{device}-{locale}")
        found[path] = axe_at(browser, live_server.url + path, locale, viewport)
    assert found == {path: [] for path in PATHS}


def test_table_of_contents_jumps_to_its_section(live_server, new_page):
    page = new_page(viewport=PHONE, locale="en")
    page.goto(live_server.url + "/certification-rules")
    link = page.locator("nav.toc a", has_text="What each status means")
    link.click()
    heading = page.locator("h2", has_text="What each status means")
    box = heading.bounding_box()
    assert box is not None and 0 <= box["y"] < PHONE["height"] / 2
