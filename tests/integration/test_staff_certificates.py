"""Registrars keep the register through the back office; the public sees it at once."""

from datetime import UTC, date, datetime

import pytest
from bs4 import BeautifulSoup

from portal import clock
from portal.domain.status import CertificateStatus, can_move
from portal.extensions import db
from portal.i18n import STATUS_LABELS
from portal.models import AuditLogEntry, Certificate, CertificateEvent, EventKind
from tests.staff_support import signed_in_client


def text_of(response) -> str:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser").get_text(" ", strip=True)


def reload(cert: Certificate) -> Certificate:
    db.session.expire_all()
    return db.session.get(Certificate, cert.id)


def suspend(client, cert, **extra):
    data = {"status": "suspended", "effective_date": clock.today().isoformat(),
            "reason_class": "overdue_surveillance", "reason_text": "",
            "note": "decision file JD-2026-117"}
    data.update(extra)
    return client.post(f"/staff/certificates/{cert.number_key}/status", data=data)


def test_status_change_shows_on_public_page_in_audit_log_and_search(app, make_certificate):
    cert = make_certificate(certificate_number="027-26-Q-10403-R0")
    registrar = signed_in_client(app, "registrar")
    response = suspend(registrar, cert)
    assert response.status_code == 302
    # The public page, straight away.
    public = app.test_client().get("/certificates/027-26-Q-10403-R0")
    page = BeautifulSoup(public.get_data(as_text=True), "html.parser")
    assert page.select_one(".badge--suspended") is not None
    assert "未按期接受监督审核" in page.select_one("main").text
    assert "JD-2026-117" not in public.get_data(as_text=True)  # the internal note stays inside
    # The audit log: who, what, before and after.
    entry = db.session.scalar(db.select(AuditLogEntry).filter_by(action="certificate.status"))
    assert entry.actor == "registrar@sqi.example.cn"
    assert entry.before["status"] == "valid" and entry.after["status"] == "suspended"
    admin = signed_in_client(app, "admin")
    log = text_of(admin.get("/staff/audit-log?action=certificate.status"))
    assert "registrar@sqi.example.cn" in log and "027-26-Q-10403-R0" in log
    # Search: the API and the search page read the register through the search index.
    found = app.test_client().get("/api/v1/certificates?q=027-26-Q-10403-R0").get_json()
    assert [r["status"] for r in found["results"]] == ["suspended"]
    results = BeautifulSoup(app.test_client().get(
        "/search", query_string={"q": cert.holder_name_zh}).get_data(as_text=True),
        "html.parser")
    assert results.select_one(".result__status .badge--suspended") is not None
    assert results.select_one(".result__status .badge--valid") is None
    filtered = app.test_client().get("/api/v1/certificates?status=suspended").get_json()
    assert [r["certificate_number"] for r in filtered["results"]] == ["027-26-Q-10403-R0"]


def test_withdrawn_certificate_cannot_be_restored(app, make_certificate):
    cert = make_certificate(status="withdrawn", status_date=date(2025, 6, 1),
                            status_reason="不符合认证要求")
    registrar = signed_in_client(app, "registrar")
    response = registrar.post(f"/staff/certificates/{cert.number_key}/status", data={
        "status": "valid", "effective_date": clock.today().isoformat(),
        "reason_class": "resolved"})
    assert response.status_code == 422
    with app.test_request_context("/?lang=zh"):
        withdrawn, valid = str(STATUS_LABELS["withdrawn"]), str(STATUS_LABELS["valid"])
    # 撤销的证书不能改为有效（撤销是最终状态）。 (the labels come from the core catalog)
    assert f"{withdrawn}的证书不能改为{valid}" in text_of(response)
    response = registrar.post(f"/staff/certificates/{cert.number_key}/status?lang=en", data={
        "status": "valid", "effective_date": clock.today().isoformat(),
        "reason_class": "resolved"})
    assert "A certificate with status “Withdrawn” cannot be changed to “Valid”: “Withdrawn” is " \
        "final." in text_of(response)
    assert reload(cert).status.value == "withdrawn"
    assert db.session.scalar(db.select(AuditLogEntry).filter_by(action="certificate.status")) \
        is None


def test_status_page_offers_only_allowed_changes(app, make_certificate):
    cert = make_certificate(status="suspended", status_date=date(2026, 1, 5))
    registrar = signed_in_client(app, "registrar")
    page = BeautifulSoup(registrar.get(f"/staff/certificates/{cert.number_key}/status")
                         .get_data(as_text=True), "html.parser")
    options = [o["value"] for o in page.select("select#status option")]
    assert options == ["valid", "withdrawn", "cancelled"]


