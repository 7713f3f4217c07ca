"""The back office for applications: three reviews, impartiality, answers, e-mails, audit log."""

from datetime import UTC, date, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.models import Audit, AuditLogEntry, AuditType, Role
from portal.models.application import Application
from portal.services import applications as application_service
from portal.services import mail
from tests.application_support import CREDIT_CODE, apply_via_form
from tests.complaint_support import make_staff, sign_in


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


@pytest.fixture
def sales(app):
    return make_staff("sales@sqi.example", Role.SALES)


def post(client, reference: str, step: str, data: dict | None = None, *, lang: str = "en"):
    return client.post(f"/staff/applications/{reference}/{step}?lang={lang}", data=data or {})


def stored(reference: str) -> Application:
    db.session.expire_all()
    return db.session.scalar(select(Application).where(Application.reference == reference))


def review_all(client, reference: str) -> None:
    for kind in ("market", "technical", "project_management"):
        response = post(client, reference, "review", {"review-kind": kind,
                                                      "review-outcome": "positive",
                                                      "review-note": "符合要求"})
        assert response.status_code == 302, response.text


def test_the_whole_way_from_review_to_contract_with_an_e_mail_at_each_stage(app, client, sales):
    reference, code = apply_via_form(client)
    sign_in(client, sales)

    assert post(client, reference, "review-start", {"review_start-text": "开始评审"}).status_code \
        == 302
    refused = post(client, reference, "quote", {"quote-text": "报价：初审 3 人日，共 1.8 万元"})
    assert refused.status_code == 409
    assert "must all be recorded as positive" in soup(refused).select_one("#case-error").text
    review_all(client, reference)
    assert post(client, reference, "quote", {"quote-text": "报价：初审 3 人日"}).status_code == 302
    assert post(client, reference, "accept", {"accept-text": "已确认"}).status_code == 302
    assert post(client, reference, "contract", {"contract-text": "合同已签"}).status_code == 302
    assert post(client, reference, "close", {"close-text": "转审核策划"}).status_code == 302

    application = stored(reference)
    assert application.stage.value == "closed" and application.answered_at is not None
    reviews = {r.kind.value: r for r in application.reviews}
    assert set(reviews) == {"market", "technical", "project_management"}
    assert all(r.reviewed_by == "sales@sqi.example" and r.reviewed_at for r in reviews.values())
    subjects = [m["Subject"] for m in mail.read_outbox()]
    assert len(subjects) == 6  # acknowledgement + review, quote, accept, contract, close
    assert all(reference in s for s in subjects)

    page = soup(client.post("/apply/track?lang=en", data={"reference": reference,
                                                           "code": code}))
    steps = {li["data-stage"]: li for li in page.select(".stages__step")}
    assert list(steps) == ["received", "under_review", "quoted", "accepted", "contract",
                           "closed"]
    assert all(li.select_one("time") for li in steps.values())


def test_a_decline_needs_a_reason_which_is_mailed_and_tracked(app, client, sales):
    reference, code = apply_via_form(client)
    sign_in(client, sales)

    empty = post(client, reference, "decline", {"decline-reason_class": "out_of_scope",
                                               "decline-text": ""})
    assert empty.status_code == 400 and stored(reference).stage.value == "received"

    reason = "贵单位申请的食品生产许可范围超出本中心获批的认证业务范围。"
    assert post(client, reference, "decline", {"decline-reason_class": "out_of_scope",
                                               "decline-text": reason}).status_code == 302
    application = stored(reference)
    assert (application.stage.value, application.decline_reason.value) == ("declined",
                                                                           "out_of_scope")
    last = mail.read_outbox()[-1]
    assert reason in last.get_content() and "超出本中心批准的业务范围" in last.get_content()
    page = soup(client.post("/apply/track?lang=en", data={"reference": reference,
                                                           "code": code}))
    box = page.select_one("#decline-reason")
    assert reason in box.text and "Outside our approved scope" in box.text


def test_a_reviewer_who_audited_or_consulted_for_the_organisation_is_refused(
        app, client, sales, make_certificate):
    reference, _ = apply_via_form(client)
    cert = make_certificate(credit_code=CREDIT_CODE)
    db.session.add(Audit(certificate_id=cert.id, audit_type=AuditType.SURVEILLANCE,
                         audit_date=date(2025, 9, 1), auditors=["auditor@sqi.example"]))
    db.session.commit()
    auditor = make_staff("auditor@sqi.example", Role.SALES)
    consultant = make_staff("consultant@sqi.example", Role.SALES)
    sign_in(client, sales)

    refused = post(client, reference, "assign", {"assign-kind": "technical",
                                                 "assign-reviewer": auditor.email})
    assert refused.status_code == 409
    text = soup(refused).select_one("#case-error").text
    assert "may not review this application" in text and cert.certificate_number in text

    assert post(client, reference, "conflict", {"conflict-email": consultant.email,
                                                "conflict-relation": "consulted"}).status_code \
        == 302
    refused = post(client, reference, "assign", {"assign-kind": "market",
                                                 "assign-reviewer": consultant.email})
    assert refused.status_code == 409
    assert "Gave consultancy to the organisation" in soup(refused).select_one("#case-error").text
    assert all(not r.reviewer_email for r in stored(reference).reviews)

    ok = post(client, reference, "assign", {"assign-kind": "market",
                                            "assign-reviewer": sales.email})
    assert ok.status_code == 302
    assert stored(reference).review("market").reviewer_email == sales.email


