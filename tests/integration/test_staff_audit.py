"""Every write through the back office or a command lands in the audit log: who, when, what,
before and after.

`WRITES` names the audit action each back-office POST route records; a new POST route fails
`test_every_post_route_is_classified` until it is listed here or in `NO_WRITE`.
"""

import io
from datetime import timedelta

from bs4 import BeautifulSoup

from portal import clock
from portal.extensions import db
from portal.models import Alert, AuditLogEntry, User
from portal.services import staff as staff_service
from tests.staff_support import PASSWORD, make_user, sign_in, signed_in_client

# POST endpoint -> the audit action it records (complaint routes: see the complaints tests;
# application and survey routes: tests/integration/test_application_workflow.py).
WRITES = {
    "staff.certificate_new": "certificate.create",
    "staff.certificate_edit": "certificate.update",
    "staff.certificate_status": "certificate.status",
    "staff.certificate_reissue": "certificate.reissue",
    "staff.upload_apply": "certificate.create",
    "staff.user_new": "staff.create",
    "staff.user_role": "staff.role",
    "staff.user_deactivate": "staff.deactivate",
    "staff.user_activate": "staff.activate",
    "staff.user_reset_password": "staff.password_reset",
    "staff.user_unlock": "staff.unlock",
    "staff.alerts": "alert.create",
    "staff.alert_toggle": "alert.deactivate",
    "staff.content_reviewed": "content.review",
    "staff.password": "staff.password_change",
    "staff.login": "staff.login",
}
# POST routes that change nothing in the database.
NO_WRITE = {
    "staff.logout": "ends the account's sessions; no register or account data changes",
    "staff.upload": "a dry run: the file waits in the upload folder",
    "staff.upload_cancel": "deletes the waiting file",
}

ADMIN = "admin@sqi.example.cn"


def entries() -> list[AuditLogEntry]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(AuditLogEntry).order_by(AuditLogEntry.id)))


def test_every_post_route_is_classified(app):
    posts = {r.endpoint for r in app.url_map.iter_rules()
             if r.endpoint.startswith("staff.") and "POST" in (r.methods or ())
             and not r.endpoint.startswith(("staff.complaint", "staff.fake_report",
                                            "staff.application", "staff.survey"))}
    assert posts == set(WRITES) | set(NO_WRITE)
    assert not set(WRITES) & set(NO_WRITE)


def test_every_back_office_write_is_audited(app, make_certificate):
    cert = make_certificate(scope_zh="集成电路的设计")
    client = signed_in_client(app, "admin")
    today = clock.today().isoformat()
    key = cert.number_key
    edit = {"scheme": "QMS", "standard": cert.standard, "holder_name_zh": "上海改名后有限公司",
            "scope_zh": cert.scope_zh, "credit_code": cert.credit_code,
            "initial_issue_date": cert.initial_issue_date.isoformat(),
            "issue_date": cert.issue_date.isoformat(),
            "expiry_date": cert.expiry_date.isoformat(), "accreditation": "CNAS"}
    other = make_user("registrar", "clerk@sqi.example.cn")
    seen: dict[str, AuditLogEntry] = {}

    def do(endpoint: str, url: str, data: dict | None = None, **kwargs) -> AuditLogEntry:
        before = len(entries())
        response = client.post(url, data=data or {}, **kwargs)
        assert response.status_code in (200, 302), (endpoint, response.status_code)
        new = entries()[before:]
        assert [e.action for e in new] == [WRITES[endpoint]], endpoint
        entry = new[0]
        assert entry.actor == ADMIN and entry.at is not None and entry.entity_id, endpoint
        seen[endpoint] = entry
        return entry

    entry = do("staff.certificate_new", "/staff/certificates/new", {
        "certificate_number": "02725Q66666R1M", "scheme": "QMS", "standard": "GB/T 19001",
        "holder_name_zh": "上海新增有限公司", "scope_zh": "销售", "issue_date": "2025-03-01",
        "expiry_date": "2028-02-28", "status": "valid"})
    assert entry.before is None and entry.after["certificate_number"] == "02725Q66666R1M"
    entry = do("staff.certificate_edit", f"/staff/certificates/{key}/edit", edit)
    assert entry.before["holder_name_zh"] != entry.after["holder_name_zh"] == "上海改名后有限公司"
    entry = do("staff.certificate_status", f"/staff/certificates/{key}/status", {
        "status": "suspended", "effective_date": today, "reason_class": "holder_request",
        "note": "internal JD-1"})
    assert (entry.before["status"], entry.after["status"]) == ("valid", "suspended")
    assert entry.after["internal_note"] == "internal JD-1"
    do("staff.certificate_reissue", f"/staff/certificates/{key}/reissue",
       {"effective_date": today, "reason": "换发"})
    header = "certificate_number,scheme,standard,holder_name_zh,scope_zh,issue_date," \
             "expiry_date,status\n"
    body = (header + "02725Q66667R1M,QMS,GB/T 19001,上海上传有限公司,销售,2025-03-01,"
            "2028-02-28,valid\n").encode()
    preview = client.post("/staff/upload", data={"file": (io.BytesIO(body), "r.csv")},
                          content_type="multipart/form-data")
    form = BeautifulSoup(preview.get_data(as_text=True), "html.parser").select_one(
        "form[action='/staff/upload/apply']")
    entry = do("staff.upload_apply", "/staff/upload/apply",
               {i["name"]: i.get("value", "") for i in form.select("input")})
    assert entry.entity_id == "02725Q66667R1M"
    entry = do("staff.user_new", "/staff/users/new",
               {"email": "new@sqi.example.cn", "name": "新同事", "role": "complaints"})
    assert entry.after["role"] == "complaints"
    assert "password" not in repr(entry.after).lower()
    entry = do("staff.user_role", f"/staff/users/{other.id}/role", {"role": "complaints"})
    assert (entry.before["role"], entry.after["role"]) == ("registrar", "complaints")
    entry = do("staff.user_deactivate", f"/staff/users/{other.id}/deactivate")
    assert (entry.before["active"], entry.after["active"]) == (True, False)
    do("staff.user_activate", f"/staff/users/{other.id}/activate")
    do("staff.user_reset_password", f"/staff/users/{other.id}/reset-password")
    do("staff.user_unlock", f"/staff/users/{other.id}/unlock")
    entry = do("staff.alerts", "/staff/alerts", {
        "kind": "lookalike_site", "value": "sqi-verify.example", "description_zh": "仿冒网站",
        "published_on": today})
    alert = db.session.scalar(db.select(Alert))
    entry = do("staff.alert_toggle", f"/staff/alerts/{alert.id}/deactivate")
    assert (entry.before["active"], entry.after["active"]) == (True, False)
    entry = do("staff.content_reviewed", "/staff/content/services/en/reviewed")
    assert entry.entity_id == "services.en" and entry.after["last_reviewed"] == today
    new = "a completely new passphrase"
    do("staff.password", "/staff/password", {"current": PASSWORD, "new": new, "confirm": new})
    client.post("/staff/logout")
    do("staff.login", "/staff/login", {"email": ADMIN, "password": new})
    assert set(seen) == set(WRITES)
    # Nothing in the log holds a password or a hash.
    hashes = [u.password_hash for u in db.session.scalars(db.select(User))]
    dump = repr([(e.before, e.after) for e in entries()])
    assert PASSWORD not in dump and new not in dump and not any(h in dump for h in hashes)


