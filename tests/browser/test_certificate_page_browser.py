"""The certificate page in a real browser: status above the fold on a phone and a desktop."""

from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.browser_support import DESKTOP, PHONE, screenshot
from tests.factories import certificate_data

pytestmark = pytest.mark.browser

LONG_NAME = "上海华虹集成电路设计与先进封装测试技术研究院股份有限公司（浦东新区张江高科技园区分公司）"


def seed_certificates(live_server) -> dict[str, str]:
    """Add a valid certificate with long data, a suspended one and an expired one."""
    from portal import clock
    from portal.extensions import db
    from portal.services import certificates as certificate_service
    from tests.factories import NOW

    today = clock.today()

    def seed() -> dict[str, str]:
        made = {
            "valid": certificate_data(
                certificate_number="SQI/FW/2025/0003", holder_name_zh=LONG_NAME,
                holder_name_en="Shanghai Huahong Integrated Circuit Design and Advanced "
                               "Packaging Test Technology Research Institute Co., Ltd.",
                scope_zh="集成电路的设计、开发和销售；" * 8,
                sites=["江苏省苏州市工业园区星湖街328号创意产业园12幢"],
                former_names=["上海华虹电子测试有限公司"]),
            "suspended": certificate_data(status="suspended", status_date=today,
                                          status_reason="未按期接受监督审核"),
            "expired": certificate_data(issue_date=today - timedelta(days=1100),
                                        expiry_date=today - timedelta(days=3)),
        }
        numbers = {}
        for key, data in made.items():
            cert = certificate_service.create_certificate(data, actor="t", now=NOW)
            numbers[key] = cert.certificate_number
        db.session.commit()
        return numbers

    return live_server.run(seed)


def assert_status_above_the_fold(page, viewport: dict[str, int], status: str) -> None:
    badge = page.locator(f".cert-status .badge--{status}")
    assert badge.is_visible()
    box = badge.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= viewport["height"], box
    heading = page.locator("h1 .cert-number").bounding_box()
    assert heading is not None and heading["y"] + heading["height"] <= viewport["height"]


@pytest.mark.parametrize("viewport, device", [(PHONE, "phone"), (DESKTOP, "desktop")])
@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_certificate_page_status_above_the_fold(live_server, new_page, viewport, device, locale):
    numbers = seed_certificates(live_server)
    page = new_page(viewport=viewport, locale=locale)
    page.goto(f"{live_server.url}/certificates/SQI%2FFW%2F2025%2F0003")
    assert page.locator("html").get_attribute("lang") == ("zh-CN" if locale == "zh-CN" else "en")
    assert_status_above_the_fold(page, viewport, "valid")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert LONG_NAME in page.locator("main").inner_text()
    screenshot(page, f"certificate-valid-{device}-{locale}")

    page.goto(f"{live_server.url}/certificates/{numbers['suspended']}")
    assert_status_above_the_fold(page, viewport, "suspended")
    reason = page.locator(".cert-status__reason")
    # the reason comes from the staff pick-list, so an English page shows it in English
    assert ("未按期接受监督审核" if locale == "zh-CN" else
            "Surveillance audit not accepted on time") in reason.inner_text()
    box = reason.bounding_box()
    assert box is not None and box["y"] + box["height"] <= viewport["height"]
    screenshot(page, f"certificate-suspended-{device}-{locale}")

    page.goto(f"{live_server.url}/certificates/{numbers['expired']}")
    assert_status_above_the_fold(page, viewport, "expired")
    assert page.locator(".badge--valid").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_certificate_page_without_javascript_on_a_phone(live_server, new_page, locale):
    numbers = seed_certificates(live_server)
    page = new_page(viewport=PHONE, locale=locale, java_script_enabled=False)
    page.goto(f"{live_server.url}/certificates/{numbers['suspended'].lower()}")
    assert_status_above_the_fold(page, PHONE, "suspended")
    # Status is said in words, not only by colour.
    label = page.locator(".cert-status .badge").inner_text()
    assert ("暂停" if locale == "zh-CN" else "Suspended") in label or "Suspended" in label


def test_certificate_page_prints_status_and_address(live_server, new_page):
    seed_certificates(live_server)
    page = new_page(viewport=DESKTOP, locale="en")
    page.goto(f"{live_server.url}/certificates/SQI%2FFW%2F2025%2F0003")
    page.emulate_media(media="print")
    assert page.locator(".cert-printed").is_visible()
    assert page.locator(".cert-actions").is_hidden()
    assert page.locator(".site-header").is_hidden()
    assert page.locator(".cert-status .badge--valid").is_visible()
    page.pdf(path=str(screenshot(page, "certificate-print").with_suffix(".pdf")))


@pytest.mark.parametrize("viewport, device", [(PHONE, "phone"), (DESKTOP, "desktop")])
@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_not_found_page_explains_on_a_phone(live_server, new_page, viewport, device, locale):
    page = new_page(viewport=viewport, locale=locale)
    response = page.goto(f"{live_server.url}/certificates/02799Q99999R9M")
    assert response is not None and response.status == 404
    heading = page.locator("h1")
    assert heading.is_visible()
    assert page.locator("main a[href^='/report-fake?certificate_number=02799Q99999R9M']").count()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    screenshot(page, f"certificate-not-found-{device}-{locale}")

    response = page.goto(f"{live_server.url}/certificates/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert response is not None and response.status == 404
    assert page.locator("[data-reason=malformed]").is_visible()
    assert page.locator("main script").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def axe_violations(browser, url: str, locale: str) -> list[str]:
    """Run axe-core (WCAG 2.1 A/AA rules) on `url` at phone size; return the violations."""
    context = browser.new_context(viewport=PHONE, locale=locale, bypass_csp=True)
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


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_certificate_pages_pass_axe_wcag_aa(live_server, browser, locale):
    numbers = seed_certificates(live_server)

    def restricted() -> str:
        from portal.extensions import db
        from portal.services import certificates as certificate_service
        from tests.factories import NOW

        cert = certificate_service.create_certificate(certificate_data(restricted=True),
                                                      actor="t", now=NOW)
        db.session.commit()
        return cert.certificate_number

    paths = [f"/certificates/{quote(n, safe='')}" for n in numbers.values()]
    paths += [f"/certificates/{live_server.run(restricted)}", "/certificates/02799Q99999R9M",
              "/certificates/%E2%98%83", "/"]
    found = {path: axe_violations(browser, live_server.url + path, locale) for path in paths}
    assert {path: v for path, v in found.items() if v} == {}