def test_status_change_checks_date_and_reason(app, make_certificate):
    cert = make_certificate()
    registrar = signed_in_client(app, "registrar")
    url = f"/staff/certificates/{cert.number_key}/status?lang=en"
    future = date(clock.today().year + 1, 1, 1).isoformat()
    response = registrar.post(url, data={"status": "suspended", "effective_date": future,
                                         "reason_class": "holder_request"})
    assert response.status_code == 422
    assert "cannot be in the future" in text_of(response)
    response = registrar.post(url, data={"status": "suspended", "effective_date": "2026-02-30",
                                         "reason_class": "holder_request"})
    assert "Enter a date as YYYY-MM-DD." in text_of(response)
    response = registrar.post(url, data={"status": "suspended",
                                         "effective_date": clock.today().isoformat(),
                                         "reason_class": "other", "reason_text": ""})
    assert "Describe the reason when you choose “Other”." in text_of(response)
    assert reload(cert).status.value == "valid"


def test_other_reason_and_details_are_published(app, make_certificate):
    cert = make_certificate()
    registrar = signed_in_client(app, "registrar")
    suspend(registrar, cert, reason_class="holder_request", reason_text="停产整顿")
    assert reload(cert).status_reason == "获证组织申请：停产整顿"
    registrar.post(f"/staff/certificates/{cert.number_key}/status", data={
        "status": "cancelled", "effective_date": clock.today().isoformat(),
        "reason_class": "other", "reason_text": "企业注销"})
    cert = reload(cert)
    assert cert.status.value == "cancelled" and cert.status_reason == "企业注销"


def test_registrar_adds_a_certificate_with_the_import_checks(app):
    registrar = signed_in_client(app, "registrar")
    form = {"certificate_number": "SQI/FW/2025/0003", "scheme": "REAL_ESTATE_SERVICE",
            "standard": "GB/T 20647.9-2006", "holder_name_zh": "上海某物业管理有限公司",
            "credit_code": "91310000MA1FL0XX0X", "scope_zh": "物业管理服务",
            "issue_date": "2025-03-01", "expiry_date": "2025-02-01", "status": "valid",
            "accreditation": "CNAS"}
    response = registrar.post("/staff/certificates/new?lang=en", data=form)
    assert response.status_code == 200
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    errors = {e["id"].removesuffix("-error") for e in page.select(".field-error")}
    assert errors == {"credit_code", "expiry_date"}
    assert db.session.scalar(db.select(Certificate)) is None
    form.update(credit_code="", expiry_date="2028-02-28")
    response = registrar.post("/staff/certificates/new", data=form)
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/certificates/SQIFW20250003"
    assert app.test_client().get("/certificates/SQI%2FFW%2F2025%2F0003").status_code == 200
    # The same number (typed differently) cannot be added twice.
    form["certificate_number"] = "sqi-fw-2025-0003"
    response = registrar.post("/staff/certificates/new?lang=en", data=form)
    assert "already in the register" in text_of(response)


def edit_form(cert: Certificate, **changes) -> dict[str, str]:
    form = {"scheme": cert.scheme, "standard": cert.standard,
            "holder_name_zh": cert.holder_name_zh, "holder_name_en": cert.holder_name_en,
            "credit_code": cert.credit_code, "address_zh": cert.address_zh,
            "address_en": cert.address_en, "province": cert.province, "city": cert.city,
            "scope_zh": cert.scope_zh, "scope_en": cert.scope_en, "sites": "",
            "initial_issue_date": cert.initial_issue_date.isoformat(),
            "issue_date": cert.issue_date.isoformat(),
            "expiry_date": cert.expiry_date.isoformat(), "accreditation": cert.accreditation,
            "former_names": "", "scope_change": "", "reason": "", "note": ""}
    form.update(changes)
    return form


def test_renaming_keeps_the_former_name(app, make_certificate):
    cert = make_certificate(holder_name_zh="上海旧名称有限公司")
    registrar = signed_in_client(app, "registrar")
    response = registrar.post(f"/staff/certificates/{cert.number_key}/edit",
                              data=edit_form(cert, holder_name_zh="上海新名称有限公司",
                                             reason="更名"))
    assert response.status_code == 302
    cert = reload(cert)
    assert cert.holder_name_zh == "上海新名称有限公司"
    assert cert.former_names == ["上海旧名称有限公司"]
    assert any(e.kind is EventKind.RENAMED for e in cert.events)