def test_a_reviewer_cannot_record_a_review_assigned_to_someone_else(app, client, sales):
    reference, _ = apply_via_form(client)
    other = make_staff("other@sqi.example", Role.SALES)
    sign_in(client, sales)
    post(client, reference, "review-start")
    post(client, reference, "assign", {"assign-kind": "technical", "assign-reviewer": other.email})
    refused = post(client, reference, "review", {"review-kind": "technical",
                                                 "review-outcome": "positive"})
    assert refused.status_code == 409 and "assigned to other@sqi.example" in refused.text


def test_late_applications_are_listed_as_overdue(app, client, sales):
    reference, _ = apply_via_form(client)
    application = stored(reference)
    application.received_at = clock.utcnow() - timedelta(days=20)
    db.session.commit()
    sign_in(client, sales)

    page = soup(client.get("/staff/applications?overdue=y&lang=en"))
    row = page.select_one(f"tr[data-reference='{reference}']")
    assert row is not None and "Overdue" in row.text
    result = app.test_cli_runner().invoke(args=["overdue-applications"])
    assert result.exit_code == 1 and reference in result.output


def test_the_answer_target_counts_working_days_and_holidays(app):
    app.config["COMPLAINT_HOLIDAYS"] = "2026-10-01,2026-10-02"
    application = Application(received_at=datetime(2026, 9, 30, 2, tzinfo=UTC))
    # 10 working days after Wed 30 Sep, skipping the two holidays and weekends: Fri 16 Oct
    assert application_service.answer_due(application) == date(2026, 10, 16)


def test_every_back_office_write_is_in_the_audit_log(app, client, sales):
    reference, _ = apply_via_form(client)
    sign_in(client, sales)
    steps = [
        ("review-start", {}, "application.review_start"),
        ("assign", {"assign-kind": "market", "assign-reviewer": sales.email},
         "application.assign"),
        ("review", {"review-kind": "market", "review-outcome": "positive"},
         "application.review"),
        ("review", {"review-kind": "technical", "review-outcome": "positive"},
         "application.review"),
        ("review", {"review-kind": "project_management", "review-outcome": "positive"},
         "application.review"),
        ("note", {"note-text": "客户电话确认了场所"}, "application.note"),
        ("conflict", {"conflict-email": "x@sqi.example", "conflict-relation": "employed"},
         "application.conflict"),
        ("quote", {"quote-text": "报价"}, "application.quote"),
        ("accept", {}, "application.accept"),
        ("contract", {}, "application.contract"),
        ("close", {}, "application.close"),
    ]
    for step, data, action in steps:
        before = db.session.scalar(select(db.func.count()).select_from(AuditLogEntry))
        assert post(client, reference, step, data).status_code == 302, step
        entries = list(db.session.scalars(select(AuditLogEntry).order_by(AuditLogEntry.id)))
        assert len(entries) == before + 1 and entries[-1].action == action, step
        assert entries[-1].actor == sales.email and entries[-1].entity_id == reference
    decline_ref, _ = apply_via_form(client)
    post(client, decline_ref, "decline", {"decline-reason_class": "other", "decline-text": "x"})
    assert db.session.scalar(select(AuditLogEntry).order_by(AuditLogEntry.id.desc())).action == \
        "application.decline"
    # notes are referenced, never copied into the append-only log
    note_entry = db.session.scalar(select(AuditLogEntry).where(
        AuditLogEntry.action == "application.note"))
    assert "客户电话" not in str(note_entry.after)


def test_create_user_makes_a_sales_account(app):
    result = app.test_cli_runner().invoke(
        args=["create-user", "seller@sqi.example", "--role", "sales", "--password-stdin"],
        input="correct horse battery staple\n")
    assert result.exit_code == 0, result.output
    assert "created sales account seller@sqi.example" in result.output


def test_other_roles_cannot_open_the_queue(app):
    from tests.staff_support import signed_in_client

    assert signed_in_client(app, "complaints").get("/staff/applications").status_code == 403
    assert signed_in_client(app, "admin").get("/staff/applications").status_code == 200


def test_personal_data_goes_after_the_retention_period(app, client, sales):
    reference, code = apply_via_form(client)
    sign_in(client, sales)
    post(client, reference, "decline", {"decline-reason_class": "incomplete",
                                        "decline-text": "资料不全"})
    post(client, reference, "close")
    application = stored(reference)
    application.closed_at = clock.utcnow() - timedelta(days=1200)
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["purge-applications"])
    assert result.exit_code == 0 and "1 closed applications" in result.output
    application = stored(reference)
    assert (application.email, application.contact_name, application.answer) == ("", "", "")
    assert application.decline_reason.value == "incomplete"  # statistics keep the class
    assert application_service.track(reference, code) is None