def test_refused_changes_write_nothing_to_the_log(app, make_certificate):
    cert = make_certificate(status="withdrawn", status_reason="不符合认证要求")
    client = signed_in_client(app, "registrar")
    before = len(entries())
    client.post(f"/staff/certificates/{cert.number_key}/status", data={
        "status": "valid", "effective_date": clock.today().isoformat(),
        "reason_class": "resolved"})
    client.post("/staff/certificates/new", data={"certificate_number": "", "scheme": "QMS"})
    client.post("/staff/alerts", data={"kind": "lookalike_site", "value": ""})
    assert len(entries()) == before


def test_lock_outs_are_audited_for_real_accounts(app):
    user = make_user("registrar")
    client = app.test_client()
    for _ in range(staff_service.ACCOUNT_FAILURES_BEFORE_LOCK):
        sign_in(client, user.email, "not the password!!")
    entry = entries()[-1]
    assert (entry.action, entry.actor, entry.entity_id) == ("staff.locked", "system", user.email)
    locked_until = entry.after["locked_until"]
    assert locked_until > (clock.utcnow() + timedelta(minutes=14)).isoformat()
    assert entry.ip == "127.0.0.1"


def test_command_line_writes_are_audited_with_the_operator(app, tmp_path, make_certificate):
    runner = app.test_cli_runner()
    register = tmp_path / "register.csv"
    register.write_text(
        "certificate_number,scheme,standard,holder_name_zh,scope_zh,issue_date,expiry_date,"
        "status\n02725Q55551R1M,QMS,GB/T 19001,上海命令行有限公司,销售,2025-03-01,2028-02-28,"
        "valid\n", encoding="utf-8")
    assert runner.invoke(args=["import-certificates", str(register)]).exit_code == 0
    audits = tmp_path / "audits.csv"
    audits.write_text("certificate_number,audit_type,audit_date\n"
                      "02725Q55551R1M,surveillance,2026-03-01\n", encoding="utf-8")
    assert runner.invoke(args=["import-audits", str(audits)]).exit_code == 0
    passphrase = "a passphrase for the CLI"
    assert runner.invoke(args=["create-user", "ops@sqi.example.cn", "--role", "registrar",
                               "--password-stdin"], input=passphrase + "\n").exit_code == 0
    assert runner.invoke(args=["set-password", "ops@sqi.example.cn", "--password-stdin"],
                         input=passphrase + " 2\n").exit_code == 0
    logged = [(e.action, e.entity_id) for e in entries() if e.actor.startswith("cli:")]
    assert logged == [("certificate.create", "02725Q55551R1M"),
                      ("audit.create", "02725Q55551R1M"),
                      ("staff.create", "ops@sqi.example.cn"),
                      ("staff.password_set", "ops@sqi.example.cn")]
    assert passphrase not in repr([(e.before, e.after) for e in entries()])


def test_audit_log_pages_keep_the_filter(app):
    """The shared pager links to the next page with the same filter, and back."""
    now = clock.utcnow()
    db.session.add_all([AuditLogEntry(actor="pager@sqi.example", action="certificate.update",
                                      entity_type="certificate", entity_id=str(n), before=None,
                                      after={"n": n}, at=now, ip="")
                        for n in range(60)])
    db.session.commit()
    client = signed_in_client(app, "admin")

    first = BeautifulSoup(client.get("/staff/audit-log?actor=pager@sqi.example&lang=en").text,
                          "html.parser")
    pager = first.select_one("nav.pager")
    assert "Page 1 of 2" in pager.text
    assert pager.select_one("a[rel=prev]") is None
    second_url = pager.select_one("a[rel=next]")["href"]
    assert "page=2" in second_url and "actor=pager" in second_url

    second = BeautifulSoup(client.get(second_url).text, "html.parser")
    assert "Page 2 of 2" in second.select_one("nav.pager").text
    assert "page=1" in second.select_one("nav.pager a[rel=prev]")["href"]
    assert len(second.select("#audit-entries tbody tr")) == 10
