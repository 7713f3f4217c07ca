"""The back office in a real browser: sign-in, a status change and a register upload."""

import pytest

from tests.browser_support import DESKTOP, PHONE, screenshot
from tests.factories import NOW, certificate_data
from tests.staff_support import PASSWORD

pytestmark = pytest.mark.browser

LABELS = {
    "zh-CN": {"sign_in": "登录", "home": "后台管理", "wrong": "邮箱或密码不正确",
              "change": "变更状态", "check": "检查文件", "line": "第 3 行",
              "apply": "确认导入这些改动", "done": "导入完成：新增 1 条"},
    "en": {"sign_in": "Sign in", "home": "Back office", "wrong": "e-mail or password is not",
           "change": "Change status", "check": "Check the file", "line": "line 3",
           "apply": "Apply these changes", "done": "Import done: 1 created"},
}


def add_user(live_server, role: str = "registrar") -> str:
    from tests.staff_support import make_user

    return live_server.run(lambda: make_user(role).email)


def sign_in(page, live_server, email: str, locale: str, password: str = PASSWORD) -> None:
    page.goto(f"{live_server.url}/staff/login")
    page.get_by_label("电子邮箱" if locale == "zh-CN" else "E-mail").fill(email)
    page.get_by_label("密码" if locale == "zh-CN" else "Password", exact=True).fill(password)
    page.get_by_role("button", name=LABELS[locale]["sign_in"], exact=True).click()


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_sign_in_on_a_phone_without_javascript(live_server, new_page, locale):
    email = add_user(live_server)
    page = new_page(viewport=PHONE, locale=locale, java_script_enabled=False)
    sign_in(page, live_server, email, locale, password="not the password")
    assert LABELS[locale]["wrong"] in page.locator("[role=alert]").inner_text()
    assert no_sideways_scroll(page)
    screenshot(page, f"staff-login-error-phone-{locale}")
    sign_in(page, live_server, email, locale)
    assert page.get_by_role("heading", level=1).inner_text() == LABELS[locale]["home"]
    assert no_sideways_scroll(page)
    screenshot(page, f"staff-home-phone-{locale}")
    page.get_by_role("button", name="退出登录" if locale == "zh-CN" else "Log out").click()
    assert page.url.endswith("/staff/login")


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_status_change_reaches_the_public_page(live_server, new_page, locale):
    from portal.extensions import db
    from portal.services import certificates as certificate_service

    def seed() -> tuple[str, str]:
        cert = certificate_service.create_certificate(certificate_data(), actor="t", now=NOW)
        db.session.commit()
        return cert.certificate_number, cert.number_key

    number, key = live_server.run(seed)
    email = add_user(live_server)
    page = new_page(viewport=PHONE if locale == "en" else DESKTOP, locale=locale)
    sign_in(page, live_server, email, locale)
    page.goto(f"{live_server.url}/staff/certificates/{key}")
    page.get_by_role("link", name=LABELS[locale]["change"]).click()
    page.select_option("#status", "suspended")
    page.select_option("#reason_class", "overdue_surveillance")
    page.fill("#note", "decision JD-2026-117")
    screenshot(page, f"staff-status-form-{locale}")
    page.get_by_role("button", name=LABELS[locale]["change"]).click()
    assert page.locator(".flash--success").count() == 1
    assert page.locator(".badge--suspended").count() >= 1
    page.goto(f"{live_server.url}/certificates/{number}")
    assert page.locator(".badge--suspended").count() >= 1
    assert ("未按期接受监督审核" if locale == "zh-CN" else
            "Surveillance audit not accepted on time") in page.locator("main").inner_text()
    assert "JD-2026-117" not in page.content()


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_upload_dry_run_shows_line_numbered_errors_and_writes_nothing(live_server, new_page,
                                                                      tmp_path, locale):
    from portal.domain.records import CERTIFICATE_COLUMNS
    from portal.extensions import db
    from portal.models import Certificate

    good = certificate_data()
    rows = [
        [good.certificate_number, "QMS", good.standard, good.holder_name_zh, "",
         good.credit_code, "", "", "", "", good.scope_zh, "", "", "", "2025-03-01",
         "2028-02-28", "valid", "", "", "CNAS", "", ""],
        ["02725Q88888R1M", "NOPE", good.standard, "上海某公司", "", "", "", "", "", "", "范围",
         "", "", "", "2025-03-01", "2024-01-01", "valid", "", "", "", "", ""],
    ]
    register = tmp_path / "register.csv"
    register.write_text("\n".join([",".join(CERTIFICATE_COLUMNS)] + [",".join(r) for r in rows])
                        + "\n", encoding="utf-8")
    email = add_user(live_server)
    page = new_page(viewport=PHONE, locale=locale, java_script_enabled=False)
    sign_in(page, live_server, email, locale)
    page.goto(f"{live_server.url}/staff/upload")
    page.set_input_files("#file", str(register))
    page.get_by_role("button", name=LABELS[locale]["check"]).click()
    errors = page.locator("#import-errors tbody tr")
    assert errors.count() == 2
    assert LABELS[locale]["line"] in errors.nth(0).inner_text()
    assert "scheme" in errors.nth(0).inner_text() and "expiry_date" in errors.nth(1).inner_text()
    assert page.locator("form[action='/staff/upload/apply']").count() == 0
    assert no_sideways_scroll(page)
    screenshot(page, f"staff-upload-errors-phone-{locale}")
    assert live_server.run(lambda: db.session.scalar(
        db.select(db.func.count()).select_from(Certificate))) == 0


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_upload_preview_then_apply_reaches_the_public_page(live_server, new_page, tmp_path,
                                                           locale):
    from portal.domain.records import CERTIFICATE_COLUMNS
    from portal.extensions import db
    from portal.models import Certificate

    good = certificate_data()
    values = {"certificate_number": good.certificate_number, "scheme": "QMS",
              "standard": good.standard, "holder_name_zh": good.holder_name_zh,
              "credit_code": good.credit_code, "scope_zh": good.scope_zh,
              "issue_date": "2025-03-01", "expiry_date": "2028-02-28", "status": "valid",
              "accreditation": "CNAS"}
    register = tmp_path / "register.csv"
    register.write_text(",".join(CERTIFICATE_COLUMNS) + "\n"
                        + ",".join(values.get(c, "") for c in CERTIFICATE_COLUMNS) + "\n",
                        encoding="utf-8")
    email = add_user(live_server)
    page = new_page(viewport=PHONE, locale=locale, java_script_enabled=False)
    sign_in(page, live_server, email, locale)
    page.goto(f"{live_server.url}/staff/upload")
    page.set_input_files("#file", str(register))
    page.get_by_role("button", name=LABELS[locale]["check"]).click()
    assert page.locator("#import-errors").count() == 0
    assert good.certificate_number in page.locator("#import-changes").inner_text()
    assert live_server.run(lambda: db.session.scalar(
        db.select(db.func.count()).select_from(Certificate))) == 0  # a preview writes nothing
    page.get_by_role("button", name=LABELS[locale]["apply"]).click()
    assert LABELS[locale]["done"] in page.locator(".flash--success").inner_text()
    screenshot(page, f"staff-upload-applied-phone-{locale}")
    page.goto(f"{live_server.url}/certificates/{good.certificate_number}")
    assert page.locator(".badge--valid").count() >= 1
    assert good.holder_name_zh in page.locator("main").inner_text()


