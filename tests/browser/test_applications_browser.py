"""Applications and surveys in Chromium on a 390 px phone, zh and en: file an application
(after fixing an error), track it, answer a satisfaction survey; axe finds no violations."""

from datetime import timedelta
from pathlib import Path

import pytest

from portal import clock
from portal.extensions import db
from portal.models import Audit, AuditType
from portal.services import surveys as survey_service
from tests.browser_support import PHONE, screenshot
from tests.factories import certificate_data

pytestmark = pytest.mark.browser
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
ZH = "zh-CN"


def violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA)
    return [f"{v['id']}: {v['help']} ({v['nodes'][0]['html'][:120]})"
            for v in result["violations"]]


@pytest.fixture
def new_page(browser):
    """Pages on a phone; CSP bypassed only so that axe can be injected."""
    contexts = []

    def make(viewport, locale, java_script_enabled=True):
        context = browser.new_context(viewport=viewport, locale=locale, bypass_csp=True,
                                      java_script_enabled=java_script_enabled)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def fits_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def checked(page, name: str) -> None:
    assert fits_phone(page), name
    assert violations(page) == [], name
    screenshot(page, name)


@pytest.mark.parametrize("javascript", [True, False])
@pytest.mark.parametrize("locale", [ZH, "en"])
def test_file_an_application_and_track_it_on_a_phone(live_server, new_page, locale,
                                                     javascript):
    from tests.application_support import CREDIT_CODE

    page = new_page(viewport=PHONE, locale=locale, java_script_enabled=javascript)
    page.goto(f"{live_server.url}/services")
    page.click("a[href='/apply?scheme=EMS']")
    assert page.locator("#schemes-EMS").is_checked()
    if javascript:
        checked(page, f"apply-form-phone-{locale}")
    page.check("#request_kind-application")
    page.fill("#organisation_name_zh", "上海申江精密机械有限公司")
    page.fill("#credit_code", CREDIT_CODE[:17] + ("0" if CREDIT_CODE[17] != "0" else "1"))
    page.fill("#address", "上海市嘉定区安亭镇墨玉路100号")
    page.fill("#headcount", "120")
    page.fill("#shifts", "2")
    page.fill("#sites-0-address", "江苏省昆山市花桥镇绿地大道8号")
    page.fill("#sites-0-headcount", "35")
    page.fill("#sites-0-shifts", "1")
    page.fill("#scope", "精密机械零部件的机加工和装配")
    page.fill("#contact_name", "陈静")
    page.fill("#email", "chen.jing@example.com")
    page.fill("#phone", "021 5555 0188")
    page.click("form.application-form button[type=submit]")

    assert page.locator(".error-summary li").count() == 1  # only the check digit
    assert page.locator("#address").input_value() == "上海市嘉定区安亭镇墨玉路100号"
    assert page.locator("#sites-0-headcount").input_value() == "35"
    if javascript:
        checked(page, f"apply-form-error-phone-{locale}")
    page.fill("#credit_code", CREDIT_CODE)
    page.click("form.application-form button[type=submit]")

    reference = page.locator("#reference").inner_text().strip()
    code = page.locator("#tracking-code").inner_text().strip()
    assert reference.startswith("SQ-") and len(code) == 14
    if javascript:
        checked(page, f"apply-filed-phone-{locale}")

    page.click("text=" + ("查询此申请" if locale == ZH else "Follow this application"))
    page.fill("#code", code)
    page.click("form.track-form button[type=submit]")
    current = page.locator(".stages__step--current .stages__name").inner_text()
    assert current == ("已收到" if locale == ZH else "Received")
    if javascript:
        checked(page, f"apply-tracked-phone-{locale}")


@pytest.mark.parametrize("locale", [ZH, "en"])
def test_answer_a_satisfaction_survey_on_a_phone(live_server, new_page, locale):
    def invitation_path() -> str:
        from portal.services import certificates as certificate_service

        cert = certificate_service.create_certificate(certificate_data(), actor="t",
                                                      now=clock.utcnow())
        db.session.commit()
        audit = Audit(certificate_id=cert.id, audit_type=AuditType.SURVEILLANCE,
                      audit_date=clock.today() - timedelta(days=1), auditors=[])
        db.session.add(audit)
        db.session.commit()
        invitation = survey_service.issue_invitation(audit, actor="t", now=clock.utcnow())
        return "/survey/" + survey_service.token(invitation)

    path = live_server.run(invitation_path)
    page = new_page(viewport=PHONE, locale=locale)
    page.goto(live_server.url + path)
    checked(page, f"survey-form-phone-{locale}")
    page.click("form.survey-form button[type=submit]")  # nothing chosen: six messages
    assert page.locator(".field-error").count() == 6
    checked(page, f"survey-form-errors-phone-{locale}")
    for name, score in (("overall", 5), ("competence", 4), ("impartiality", 5),
                        ("communication", 4), ("punctuality", 2), ("findings", 4)):
        page.click(f"label[for='{name}-{score}']")
    page.fill("#comments", "审核组迟到了一小时。")
    page.click("form.survey-form button[type=submit]")
    assert page.locator("#survey-thanks").is_visible()
    checked(page, f"survey-thanks-phone-{locale}")

    page.goto(live_server.url + path)
    assert page.locator("#survey-answered").is_visible()
    checked(page, f"survey-answered-phone-{locale}")


@pytest.mark.parametrize("locale", [ZH, "en"])
def test_the_sales_back_office_pages_fit_a_phone(live_server, new_page, locale):
    from portal.models import Role
    from tests.staff_support import PASSWORD, make_user

    def seed() -> tuple[str, int, int]:
        from portal.services import applications as application_service
        from portal.services import certificates as certificate_service
        from tests.integration.test_application_survey_statistics import new

        filed = application_service.file_application(new(1), now=clock.utcnow(), send=False)
        cert = certificate_service.create_certificate(certificate_data(), actor="t",
                                                      now=clock.utcnow())
        db.session.commit()
        audit = Audit(certificate_id=cert.id, audit_type=AuditType.INITIAL,
                      audit_date=clock.today(), auditors=["wang@sqi.example"])
        db.session.add(audit)
        db.session.commit()
        invitation = survey_service.issue_invitation(audit, actor="t", now=clock.utcnow())
        make_user(Role.SALES, "seller@sqi.example")
        return filed.application.reference, audit.id, invitation.id

    reference, audit_id, invitation_id = live_server.run(seed)
    page = new_page(viewport=PHONE, locale=locale)
    page.goto(f"{live_server.url}/staff/login")
    page.fill("#email", "seller@sqi.example")
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit]")
    for path in ("/staff/", "/staff/applications", f"/staff/applications/{reference}",
                 "/staff/surveys", "/staff/surveys/audits", f"/staff/surveys/audits/{audit_id}",
                 f"/staff/surveys/invitations/{invitation_id}/sheet",
                 "/staff/surveys/follow-ups"):
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        assert page.locator("h1").count() == 1, path
        unlabelled = page.evaluate("""() => [...document.querySelectorAll(
            'main input:not([type=hidden]), main select, main textarea')].filter(
            el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).map(
            el => el.name)""")
        assert unlabelled == [], (path, unlabelled)
        assert violations(page) == [], path
        assert fits_phone(page), path
        screenshot(page, "sales" + path.replace("/", "-").replace(reference, "app") +
                   f"-phone-{locale}")
