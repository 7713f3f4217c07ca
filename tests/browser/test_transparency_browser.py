"""/transparency in a real browser: phone and desktop, zh and en, axe-clean, no sideways scroll."""

import pytest

from portal import clock
from portal.services.transparency_chart import FONT, WIDTH
from tests.browser.test_certificate_page_browser import axe_violations
from tests.browser_support import DESKTOP, PHONE, screenshot

pytestmark = pytest.mark.browser


def load_demo(live_server) -> None:
    result = live_server.app.test_cli_runner().invoke(args=["demo-data", "--if-empty"])
    assert result.exit_code == 0, result.output


def assert_no_sideways_scroll(page, viewport) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"page is {width}px wide at {viewport['width']}px"


def test_transparency_page_on_phone_and_desktop_in_both_languages(live_server, new_page,
                                                                  browser):
    load_demo(live_server)
    url = f"{live_server.url}/transparency?year=2022"
    for locale in ("zh-CN", "en"):
        for viewport, device in ((PHONE, "phone"), (DESKTOP, "desktop")):
            page = new_page(viewport=viewport, locale=locale)
            page.goto(url)
            assert page.locator("html").get_attribute("lang") == locale
            assert_no_sideways_scroll(page, viewport)
            qms = page.locator('tr[data-scheme="QMS"] td').first
            assert qms.inner_text() == "838"
            region = page.locator(".stats-scroll")
            assert region.get_attribute("role") == "region"
            assert region.get_attribute("tabindex") == "0"
            if device == "phone":
                # The wide table scrolls inside its labelled container, not the page.
                assert region.evaluate("el => el.scrollWidth > el.clientWidth")
            chart = page.locator("svg.chart")
            box = chart.bounding_box()
            assert box is not None and box["x"] >= 0
            assert box["x"] + box["width"] <= viewport["width"]
            # The chart's text scaled to the drawn width: at least 12 px, at most 18 px.
            assert 12 <= box["width"] / WIDTH * FONT <= 18
            assert page.locator("#last-reviewed").is_visible()
            screenshot(page, f"transparency-{device}-{locale}")
        found = {path: axe_violations(browser, live_server.url + path, locale)
                 for path in ("/transparency?year=2022", "/transparency?year=1800")}
        assert {path: v for path, v in found.items() if v} == {}


def seed_register(live_server) -> None:
    """Add a few certificates (not the demo set, so no demo banner) and a complaint in 2022."""
    from datetime import UTC, date, datetime

    from portal.domain.complaints import ComplaintAbout, ComplaintKind
    from portal.extensions import db
    from portal.services import certificates as certificate_service
    from portal.services import complaints as complaint_service
    from tests.factories import NOW, certificate_data

    def seed() -> None:
        for scheme in ("QMS", "QMS", "EMS", "GREEN_PRODUCT", "REAL_ESTATE_SERVICE"):
            certificate_service.create_certificate(
                certificate_data(scheme=scheme, initial_issue_date=date(2022, 3, 1),
                                 issue_date=date(2022, 3, 1), expiry_date=date(2025, 2, 28)),
                actor="t", now=NOW)
        db.session.commit()
        complaint_service.file_complaint(complaint_service.NewComplaint(
            kind=ComplaintKind.APPEAL, about=ComplaintAbout.CERTIFICATION_BODY, name="张三",
            email="zhang@example.com", subject="延误", description="审核报告迟迟没有发出。"),
            now=datetime(2022, 5, 1, 2, tzinfo=UTC))

    live_server.run(seed)


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_transparency_pages_pass_axe_wcag_aa(live_server, browser, locale):
    seed_register(live_server)

    found = {path: axe_violations(browser, live_server.url + path, locale)
             for path in ("/transparency?year=2022", "/transparency?year=2019",
                          "/transparency?year=abc")}

    assert {path: v for path, v in found.items() if v} == {}


def test_year_form_and_bad_year_work_without_javascript(live_server, new_page, browser):
    page = new_page(viewport=PHONE, locale="en", java_script_enabled=False)
    page.goto(f"{live_server.url}/transparency")
    assert page.locator("#stats-empty").is_visible()  # an empty register still shows zeros
    assert_no_sideways_scroll(page, PHONE)

    year = clock.today().year  # an empty register offers last year and this year
    page.select_option("#year", str(year))
    page.click("form.year-form button[type=submit]")

    assert page.url.endswith(f"/transparency?year={year}")
    assert page.locator("#stats-heading").inner_text() == f"Certification statistics for {year}"
    assert page.locator("#no-complaints").inner_text() == (
        f"No complaints or appeals were recorded in {year}.")

    response = page.goto(f"{live_server.url}/transparency?year=abc")
    assert response is not None and response.status == 400
    assert "is not a year" in page.locator("#bad-year-message").inner_text()
    assert_no_sideways_scroll(page, PHONE)
    screenshot(page, "transparency-bad-year-phone-en")
