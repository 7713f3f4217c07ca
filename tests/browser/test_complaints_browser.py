"""Complaints in Chromium: file, read the reference and code, track, receive the e-mail."""

from datetime import UTC, datetime

import pytest
from aiosmtpd.controller import Controller

from tests.browser_support import PHONE, screenshot
from tests.complaint_support import Collect, free_port

pytestmark = pytest.mark.browser


@pytest.fixture
def smtp(live_server):
    """An SMTP server on 127.0.0.1 that the live app sends its mail to."""
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    live_server.app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port)
    try:
        yield handler
    finally:
        controller.stop()


def fits_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_file_a_complaint_and_track_it_on_a_phone(live_server, new_page, smtp, locale):
    page = new_page(viewport=PHONE, locale=locale, java_script_enabled=False)
    page.goto(f"{live_server.url}/complaints/new")
    assert fits_phone(page)
    page.click("form.complaint-form button[type=submit]")  # empty: every problem is explained
    assert page.locator(".error-summary li").count() >= 5
    assert fits_phone(page)
    screenshot(page, f"complaint-form-errors-phone-{locale}")
    page.check("#kind-complaint")
    page.check("#about-certification_body")
    page.fill("#name", "李雷" if locale == "zh-CN" else "Li Lei")
    page.fill("#email", "lilei@example.com")
    page.fill("#subject", "审核报告延误" if locale == "zh-CN" else "Audit report delayed")
    page.fill("#description", "审核结束已经两个月，仍未收到审核报告。" if locale == "zh-CN"
              else "Two months after the audit we still have no audit report.")
    page.click("form.complaint-form button[type=submit]")

    reference = page.locator("#reference").inner_text().strip()
    code = page.locator("#tracking-code").inner_text().strip()
    assert reference.startswith("TS-") and len(code) == 14
    assert fits_phone(page)
    screenshot(page, f"complaint-filed-phone-{locale}")

    page.click("text=" + ("跟踪此案件" if locale == "zh-CN" else "Follow this case"))
    page.fill("#code", code)
    page.click("form.track-form button[type=submit]")
    steps = page.locator(".stages__step")
    assert steps.count() == 5
    current = page.locator(".stages__step--current .stages__name").inner_text()
    assert current.endswith("已收到" if locale == "zh-CN" else "Received")
    assert fits_phone(page)
    screenshot(page, f"complaint-tracked-phone-{locale}")

    [message] = smtp.messages
    assert message["To"] == "lilei@example.com"
    assert reference in message["Subject"]
    assert code in message.get_payload(decode=True).decode("utf-8")


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_wrong_code_reveals_nothing_in_the_browser(live_server, new_page, locale):
    page = new_page(viewport=PHONE, locale=locale, java_script_enabled=False)
    page.goto(f"{live_server.url}/complaints/track")
    page.fill("#reference", "TS-2026-000001")
    page.fill("#code", "AAAA-BBBB-CCCC")
    page.click("form.track-form button[type=submit]")
    assert page.locator("#not-found").is_visible()
    assert page.locator(".stages").count() == 0
    assert fits_phone(page)


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_report_a_suspected_fake_on_a_phone(live_server, new_page, locale):
    page = new_page(viewport=PHONE, locale=locale, java_script_enabled=False)
    page.goto(f"{live_server.url}/report-fake?certificate_number=02799Q99999R0M")
    assert page.locator("#certificate_number").input_value() == "02799Q99999R0M"
    assert fits_phone(page)
    page.fill("#description", "供应商提供的证书在登记册中查不到。")
    page.click("form.complaint-form button[type=submit]")
    assert page.locator("h1").inner_text() == ("感谢您的举报" if locale == "zh-CN"
                                               else "Thank you for your report")
    screenshot(page, f"report-fake-phone-{locale}")


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_staff_acknowledge_a_complaint_in_the_back_office(live_server, new_page, smtp, locale):
    from portal.domain.complaints import ComplaintAbout, ComplaintKind
    from portal.extensions import db
    from portal.models import Role, User
    from portal.services import complaints as complaint_service
    from portal.services import staff as staff_service

    now = datetime.now(UTC)

    def seed() -> str:
        db.session.add(User(email="li@sqi.example", role=Role.COMPLAINTS, created_at=now,
                            password_hash=staff_service.hash_password("correct horse 2026"),
                            password_changed_at=now))
        db.session.commit()
        data = complaint_service.NewComplaint(
            kind=ComplaintKind.APPEAL, about=ComplaintAbout.CERTIFICATION_BODY, name="Han Mei",
            email="han@example.com", subject="Suspension", description="We appeal the "
            "suspension of our certificate.")
        return complaint_service.file_complaint(data, now=now).complaint.reference

    reference = live_server.run(seed)
    page = new_page(viewport=PHONE, locale=locale, java_script_enabled=False)
    page.goto(f"{live_server.url}/staff/login")
    page.fill("#email", "li@sqi.example")
    page.fill("#password", "correct horse 2026")
    page.click("main form button[type=submit]")
    page.goto(f"{live_server.url}/staff/complaints")
    page.click(f"text={reference}")
    page.fill("#acknowledge-text", "We accept your appeal.")
    page.click("form[action$='/acknowledge'] button[type=submit]")
    assert page.locator(".flash--success").count() == 1
    assert page.locator(".stage-badge").inner_text() == ("已确认受理" if locale == "zh-CN"
                                                         else "Acknowledged")
    assert fits_phone(page)
    screenshot(page, f"staff-complaint-phone-{locale}")
    assert [m["To"] for m in smtp.messages] == ["han@example.com", "han@example.com"]

    page.goto(f"{live_server.url}/staff/fake-reports?status=all")
    assert page.locator("h1").inner_text() == ("疑似假冒举报" if locale == "zh-CN"
                                               else "Reports of suspected fakes")
    assert fits_phone(page)
