"""/verify-list in a real browser: upload without JavaScript, on a phone, zh and en."""

import pytest

from tests.browser_support import PHONE, screenshot
from tests.factories import certificate_data

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_supplier_list_upload_on_a_phone_without_javascript(live_server, new_page, tmp_path,
                                                           locale):
    from portal.extensions import db
    from portal.services import certificates as certificate_service
    from tests.factories import NOW

    def seed():
        cert = certificate_service.create_certificate(certificate_data(), actor="t", now=NOW)
        db.session.commit()
        return cert.certificate_number

    number = live_server.run(seed)
    listing = tmp_path / "suppliers.csv"
    listing.write_text(f"certificate_number\n{number}\nNOPE0001\n", encoding="utf-8")
    page = new_page(viewport=PHONE, locale=locale, java_script_enabled=False)
    page.goto(f"{live_server.url}/verify-list")
    page.set_input_files("#file", str(listing))
    page.get_by_role("button", name="查询" if locale == "zh-CN" else "Check", exact=True).click()
    rows = page.locator("tbody tr")
    assert rows.count() == 2
    assert number in rows.nth(0).inner_text()
    assert ("有效" if locale == "zh-CN" else "Valid") in rows.nth(0).inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, f"verify-list-phone-{locale}")
