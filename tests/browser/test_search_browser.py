"""/search in a real browser: a phone without JavaScript, in Chinese and in English."""

import pytest

from tests.browser_support import DESKTOP, PHONE, screenshot
from tests.factories import NOW, certificate_data

pytestmark = pytest.mark.browser

LABELS = {"zh-CN": {"search": "搜索", "box": "企业名称、证书编号、统一社会信用代码或认证范围",
                    "found": "找到证书：2 张", "valid": "有效", "suspended": "暂停"},
          "en": {"search": "Search",
                 "box": "Company name, certificate number, credit code or scope",
                 "found": "Certificates found: 2", "valid": "Valid", "suspended": "Suspended"}}


def seed() -> None:
    from portal.domain.status import CertificateStatus
    from portal.extensions import db
    from portal.services import certificates as certificate_service

    for name, en, status in (("上海华虹电子有限公司", "Shanghai Huahong Electronics Co., Ltd.",
                              CertificateStatus.VALID),
                             ("无锡华虹物业管理有限公司",
                              "Wuxi Huahong Property Management Co., Ltd.",
                              CertificateStatus.SUSPENDED)):
        certificate_service.create_certificate(
            certificate_data(holder_name_zh=name, holder_name_en=en, status=status,
                             status_date=NOW.date(), status_reason="未按期接受监督审核"),
            actor="test", now=NOW)
    db.session.commit()


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_search_and_filter_on_a_phone_without_javascript(live_server, new_page, locale):
    text = LABELS[locale]
    live_server.run(seed)
    page = new_page(viewport=PHONE, locale=locale, java_script_enabled=False)
    page.goto(f"{live_server.url}/search")
    page.get_by_label(text["box"]).fill("華虹")
    page.get_by_role("button", name=text["search"], exact=True).click()

    assert page.locator("#results-heading").inner_text().strip() == text["found"]
    results = page.locator(".result")
    assert results.count() == 2
    assert page.locator(".result mark").first.inner_text() == "华虹"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, f"search-phone-{locale}")

    page.locator(".facets a", has_text=text["suspended"]).click()
    assert page.locator(".result").count() == 1
    assert text["suspended"] in page.locator(".result .badge").inner_text()
    page.locator(".result h3 a").click()
    assert "/certificates/" in page.url


def test_search_results_are_keyboard_reachable_on_a_desktop(live_server, new_page):
    live_server.run(seed)
    page = new_page(viewport=DESKTOP, locale="en")
    page.goto(f"{live_server.url}/search?q=huahong+electornics")
    assert page.locator(".result").count() == 1
    assert page.locator(".result h3 mark").all_inner_texts() == ["Huahong", "Electronics"]
    page.locator("#search-q").focus()
    for _ in range(8):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('.result') !== null"):
            break
    else:
        pytest.fail("no result link reachable with Tab")
    screenshot(page, "search-desktop-en")
