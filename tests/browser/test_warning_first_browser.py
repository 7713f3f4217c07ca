"""Issue #12.6 in Chromium at 390 px: an out-of-date paper copy's QR page warns first."""

import pytest

from tests.browser.test_certificate_page_browser import axe_violations
from tests.browser_support import PHONE, screenshot
from tests.factories import certificate_data

pytestmark = pytest.mark.browser


def seed(live_server) -> dict[str, str]:
    """A valid certificate re-issued since its first print, and a suspended one's receipt."""
    from datetime import date

    from portal.extensions import db
    from portal.services import certificates as certificate_service
    from portal.services import qr as qr_service
    from tests.factories import NOW

    def run() -> dict[str, str]:
        cert = certificate_service.create_certificate(certificate_data(
            holder_name_zh="上海华虹集成电路设计与先进封装测试技术研究院股份有限公司"),
            actor="t", now=NOW)
        db.session.flush()
        old = qr_service.code_path(cert, live_server.app.config)
        certificate_service.reissue_certificate(cert, effective=date(2026, 11, 21),
                                                reason="新版证书", actor="t", now=NOW)
        db.session.commit()
        return {"stale": old, "current": qr_service.code_path(cert, live_server.app.config)}

    return live_server.run(run)


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_stale_copy_qr_page_shows_the_warning_first_above_the_fold(live_server, new_page,
                                                                    browser, locale):
    paths = seed(live_server)
    page = new_page(viewport=PHONE, locale=locale, java_script_enabled=False)
    page.goto(live_server.url + paths["stale"])
    warning = page.locator(".qr-copy--stale h1")
    status = page.locator(".qr-status .badge--valid")
    box, status_box = warning.bounding_box(), status.bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"], box
    assert status_box is not None and box["y"] < status_box["y"], (box, status_box)
    # It is the first thing of the page's content a reader (or a screen reader) meets.
    first = page.locator("main h1").first.inner_text()
    heading = "此纸质证书已不是现行版本" if locale == "zh-CN" else "not the current one"
    assert heading in first
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, f"qr-landing-warning-first-{locale}")
    assert axe_violations(browser, live_server.url + paths["stale"], locale) == []
