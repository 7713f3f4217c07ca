"""`/verify` with a printed name in a real browser: the verdict above the fold on a phone (#12)."""

from urllib.parse import quote

import pytest

from tests.browser.test_certificate_page_browser import axe_violations
from tests.browser_support import PHONE, screenshot
from tests.factories import certificate_data

pytestmark = pytest.mark.browser

OTHER = "苏州别家贸易有限公司"
HEADINGS = {"no_match": {"zh-CN": "不符", "en": "does not match"},
            "match": {"zh-CN": "就是本证书的持有者", "en": "holds this certificate"}}


def seed(live_server) -> dict[str, str]:
    """Add a public certificate with a long name and a restricted one."""
    from portal.extensions import db
    from portal.services import certificates as certificate_service
    from tests.factories import NOW

    def run() -> dict[str, str]:
        public = certificate_service.create_certificate(certificate_data(
            certificate_number="02724Q10856R3M",
            holder_name_zh="上海华虹集成电路设计与先进封装测试技术研究院股份有限公司",
            holder_name_en="Shanghai Huahong Integrated Circuit Design and Advanced Packaging "
                           "Test Technology Research Institute Co., Ltd."), actor="t", now=NOW)
        secret = certificate_service.create_certificate(certificate_data(
            restricted=True, holder_name_zh="上海保密机电有限公司",
            holder_name_en="Shanghai Secret Mechatronics Co., Ltd."), actor="t", now=NOW)
        db.session.commit()
        return {"public": public.certificate_number, "secret": secret.certificate_number}

    return live_server.run(run)


def assert_verdict_above_the_fold(page, result: str, locale: str) -> None:
    verdict = page.locator(f"[data-name-match={result}] h1")
    assert verdict.is_visible()
    assert HEADINGS[result][locale] in verdict.inner_text()
    box = verdict.bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"], box
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_wrong_company_name_shows_does_not_match_above_the_fold(live_server, new_page, locale):
    numbers = seed(live_server)
    page = new_page(viewport=PHONE, locale=locale, java_script_enabled=False)
    # The way a reader gets there: the certificate page's "check the company on your paper".
    page.goto(f"{live_server.url}/certificates/{numbers['public']}")
    page.fill("#name-check-name", OTHER)
    page.locator(".name-check button[type=submit]").click()
    assert_verdict_above_the_fold(page, "no_match", locale)
    assert OTHER in page.locator(".verdict__printed").inner_text()
    screenshot(page, f"verify-no-match-phone-{locale}")


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_restricted_certificate_answers_without_the_name(live_server, new_page, locale):
    numbers = seed(live_server)
    page = new_page(viewport=PHONE, locale=locale)
    base = f"{live_server.url}/verify?number={numbers['secret']}&name="
    page.goto(base + quote("上海保密机电有限公司"))
    assert_verdict_above_the_fold(page, "match", locale)
    screenshot(page, f"verify-restricted-match-phone-{locale}")
    page.goto(base + quote(OTHER))
    assert_verdict_above_the_fold(page, "no_match", locale)
    text = page.content()
    assert "保密机电" not in text and "Secret Mechatronics" not in text
    screenshot(page, f"verify-restricted-no-match-phone-{locale}")


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_verify_pages_pass_axe_wcag_aa(live_server, browser, locale):
    numbers = seed(live_server)
    paths = [f"/verify?number={numbers['public']}&name={quote(OTHER)}",
             f"/verify?number={numbers['secret']}&name={quote(OTHER)}",
             "/verify?number=02724Q10865R3M"]
    found = {path: axe_violations(browser, live_server.url + path, locale) for path in paths}
    assert {path: v for path, v in found.items() if v} == {}
