"""Administrators manage accounts, read and export the audit log, and publish alerts."""

import csv
import io
import re

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from portal import clock
from portal.clock import CHINA
from portal.extensions import db
from portal.models import Alert, AuditLogEntry, Role, User
from portal.services import audit_log
from tests.factories import NOW
from tests.staff_support import PASSWORD, make_user, sign_in, signed_in_client


def text_of(response) -> str:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser").get_text(" ", strip=True)


def test_admin_creates_an_account_with_a_one_time_password(app):
    admin = signed_in_client(app, "admin")
    response = admin.post("/staff/users/new?lang=en", data={
        "email": "New.Registrar@sqi.example.cn", "name": "王芳", "role": "registrar"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    password = page.select_one(".one-time-password").text
    assert len(password) >= 12
    user = db.session.scalar(db.select(User).filter_by(email="new.registrar@sqi.example.cn"))
    assert user.role is Role.REGISTRAR and password not in user.password_hash
    # The newcomer must choose their own password before anything else.
    newcomer = app.test_client()
    assert sign_in(newcomer, "new.registrar@sqi.example.cn", password).status_code == 302
    assert newcomer.get("/staff/certificates").headers["Location"] == "/staff/password"
    response = newcomer.post("/staff/password", data={
        "current": password, "new": "my own long passphrase", "confirm": "my own long passphrase"})
    assert response.status_code == 302
    assert newcomer.get("/staff/certificates").status_code == 200


def test_duplicate_account_is_refused(app):
    admin = signed_in_client(app, "admin")
    make_user("registrar", "taken@sqi.example.cn")
    response = admin.post("/staff/users/new?lang=en", data={
        "email": "TAKEN@sqi.example.cn", "name": "", "role": "registrar"})
    assert "already exists" in text_of(response)


def test_role_change_and_deactivation_end_the_users_sessions(app):
    admin = signed_in_client(app, "admin")
    user = make_user("registrar", "clerk@sqi.example.cn")
    clerk = app.test_client()
    sign_in(clerk, user.email)
    assert clerk.get("/staff/certificates").status_code == 200
    admin.post(f"/staff/users/{user.id}/role", data={"role": "complaints"})
    assert clerk.get("/staff/certificates").status_code == 302  # signed out
    sign_in(clerk, user.email)
    assert clerk.get("/staff/certificates").status_code == 403  # the new role applies
    admin.post(f"/staff/users/{user.id}/deactivate")
    assert clerk.get("/staff/").status_code == 302
    assert sign_in(clerk, user.email).status_code == 200  # refused
    admin.post(f"/staff/users/{user.id}/activate")
    assert sign_in(clerk, user.email).status_code == 302
    actions = db.session.scalars(db.select(AuditLogEntry.action).filter_by(
        entity_id=user.email)).all()
    assert {"staff.role", "staff.deactivate", "staff.activate"} <= set(actions)


def test_the_last_admin_cannot_be_demoted_or_deactivated(app):
    admin_client = signed_in_client(app, "admin")
    admin = db.session.scalar(db.select(User).filter_by(role=Role.ADMIN))
    response = admin_client.post(f"/staff/users/{admin.id}/role?lang=en",
                                 data={"role": "registrar"}, follow_redirects=True)
    assert "last active administrator" in text_of(response)
    admin_client.post(f"/staff/users/{admin.id}/deactivate")
    db.session.expire_all()
    assert admin.role is Role.ADMIN and admin.active


def test_reset_password_replaces_the_old_one(app):
    admin = signed_in_client(app, "admin")
    user = make_user("registrar", "forgetful@sqi.example.cn")
    response = admin.post(f"/staff/users/{user.id}/reset-password")
    password = BeautifulSoup(response.get_data(as_text=True), "html.parser").select_one(
        ".one-time-password").text
    client = app.test_client()
    assert sign_in(client, user.email, PASSWORD).status_code == 200
    assert sign_in(client, user.email, password).status_code == 302
    assert client.get("/staff/").headers["Location"] == "/staff/password"


def test_audit_log_filters_and_exports_csv(app, make_certificate):
    make_certificate(certificate_number="02725Q55555R1M", actor="cli:registrar")
    now = clock.utcnow()
    audit_log.record(actor="=HYPERLINK(\"http://evil\")", action="alert.create",
                     entity_type="alert", entity_id="7", before=None, after={"value": "x"},
                     now=now)
    db.session.commit()
    admin = signed_in_client(app, "admin")
    def entries(query: str) -> str:
        page = BeautifulSoup(admin.get("/staff/audit-log?" + query).get_data(as_text=True),
                             "html.parser")
        return page.select_one("#audit-entries tbody").get_text(" ", strip=True)

    shown = entries("actor=cli:")
    assert "02725Q55555R1M" in shown and "certificate.create" in shown
    assert "staff.login" not in shown  # filtered out
    assert "02725Q55555R1M" in entries("entity=55555&action=certificate.create")
    assert entries("entity=55555&action=staff.login") == ""
    today = clock.today().isoformat()
    created_on = NOW.astimezone(CHINA).date().isoformat()  # the factories' time
    response = admin.get(f"/staff/audit-log.csv?date_from={created_on}&date_to={today}")
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert {r["action"] for r in rows} >= {"certificate.create", "alert.create", "staff.login"}
    created = next(r for r in rows if r["action"] == "certificate.create")
    assert '"certificate_number": "02725Q55555R1M"' in created["after"]
    evil = next(r for r in rows if r["action"] == "alert.create")
    assert evil["actor"].startswith("'=")  # no formula runs when opened in a spreadsheet
    response = admin.get("/staff/audit-log.csv?date_from=2001-01-01&date_to=2001-01-02")
    assert response.get_data(as_text=True).strip().lstrip("\ufeff") == \
        "at,actor,action,entity_type,entity_id,ip,before,after"


def test_audit_log_is_append_only(app):
    admin = signed_in_client(app, "admin")
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/staff/audit-log")]
    assert {m for r in rules for m in r.methods} <= {"GET", "HEAD", "OPTIONS"}
    entry = db.session.scalar(db.select(AuditLogEntry))
    entry.actor = "someone else"
    try:
        db.session.commit()
    except Exception as exc:  # noqa: BLE001 - the guard's own error type is what we check
        db.session.rollback()
        assert "append-only" in str(exc)
    else:
        raise AssertionError("an audit log entry was changed")
    db.session.delete(db.session.scalar(db.select(AuditLogEntry)))
    try:
        db.session.commit()
    except Exception as exc:  # noqa: BLE001
        db.session.rollback()
        assert "append-only" in str(exc)
    else:
        raise AssertionError("an audit log entry was deleted")
    # The database itself refuses, whatever the client.
    for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
        try:
            db.session.execute(text(statement))
        except DBAPIError as exc:
            db.session.rollback()
            assert "append-only" in str(exc)
        else:
            raise AssertionError(statement + " was allowed")
    assert admin.get("/staff/audit-log").status_code == 200


def test_registrar_publishes_and_withdraws_an_alert(app):
    registrar = signed_in_client(app, "registrar")
    response = registrar.post("/staff/alerts", data={
        "kind": "counterfeit_number", "value": "02722Q99999R9M",
        "description_zh": "该编号的证书系伪造，本中心从未颁发。",
        "description_en": "Never issued by us.", "published_on": clock.today().isoformat()})
    assert response.status_code == 302
    alert = db.session.scalar(db.select(Alert))
    assert alert.active and alert.created_by == "registrar@sqi.example.cn"

    def public_counterfeits() -> str:
        page = BeautifulSoup(app.test_client().get("/alerts").get_data(as_text=True),
                             "html.parser")
        return page.select_one("[data-kind=counterfeit_number]").get_text(" ", strip=True)

    assert "02722Q99999R9M" in public_counterfeits()
    assert "该编号的证书系伪造" in public_counterfeits()
    registrar.post(f"/staff/alerts/{alert.id}/deactivate")
    db.session.expire_all()
    assert not alert.active
    assert "02722Q99999R9M" not in public_counterfeits()
    actions = db.session.scalars(db.select(AuditLogEntry.action).filter_by(
        entity_type="alert")).all()
    assert actions == ["alert.create", "alert.deactivate"]


@pytest.mark.parametrize("day", ["0001-01-01", "1989-12-31", "9999-12-31", "2026-02-30"])
def test_alert_dates_must_be_plausible(app, day):
    registrar = signed_in_client(app, "registrar")
    response = registrar.post("/staff/alerts?lang=en", data={
        "kind": "lookalike_site", "value": "sqi-verify.example", "description_zh": "仿冒网站",
        "published_on": day})
    assert response.status_code == 200
    assert "Enter a date from 1990-01-01 to today" in text_of(response)
    assert db.session.scalar(db.select(Alert)) is None


def test_alert_form_requires_its_fields(app):
    registrar = signed_in_client(app, "registrar")
    response = registrar.post("/staff/alerts?lang=en", data={
        "kind": "lookalike_site", "value": "", "description_zh": "", "published_on": "soon"})
    assert response.status_code == 200
    assert len(re.findall(r'class="field-error"', response.get_data(as_text=True))) >= 2
    assert db.session.scalar(db.select(Alert)) is None


def write_page(folder, slug: str, lang: str, title: str, reviewed: str) -> None:
    folder.mkdir(exist_ok=True)
    (folder / f"{slug}.{lang}.md").write_text(
        f"---\ntitle: {title}\nlast_reviewed: {reviewed}\n---\n\n## 正文\n\n内容。\n",
        encoding="utf-8")


def test_public_pages_review_dates_are_listed(app, monkeypatch, tmp_path):
    from datetime import timedelta

    from portal.services import content

    monkeypatch.setattr(content, "ROOT", tmp_path)
    monkeypatch.setattr(content, "CONTENT_DIR", tmp_path / "content")
    today = clock.today()
    write_page(tmp_path / "content", "services", "zh", "如何获得认证", "2020-01-01")
    write_page(tmp_path / "content", "services", "en", "How to get certified",
               today.isoformat())
    write_page(tmp_path / "content", "about", "zh", "关于我们",
               (today + timedelta(days=3)).isoformat())
    (tmp_path / "content" / "about.en.md").write_text("no front matter", encoding="utf-8")
    admin = signed_in_client(app, "admin")
    response = admin.get("/staff/content?lang=en")
    assert response.status_code == 200
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    rows = {(tr["data-lang"], tr.select_one("td code").text): tr.get_text(" ", strip=True)
            for tr in page.select("#content-pages tbody tr")}
    # One row for each language version of every public page, whether its file exists or not.
    assert len(rows) == 2 * len(content.PAGES)
    old = rows[("zh", "content/services.zh.md")]
    assert "如何获得认证" in old and "2020-01-01" in old and "due for review" in old
    fresh = rows[("en", "content/services.en.md")]
    assert today.isoformat() in fresh and "due for review" not in fresh
    assert "in the future" in rows[("zh", "content/about.zh.md")]
    for broken in (("en", "content/about.en.md"), ("zh", "content/transparency.zh.md")):
        assert "missing or its front matter is malformed" in rows[broken], broken
    link = page.select_one("#content-pages tbody tr a")
    assert link["href"] == "/services?lang=zh"


def test_public_pages_list_reads_the_real_content_folder(app):
    from portal.services import content

    admin = signed_in_client(app, "admin")
    response = admin.get("/staff/content")
    assert response.status_code == 200
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    files = [code.text for code in page.select("#content-pages tbody td code")]
    assert files == [f"content/{slug}.{lang}.md" for slug in content.PAGES
                     for lang in content.LANGS]
    assert signed_in_client(app, "registrar").get("/staff/content").status_code == 403


def test_confirmed_review_shows_on_the_public_page_and_in_the_audit_log(app, monkeypatch,
                                                                         tmp_path):
    from portal.services import content

    monkeypatch.setattr(content, "ROOT", tmp_path)
    monkeypatch.setattr(content, "CONTENT_DIR", tmp_path / "content")
    write_page(tmp_path / "content", "services", "en", "How to get certified", "2020-01-01")
    (tmp_path / "content" / "about.en.md").write_text("no front matter", encoding="utf-8")
    today = clock.today()
    public = app.test_client()
    assert "January 1, 2020" in public.get("/services?lang=en").get_data(as_text=True)

    admin = signed_in_client(app, "admin")
    admin.get("/staff/content?lang=en")
    response = admin.post("/staff/content/services/en/reviewed", follow_redirects=True)
    assert "recorded for today" in response.get_data(as_text=True)
    row = BeautifulSoup(admin.get("/staff/content?lang=en").get_data(as_text=True),
                        "html.parser").select_one('tr[data-lang="en"]')
    assert today.isoformat() in row.text and "admin@sqi.example.cn" in row.text
    assert "due for review" not in row.text
    shown = BeautifulSoup(public.get("/services?lang=en").get_data(as_text=True), "html.parser")
    assert f"{today:%B} {today.day}, {today.year}" in shown.select_one(
        ".content-page__reviewed").text
    entry = db.session.scalar(db.select(AuditLogEntry).where(
        AuditLogEntry.action == "content.review"))
    assert (entry.entity_id, entry.before, entry.after["last_reviewed"]) == (
        "services.en", {"last_reviewed": "2020-01-01"}, today.isoformat())
    # A broken file cannot be confirmed; an unknown page does not exist; others may not.
    response = admin.post("/staff/content/about/en/reviewed", follow_redirects=True)
    assert "missing or malformed" in response.get_data(as_text=True)
    assert admin.post("/staff/content/no-such-page/en/reviewed").status_code == 404
    registrar = signed_in_client(app, "registrar")
    assert registrar.post("/staff/content/services/en/reviewed").status_code == 403
    assert db.session.scalar(db.select(db.func.count(AuditLogEntry.id)).where(
        AuditLogEntry.action == "content.review")) == 1