@pytest.mark.parametrize("change, before, after, label", [
    ("scope_extended", "集成电路的设计", "集成电路的设计和销售", "Scope extended"),
    ("scope_reduced", "集成电路的设计和销售", "集成电路的设计", "Scope reduced"),
    ("", "集成电路的设计与销售", "集成电路的设计和销售", "Scope changed"),
])
def test_scope_changes_are_recorded_in_history(app, make_certificate, change, before, after,
                                                label):
    cert = make_certificate(scope_zh=before)
    registrar = signed_in_client(app, "registrar")
    response = registrar.post(f"/staff/certificates/{cert.number_key}/edit", data=edit_form(
        cert, scope_zh=after, scope_change=change, reason="认证范围变更",
        note="audit report 2026-88"))
    assert response.status_code == 302
    kind = EventKind(change or "scope_changed")
    event = db.session.scalar(db.select(CertificateEvent).filter_by(kind=kind))
    assert event is not None
    assert event.public_reason == "认证范围变更" and event.internal_note == "audit report 2026-88"
    assert reload(cert).scope_zh == after
    entry = db.session.scalar(db.select(AuditLogEntry).filter_by(action="certificate.update"))
    assert entry.before["scope_zh"] == before and entry.after["scope_zh"] == after
    # The public history says what happened, without the internal note.
    public = app.test_client().get(f"/certificates/{cert.certificate_number}?lang=en")
    history = BeautifulSoup(public.get_data(as_text=True), "html.parser").select_one(
        f".timeline__item--{kind.value}")
    assert history is not None and label in history.text and "认证范围变更" in history.text
    assert "audit report 2026-88" not in public.get_data(as_text=True)


def test_renamed_holder_is_found_and_shown_by_its_former_name(app, make_certificate):
    cert = make_certificate(holder_name_zh="上海旧名称电子有限公司")
    registrar = signed_in_client(app, "registrar")
    registrar.post(f"/staff/certificates/{cert.number_key}/edit",
                   data=edit_form(cert, holder_name_zh="上海新名称电子有限公司", reason="更名"))
    public = app.test_client()
    page = BeautifulSoup(public.get(f"/certificates/{cert.certificate_number}?lang=en")
                         .get_data(as_text=True), "html.parser")
    assert "上海旧名称电子有限公司" in page.select_one(".timeline__item--renamed").text
    assert "上海旧名称电子有限公司" in page.select_one("main").text  # "formerly"
    found = public.get("/api/v1/certificates", query_string={"q": "旧名称电子"}).get_json()
    assert [r["certificate_number"] for r in found["results"]] == [cert.certificate_number]
    # A second rename keeps both earlier names.
    registrar.post(f"/staff/certificates/{cert.number_key}/edit",
                   data=edit_form(reload(cert), holder_name_zh="上海第三名称有限公司",
                                  former_names="上海旧名称电子有限公司"))
    assert reload(cert).former_names == ["上海旧名称电子有限公司", "上海新名称电子有限公司"]


def test_history_dates_are_shanghai_dates(app, make_certificate):
    import time_machine

    cert = make_certificate(holder_name_zh="上海旧名称有限公司")
    # 01:30 on 25 November in Shanghai is still 24 November in UTC.
    with time_machine.travel(datetime(2026, 11, 24, 17, 30, tzinfo=UTC), tick=False):
        registrar = signed_in_client(app, "registrar")
        registrar.post(f"/staff/certificates/{cert.number_key}/edit",
                       data=edit_form(cert, holder_name_zh="上海新名称有限公司"))
    event = db.session.scalar(db.select(CertificateEvent).filter_by(kind=EventKind.RENAMED))
    assert event.effective_date == date(2026, 11, 25)


def test_saving_an_unchanged_form_writes_nothing(app, make_certificate):
    cert = make_certificate()
    registrar = signed_in_client(app, "registrar")
    before = db.session.scalar(db.select(db.func.count()).select_from(AuditLogEntry))
    registrar.post(f"/staff/certificates/{cert.number_key}/edit", data=edit_form(cert))
    after = db.session.scalar(db.select(db.func.count()).select_from(AuditLogEntry))
    assert after == before
    assert not db.session.scalar(db.select(AuditLogEntry).filter_by(
        action="certificate.update"))


def test_reissue_makes_old_prints_not_current(app, make_certificate):
    from portal.services import qr as qr_service

    cert = make_certificate()
    printed = qr_service.code_path(cert, app.config)  # the QR code on the first print
    public = app.test_client()
    assert BeautifulSoup(public.get(printed).get_data(as_text=True), "html.parser").select_one(
        "[data-copy=current]") is not None
    registrar = signed_in_client(app, "registrar")
    response = registrar.post(f"/staff/certificates/{cert.number_key}/reissue", data={
        "effective_date": clock.today().isoformat(), "reason": "证书换发", "note": "lost copy"})
    assert response.status_code == 302
    assert reload(cert).issue_number == 2
    old = BeautifulSoup(public.get(printed).get_data(as_text=True), "html.parser")
    assert old.select_one("[data-copy=current]") is None
    assert old.select_one(".qr-copy--stale") is not None
    new = qr_service.code_path(reload(cert), app.config)
    assert new != printed and BeautifulSoup(public.get(new).get_data(as_text=True),
                                            "html.parser").select_one("[data-copy=current]")
    entry = db.session.scalar(db.select(AuditLogEntry).filter_by(action="certificate.reissue"))
    assert entry.actor == "registrar@sqi.example.cn"
    assert (entry.before["issue_number"], entry.after["issue_number"]) == (1, 2)
    page = registrar.get(f"/staff/certificates/{cert.number_key}").get_data(as_text=True)
    assert "qr.png?size=print&amp;download=1" in page and "qr.svg?download=1" in page


