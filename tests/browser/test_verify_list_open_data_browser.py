"""/verify-list in a browser: upload, download the result shown, watch all rows (#15)."""

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from tests.browser.test_certificate_page_browser import AXE, WCAG_AA
from tests.browser_support import PHONE, screenshot
from tests.factories import certificate_data

pytestmark = pytest.mark.browser

TEXT = {
    "zh-CN": {"check": "查询", "csv": "下载 CSV", "xlsx": "下载 XLSX", "watch": "关注全部行",
              "email": "您的电子邮箱", "valid": "有效", "stop": "停止关注此名单"},
    "en": {"check": "Check", "csv": "Download CSV", "xlsx": "Download XLSX",
           "watch": "Watch all rows", "email": "Your e-mail address", "valid": "Valid",
           "stop": "Stop watching this list"},
}


def seed(live_server) -> list[str]:
    from portal.extensions import db
    from portal.services import certificates as certificate_service
    from tests.factories import NOW

    def make() -> list[str]:
        certs = [certificate_service.create_certificate(certificate_data(), actor="t", now=NOW)
                 for _ in range(2)]
        db.session.commit()
        return [c.certificate_number for c in certs]

    return live_server.run(make)


def upload(page, live_server, listing, words) -> None:
    page.goto(f"{live_server.url}/verify-list")
    page.set_input_files("#file", str(listing))
    page.get_by_role("button", name=words["check"], exact=True).click()


def axe(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                           WCAG_AA)
    return [f"{v['id']}: {v['help']} ({v['nodes'][0]['html'][:120]})" for v in result["violations"]]


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_upload_download_and_watch_all_rows_on_a_phone(live_server, new_page, browser, tmp_path,
                                                       locale):
    from portal.services import mail

    words = TEXT[locale]
    numbers = seed(live_server)
    listing = tmp_path / "suppliers.csv"
    listing.write_text("certificate_number\n" + "\n".join(numbers) + "\nNOPE0001\n",
                       encoding="utf-8")
    page = new_page(viewport=PHONE, locale=locale, java_script_enabled=False)
    upload(page, live_server, listing, words)
    shown = [row.inner_text() for row in page.locator("tbody tr").all()]
    assert len(shown) == 3 and numbers[0] in shown[0]

    with page.expect_download() as download:
        page.get_by_role("link", name=words["csv"]).click()
    assert download.value.suggested_filename.endswith(".csv")
    with open(download.value.path(), encoding="utf-8-sig") as f:
        table = list(csv.reader(f))
    assert [row[5] for row in table[1:]] == [*numbers, ""]
    assert [row[8] for row in table[1:3]] == [words["valid"]] * 2
    with page.expect_download() as download:
        page.get_by_role("link", name=words["xlsx"]).click()
    assert download.value.suggested_filename.endswith(".xlsx")
    with open(download.value.path(), "rb") as f:
        sheet = load_workbook(io.BytesIO(f.read())).active
    assert [row[5] for row in sheet.iter_rows(min_row=2, values_only=True)] == [*numbers, None]

    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, f"verify-list-result-downloads-{locale}")
    page.get_by_label(words["email"]).fill("buyer@example.com")
    page.get_by_role("button", name=words["watch"]).click()
    assert page.locator("h1").count() == 1

    [confirmation] = live_server.run(mail.read_outbox)
    confirm = re.search(r"/lists/[\w-]+/confirm", confirmation.get_content()).group(0)
    page.goto(live_server.url + confirm)
    assert page.locator("input[name=certificate_id]").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, f"list-watch-manage-{locale}")
    page.get_by_role("button", name=words["stop"]).click()
    assert page.locator("input[name=certificate_id]").count() == 0

    # The result page and the manage page pass axe (WCAG 2.1 AA), with JavaScript for axe.
    context = browser.new_context(viewport=PHONE, locale=locale, bypass_csp=True)
    try:
        checked = context.new_page()
        upload(checked, live_server, listing, words)
        assert axe(checked) == []
        checked.get_by_label(words["email"]).fill("other@example.com")
        checked.get_by_role("button", name=words["watch"]).click()
        assert axe(checked) == []
        second = live_server.run(mail.read_outbox)[-1]
        manage = re.search(r"/lists/[\w-]+(?=\s)", second.get_content()).group(0)
        checked.goto(live_server.url + manage)
        assert checked.locator("input[name=certificate_id]").count() == 2
        assert axe(checked) == []
    finally:
        context.close()


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_webhook_registration_page_on_a_phone(live_server, browser, locale):
    context = browser.new_context(viewport=PHONE, locale=locale, bypass_csp=True)
    try:
        page = context.new_page()
        assert page.goto(f"{live_server.url}/webhooks/new").status == 200
        assert axe(page) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.fill("#organisation", "采购部")
        page.fill("#email", "it@buyer.example")
        page.fill("#url", "https://127.0.0.1/hook")  # loopback: refused with a reason
        page.locator("form.stack-form button[type=submit]").click()
        assert page.locator("[role=alert]").count() == 1
        assert "127.0.0.1" in page.locator("[role=alert]").inner_text()
        assert axe(page) == []
        screenshot(page, f"webhook-new-refused-{locale}")
        for path in ("/webhooks/AAAAAAAAAAAAAAAAAAAAAAAA", "/lists/AAAAAAAAAAAAAAAAAAAAAAAA",
                     "/verify-list/results/AAAAAAAAAAAAAAAAAAAAAAAA.csv"):
            assert page.goto(live_server.url + path).status == 404
            assert axe(page) == []
    finally:
        context.close()