STAFF_PAGES = ["/staff/", "/staff/certificates", "/staff/certificates/new", "{cert}",
               "{cert}/edit", "{cert}/status", "/staff/upload", "/staff/alerts",
               "/staff/users", "/staff/users/new", "{user}", "/staff/audit-log",
               "/staff/content", "/staff/password"]


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_every_back_office_page_fits_a_phone(live_server, new_page, locale):
    from portal import clock
    from portal.extensions import db
    from portal.services import alerts as alert_service
    from portal.services import certificates as certificate_service
    from portal.services import staff as staff_service

    def seed() -> tuple[str, int]:
        cert = certificate_service.create_certificate(
            certificate_data(sites=["上海市闵行区某路1号", "江苏省苏州市某路2号"]), actor="t",
            now=NOW)
        db.session.commit()
        alert_service.create_alert("counterfeit_number", "02722Q99999R9M",
                                   description_zh="伪造证书编号", published_on=clock.today(),
                                   actor="t", now=NOW)
        return cert.number_key, cert.id

    key, _ = live_server.run(seed)
    email = add_user(live_server, "admin")
    user_id = live_server.run(lambda: staff_service.get_by_email(email).id)
    page = new_page(viewport=PHONE, locale=locale)
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    sign_in(page, live_server, email, locale)
    for path in STAFF_PAGES:
        url = path.format(cert=f"/staff/certificates/{key}", user=f"/staff/users/{user_id}")
        response = page.goto(live_server.url + url)
        assert response.status == 200, url
        assert page.locator("h1").count() == 1, url
        assert no_sideways_scroll(page), url
        unlabelled = page.evaluate("""() => [...document.querySelectorAll(
            'main input:not([type=hidden]), main select, main textarea')].filter(
            el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).map(
            el => el.name)""")
        assert unlabelled == [], (url, unlabelled)
        name = url.strip("/").replace("/", "-").replace(key, "cert") or "home"
        screenshot(page, f"{name}-phone-{locale}")
    assert problems == []  # no CSP violations or script errors