def test_search_finds_by_number_name_former_name_and_credit_code(app, make_certificate):
    cert = make_certificate(holder_name_zh="上海星河电子有限公司", former_names=["上海银河电子厂"])
    make_certificate(holder_name_zh="北京其他公司")
    registrar = signed_in_client(app, "registrar")
    for query in (cert.certificate_number.lower(), "星河", "银河电子", cert.credit_code):
        page = BeautifulSoup(registrar.get("/staff/certificates", query_string={"q": query})
                             .get_data(as_text=True), "html.parser")
        rows = page.select("table.staff-table tbody tr")
        assert len(rows) == 1 and cert.certificate_number in rows[0].text, query
    page = registrar.get("/staff/certificates", query_string={"q": "100%_"})
    assert page.status_code == 200


def test_start_page_lists_long_suspensions_and_coming_expiries(app, make_certificate):
    from datetime import timedelta

    today = clock.today()
    old = make_certificate(status="suspended", status_date=today - timedelta(days=170))
    recent = make_certificate(status="suspended", status_date=today - timedelta(days=10))
    ending = make_certificate(expiry_date=today + timedelta(days=20))
    registrar = signed_in_client(app, "registrar")
    page = BeautifulSoup(registrar.get("/staff/?lang=en").get_data(as_text=True), "html.parser")
    suspensions = page.select_one("[aria-labelledby=suspensions-heading]").get_text(" ")
    assert old.certificate_number in suspensions
    assert recent.certificate_number not in suspensions
    limit = (old.status_date + timedelta(days=183)).isoformat()
    assert f"limit {limit}" in suspensions
    assert ending.certificate_number in page.select_one(
        "[aria-labelledby=expiring-heading]").get_text(" ")
    # Complaints staff are not shown the register's reminders.
    handler = signed_in_client(app, "complaints")
    assert "suspensions-heading" not in handler.get("/staff/").get_data(as_text=True)


@pytest.mark.parametrize("day", ["0001-01-01", "2019-02-28", "9999-12-31", "tomorrow"])
def test_reissue_refuses_dates_outside_the_certificates_life(app, make_certificate, day):
    cert = make_certificate(initial_issue_date=date(2019, 3, 1))
    registrar = signed_in_client(app, "registrar")
    response = registrar.post(f"/staff/certificates/{cert.number_key}/reissue?lang=en", data={
        "effective_date": day, "reason": "证书换发"}, follow_redirects=True)
    assert "was not re-issued" in text_of(response) and "2019-03-01" in text_of(response)
    assert reload(cert).issue_number == 1
    zh = registrar.post(f"/staff/certificates/{cert.number_key}/reissue?lang=zh", data={
        "effective_date": day, "reason": "证书换发"}, follow_redirects=True)
    assert "证书未换发" in text_of(zh)


REFUSED = [(current, target) for current in ("valid", "suspended", "withdrawn", "cancelled")
           for target in ("valid", "suspended", "withdrawn", "cancelled")
           if not can_move(CertificateStatus(current), CertificateStatus(target))]


@pytest.mark.parametrize("current, target", REFUSED)
def test_every_disallowed_transition_is_refused_with_a_reason(app, make_certificate, current,
                                                              target):
    extra = {} if current == "valid" else {"status_date": date(2025, 6, 1),
                                           "status_reason": "获证组织申请"}
    cert = make_certificate(status=current, **extra)
    registrar = signed_in_client(app, "registrar")
    response = registrar.post(f"/staff/certificates/{cert.number_key}/status?lang=en", data={
        "status": target, "effective_date": clock.today().isoformat(),
        "reason_class": "holder_request"})
    assert response.status_code == 422
    error = BeautifulSoup(response.get_data(as_text=True), "html.parser").select_one(
        "main [role=alert]")
    assert error is not None, "the refusal is announced at the top of the form"
    labels = {s: str(STATUS_LABELS[s]) for s in ("valid", "suspended", "withdrawn", "cancelled")}
    if current == target:
        assert f"already “{labels[current]}”" in error.text
    else:
        assert f"status “{labels[current]}” cannot be changed to “{labels[target]}”" in error.text
    assert reload(cert).status.value == current
    assert db.session.scalar(db.select(AuditLogEntry).filter_by(action="certificate.status")) \
        is None
