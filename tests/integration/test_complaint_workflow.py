"""The back-office workflow of a complaint, end to end through the test client."""

import io
import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.models import Audit, AuditLogEntry, AuditType, Role
from portal.models.complaint import Complaint
from portal.services import complaints as complaint_service
from tests.complaint_support import VALID_FORM, file_via_form, make_staff, outbox, sign_in


@pytest.fixture
def officer(app):
    return make_staff("li.officer@sqi.example")


@pytest.fixture
def staff_client(client, officer):
    sign_in(client, officer)
    return client


def page_of(response):
    return BeautifulSoup(response.text, "html.parser")


def post(client, reference, step, **data):
    return client.post(f"/staff/complaints/{reference}/{step}?lang=en", data=data,
                       follow_redirects=True)


def tracker(client, reference, code):
    return page_of(client.post("/complaints/track?lang=en",
                               data={"reference": reference, "code": code}))


def test_staff_workflow_end_to_end(staff_client, officer, make_certificate):
    cert = make_certificate()
    reference, code = file_via_form(staff_client, certificate_number=cert.certificate_number)
    handler = make_staff("zhao.handler@sqi.example")

    listing = page_of(staff_client.get("/staff/complaints?lang=en"))
    assert reference in listing.select_one(".complaints-table").text

    response = post(staff_client, reference, "acknowledge",
                    **{"acknowledge-text": "We accept your complaint."})
    assert "The case is acknowledged" in response.text
    response = post(staff_client, reference, "assign", **{"assign-handler": handler.email})
    assert "The handler is assigned." in response.text
    post(staff_client, reference, "investigate", **{"investigate-text": ""})
    post(staff_client, reference, "action", **{"action-text": "Called the organisation.",
                                                "action-tell_complainant": "y"})
    post(staff_client, reference, "note", **{"note-text": "Secret: the auditor was junior."})
    response = post(staff_client, reference, "decide",
                    **{"decide-outcome": "The complaint is upheld; a special audit follows.",
                       "decide-note": "Evidence in file 12."})
    assert "The decision is recorded" in response.text
    response = post(staff_client, reference, "close", **{"close-text": "Thank you."})
    assert "The case is closed" in response.text

    complaint = complaint_service.get_by_reference(reference)
    assert complaint.stage.value == "closed"
    assert complaint.handler_email == handler.email
    assert complaint.decided_by == officer.email

    page = tracker(staff_client, reference, code)
    done = [s.select_one(".stages__name").text for s in page.select(".stages__step--done")]
    assert done == ["Received", "Acknowledged", "Under investigation", "Decided", "Closed"]
    assert all(s.select_one("time") for s in page.select(".stages__step--done"))
    assert "a special audit follows" in page.select_one(".outcome").text
    assert "Called the organisation." in page.text
    assert "Secret" not in page.text and "Evidence in file 12" not in page.text
    assert handler.email not in page.text and officer.email not in page.text

    actions = db.session.scalars(select(AuditLogEntry.action).where(
        AuditLogEntry.entity_id == reference)).all()
    assert actions == ["complaint.acknowledge", "complaint.assign", "complaint.investigate",
                       "complaint.action", "complaint.note", "complaint.decide",
                       "complaint.close"]
    assert set(db.session.scalars(select(AuditLogEntry.actor).where(
        AuditLogEntry.entity_id == reference))) == {officer.email}


def test_each_stage_change_emails_the_complainant(staff_client, officer):
    reference, _ = file_via_form(staff_client)
    assert len(outbox()) == 1  # the acknowledgement of receipt

    steps = [("acknowledge", {"acknowledge-text": ""}, "Acknowledged"),
             ("assign", {"assign-handler": officer.email}, None),
             ("investigate", {"investigate-text": "We asked the organisation."},
              "Under investigation"),
             ("decide", {"decide-outcome": "Not upheld."}, "Decided"),
             ("close", {"close-text": ""}, "Closed")]
    sent = 1
    for step, data, stage in steps:
        post(staff_client, reference, step, **data)
        if stage is None:
            assert len(outbox()) == sent  # assigning a handler is internal
            continue
        sent += 1
        messages = outbox()
        assert len(messages) == sent, step
        last = messages[-1]
        assert last["To"] == VALID_FORM["email"]
        assert last["Subject"] == f"{reference}：{ZH_STAGES[stage]}"  # filed in Chinese
        assert f"新阶段：{ZH_STAGES[stage]}" in last.get_content()
    decided = outbox()[-2].get_content()
    assert "Not upheld." in decided


ZH_STAGES = {"Acknowledged": "已确认受理", "Under investigation": "调查中",
             "Decided": "已作出决定", "Closed": "已结案"}


def test_a_message_told_to_the_complainant_is_emailed_and_an_internal_one_is_not(staff_client):
    reference, _ = file_via_form(staff_client)
    post(staff_client, reference, "action", **{"action-text": "We visited the site."})
    post(staff_client, reference, "note", **{"note-text": "Internal only."})
    assert len(outbox()) == 1

    post(staff_client, reference, "action", **{"action-text": "We asked for records.",
                                                "action-tell_complainant": "y"})

    assert len(outbox()) == 2
    assert "We asked for records." in outbox()[-1].get_content()


def test_stage_emails_are_in_the_complainants_language(staff_client):
    staff_client.post("/complaints/new?lang=en", data=VALID_FORM)
    reference = db.session.scalar(select(Complaint.reference))
    staff_client.get("/staff/complaints?lang=zh")
    post(staff_client, reference, "acknowledge", **{"acknowledge-text": ""})

    assert "has moved to a new stage: Acknowledged" in outbox()[-1].get_content()


def test_conflicted_handler_is_refused(staff_client, make_certificate):
    cert = make_certificate(credit_code="")
    db.session.add(Audit(certificate=cert, audit_type=AuditType.SURVEILLANCE,
                         audit_date=date(2026, 3, 2), auditors=["Sun.Auditor@sqi.example"]))
    db.session.commit()
    auditor = make_staff("sun.auditor@sqi.example")
    reference, _ = file_via_form(staff_client, certificate_number=cert.certificate_number)
    post(staff_client, reference, "acknowledge", **{"acknowledge-text": ""})
    detail = page_of(staff_client.get(f"/staff/complaints/{reference}?lang=en"))
    options = {o["value"]: o.text for o in detail.select("#assign-handler option")}
    assert options[auditor.email].endswith("conflict of interest")  # flagged before trying
    assert "conflict" not in options["li.officer@sqi.example"]

    response = staff_client.post(f"/staff/complaints/{reference}/assign?lang=en",
                                 data={"assign-handler": auditor.email})

    assert response.status_code == 409
    error = page_of(response).select_one("#case-error").text
    assert "may not handle this case" in error
    assert "took part in the audit of certificate" in error
    assert complaint_service.get_by_reference(reference).handler_email == ""


def test_case_page_reads_conflicts_in_the_same_queries_however_many_staff(
        staff_client, make_certificate):
    """Impartiality is read once per page, not three queries for every staff member."""
    from sqlalchemy import event

    cert = make_certificate()
    db.session.add(Audit(certificate=cert, audit_type=AuditType.SURVEILLANCE,
                         audit_date=date(2026, 3, 2), auditors=["staff0@sqi.example"]))
    db.session.commit()
    reference, _ = file_via_form(staff_client, certificate_number=cert.certificate_number)

    def queries_for_case_page() -> tuple[int, str]:
        seen: list[str] = []

        def count(conn, cursor, statement, *args):
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            page = staff_client.get(f"/staff/complaints/{reference}?lang=en")
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(seen), page.text

    make_staff("staff0@sqi.example")
    few, _page = queries_for_case_page()
    for n in range(1, 13):
        make_staff(f"staff{n}@sqi.example")
    many, page = queries_for_case_page()

    assert many == few
    options = {o["value"]: o.text for o in page_of_text(page).select("#assign-handler option")}
    assert options["staff0@sqi.example"].endswith("conflict of interest")
    assert "conflict" not in options["staff7@sqi.example"]


def page_of_text(text):
    return BeautifulSoup(text, "html.parser")


def test_decision_maker_of_the_certificate_may_not_handle_it(staff_client, make_certificate):
    cert = make_certificate(actor="qian.decider@sqi.example")  # issued the certificate
    sister = make_certificate(credit_code=cert.credit_code, actor="test")
    decider = make_staff("qian.decider@sqi.example")
    reference, _ = file_via_form(staff_client, certificate_number=sister.certificate_number)

    response = staff_client.post(f"/staff/complaints/{reference}/assign?lang=en",
                                 data={"assign-handler": decider.email})

    assert response.status_code == 409
    assert "took part in a certification decision" in page_of(response).select_one(
        "#case-error").text


@pytest.mark.parametrize("kind", ["complaint", "appeal"])
def test_conflicted_decider_is_refused(client, make_certificate, kind):
    """Whoever made the certification decision (an appeal contests it) may not decide."""
    cert = make_certificate(actor="zhou@sqi.example")
    zhou = make_staff("zhou@sqi.example")
    other = make_staff("wu@sqi.example")
    sign_in(client, other)
    reference, _ = file_via_form(client, certificate_number=cert.certificate_number, kind=kind)
    post(client, reference, "acknowledge", **{"acknowledge-text": ""})
    post(client, reference, "assign", **{"assign-handler": other.email})
    post(client, reference, "investigate", **{"investigate-text": ""})
    sign_in(client, zhou)

    response = client.post(f"/staff/complaints/{reference}/decide?lang=en",
                           data={"decide-outcome": "Dismissed."})

    assert response.status_code == 409
    assert "may not decide this case" in response.text
    assert complaint_service.get_by_reference(reference).stage.value == "under_investigation"
    assert len(outbox()) == 3  # received, acknowledged, under investigation: no decision mail
    sign_in(client, other)
    post(client, reference, "decide", **{"decide-outcome": "Dismissed."})
    assert complaint_service.get_by_reference(reference).decided_by == other.email


def test_appeal_is_decided_by_someone_other_than_the_original_decider(client):
    first = make_staff("feng@sqi.example")
    second = make_staff("chen@sqi.example")
    sign_in(client, first)
    original, _ = file_via_form(client)
    for step, data in [("acknowledge", {"acknowledge-text": ""}),
                       ("assign", {"assign-handler": first.email}),
                       ("investigate", {"investigate-text": ""}),
                       ("decide", {"decide-outcome": "Not upheld."})]:
        post(client, original, step, **data)
    appeal, _ = file_via_form(client, kind="appeal")
    post(client, appeal, "link", **{"link-reference": original})
    post(client, appeal, "acknowledge", **{"acknowledge-text": ""})
    post(client, appeal, "assign", **{"assign-handler": second.email})
    post(client, appeal, "investigate", **{"investigate-text": ""})

    refused = client.post(f"/staff/complaints/{appeal}/decide?lang=en",
                          data={"decide-outcome": "Appeal rejected."})
    assert refused.status_code == 409
    assert "the appeal must be decided by someone else" in refused.text

    sign_in(client, second)
    post(client, appeal, "decide", **{"decide-outcome": "Appeal upheld."})
    assert complaint_service.get_by_reference(appeal).decided_by == second.email


def test_steps_out_of_order_are_refused(staff_client):
    reference, _ = file_via_form(staff_client)

    response = staff_client.post(f"/staff/complaints/{reference}/close?lang=en",
                                 data={"close-text": ""})
    assert response.status_code == 409
    response = staff_client.post(f"/staff/complaints/{reference}/investigate?lang=en",
                                 data={"investigate-text": ""})
    assert response.status_code == 409
    assert complaint_service.get_by_reference(reference).stage.value == "received"


def test_investigation_needs_a_handler(staff_client):
    reference, _ = file_via_form(staff_client)
    post(staff_client, reference, "acknowledge", **{"acknowledge-text": ""})

    response = staff_client.post(f"/staff/complaints/{reference}/investigate?lang=en",
                                 data={"investigate-text": ""})

    assert response.status_code == 409
    assert "Assign a handler before the investigation starts." in response.text


def test_not_accepted_case_is_closed_with_a_reason(staff_client):
    reference, code = file_via_form(staff_client)

    post(staff_client, reference, "reject",
         **{"reject-text": "This concerns a product warranty, not certification."})

    page = tracker(staff_client, reference, code)
    assert page.select_one(".stages__step--current .stages__name").text == "Closed"
    assert "product warranty" in page.select_one(".outcome").text
    assert "product warranty" in outbox()[-1].get_content()


def test_overdue_cases_are_highlighted(staff_client, app):
    reference, _ = file_via_form(staff_client)
    complaint = complaint_service.get_by_reference(reference)
    complaint.received_at = datetime.now(UTC) - timedelta(days=10)
    db.session.commit()
    file_via_form(staff_client)  # a fresh one, not overdue

    page = page_of(staff_client.get("/staff/complaints?lang=en"))
    overdue_rows = page.select("tr.row--overdue")
    assert len(overdue_rows) == 1 and reference in overdue_rows[0].text
    assert "Overdue" in overdue_rows[0].text
    only = page_of(staff_client.get("/staff/complaints?lang=en&overdue=y"))
    assert len(only.select(".complaints-table tbody tr")) == 1
    detail = page_of(staff_client.get(f"/staff/complaints/{reference}?lang=en"))
    assert "should have been acknowledged" in detail.select_one(".overdue").text


def test_cases_past_the_decision_target_are_highlighted(staff_client, app, officer):
    app.config["COMPLAINT_TARGET_DAYS"] = 20
    late, _ = file_via_form(staff_client)
    on_time, _ = file_via_form(staff_client)
    for reference in (late, on_time):
        post(staff_client, reference, "acknowledge", **{"acknowledge-text": ""})
    complaint = complaint_service.get_by_reference(late)
    complaint.received_at = datetime.now(UTC) - timedelta(days=21)
    db.session.commit()

    page = page_of(staff_client.get("/staff/complaints?lang=en"))
    overdue_rows = page.select("tr.row--overdue")
    assert [r.select_one("a").text for r in overdue_rows] == [late]
    assert "decide by" in overdue_rows[0].text and "Overdue" in overdue_rows[0].text
    detail = page_of(staff_client.get(f"/staff/complaints/{late}?lang=en"))
    assert "the decision was due by" in detail.select_one(".overdue").text
    assert page_of(staff_client.get(f"/staff/complaints/{on_time}?lang=en")).select_one(
        ".overdue") is None
    app.config["COMPLAINT_TARGET_DAYS"] = 30  # a longer target: no longer late
    assert page_of(staff_client.get("/staff/complaints?lang=en")).select(
        "tr.row--overdue") == []


def test_decided_cases_are_not_overdue(staff_client, officer):
    reference, _ = file_via_form(staff_client)
    for step, data in [("acknowledge", {"acknowledge-text": ""}),
                       ("assign", {"assign-handler": officer.email}),
                       ("investigate", {"investigate-text": ""}),
                       ("decide", {"decide-outcome": "Upheld."})]:
        post(staff_client, reference, step, **data)
    complaint = complaint_service.get_by_reference(reference)
    complaint.received_at = datetime.now(UTC) - timedelta(days=200)
    db.session.commit()

    page = page_of(staff_client.get("/staff/complaints?lang=en&overdue=y"))
    assert page.select(".complaints-table tbody tr") == []


def test_resolution_target_is_configurable(app, staff_client):
    app.config["COMPLAINT_TARGET_DAYS"] = 30
    reference, _ = file_via_form(staff_client)
    complaint = complaint_service.get_by_reference(reference)
    received = complaint.received_at.astimezone(clock.CHINA).date()

    assert complaint_service.deadlines(complaint, received).resolve_by == \
        received + timedelta(days=30)


def test_list_filters_by_stage_kind_and_text(staff_client):
    complaint_ref, _ = file_via_form(staff_client, subject="Auditor was late")
    appeal_ref, _ = file_via_form(staff_client, kind="appeal", subject="Refusal of certification")
    post(staff_client, complaint_ref, "acknowledge", **{"acknowledge-text": ""})

    def refs(query):
        page = page_of(staff_client.get(f"/staff/complaints?lang=en&{query}"))
        return {a.text for a in page.select(".complaints-table tbody a")}

    assert refs("kind=appeal") == {appeal_ref}
    assert refs("stage=acknowledged") == {complaint_ref}
    assert refs("q=late") == {complaint_ref}
    assert refs("stage=") == {complaint_ref, appeal_ref}
    assert refs("mine=y") == set()
    other = make_staff("other@sqi.example")
    post(staff_client, appeal_ref, "assign", **{"assign-handler": other.email})
    post(staff_client, complaint_ref, "assign", **{"assign-handler": "li.officer@sqi.example"})
    assert refs("mine=y") == {complaint_ref}
    post(staff_client, appeal_ref, "reject", **{"reject-text": "Not about certification."})
    assert refs("") == {complaint_ref}  # open cases by default
    assert refs("stage=closed") == {appeal_ref}


def test_attachments_are_served_only_to_complaints_staff(client, app):
    png = io.BytesIO()
    from PIL import Image

    Image.new("RGB", (4, 4), "blue").save(png, "PNG")
    client.post("/complaints/new", data={**VALID_FORM, "attachments": [
        (io.BytesIO(png.getvalue()), "evidence.png")]}, content_type="multipart/form-data")
    complaint = db.session.scalar(select(Complaint))
    url = f"/staff/complaints/{complaint.reference}/attachments/{complaint.attachments[0].id}"

    anonymous = client.get(url)
    assert anonymous.status_code in (302, 401)
    registrar = make_staff("reg@sqi.example", Role.REGISTRAR)
    sign_in(client, registrar)
    assert client.get(url).status_code == 403
    sign_in(client, make_staff("cs@sqi.example"))
    response = client.get(url)
    assert response.status_code == 200
    assert response.data == png.getvalue()
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    stored = complaint.attachments[0].stored_name
    assert client.get(f"/static/{stored}").status_code == 404


def test_admin_may_handle_complaints(client):
    sign_in(client, make_staff("admin@sqi.example", Role.ADMIN))
    assert client.get("/staff/complaints").status_code == 200


def test_registrar_may_not_open_complaints(client):
    reference, _ = file_via_form(client)
    sign_in(client, make_staff("reg@sqi.example", Role.REGISTRAR))
    assert client.get("/staff/complaints").status_code == 403
    assert client.get(f"/staff/complaints/{reference}").status_code == 403
    assert client.post(f"/staff/complaints/{reference}/acknowledge").status_code == 403


def test_export_gives_the_complainant_their_data_without_internal_notes(staff_client):
    reference, code = file_via_form(staff_client)
    post(staff_client, reference, "note", **{"note-text": "Internal remark."})

    response = staff_client.post(f"/staff/complaints/{reference}/export")

    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="{reference}.json"'
    data = json.loads(response.data)
    assert data["reference"] == reference
    assert data["name"] == VALID_FORM["name"] and data["email"] == VALID_FORM["email"]
    assert data["description"] == complaint_service.get_by_reference(reference).description
    assert data["description"].startswith(VALID_FORM["description"])
    assert "Internal remark." not in response.text
    assert code not in response.text
    assert db.session.scalar(select(AuditLogEntry.action).where(
        AuditLogEntry.action == "complaint.export")) is not None


CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")


def stray_chinese(response) -> list[str]:
    page = page_of(response)
    return [s for s in page.body.find_all(string=CJK)
            if not any(getattr(p, "attrs", None) and p.get("lang", "").startswith("zh")
                       for p in s.parents)]


def test_english_pages_mark_chinese_data(staff_client):
    reference, code = file_via_form(staff_client)
    post(staff_client, reference, "acknowledge", **{"acknowledge-text": "已受理，谢谢。"})
    post(staff_client, reference, "note", **{"note-text": "内部备注"})
    staff_client.post("/report-fake", data={"kind": "other", "url": "http://fake.example",
                                            "description": "假冒网站"})

    assert stray_chinese(staff_client.post("/complaints/track?lang=en", data={
        "reference": reference, "code": code})) == []
    assert stray_chinese(staff_client.get(f"/staff/complaints/{reference}?lang=en")) == []
    assert stray_chinese(staff_client.get("/staff/complaints?lang=en")) == []
    assert stray_chinese(staff_client.get("/staff/fake-reports/1?lang=en")) == []


def test_staff_steps_need_the_form_token(csrf_app_config):
    from portal import create_app

    app = create_app(csrf_app_config)
    with app.app_context():
        db.create_all()
        client = app.test_client()
        user = make_staff("li@sqi.example")
        complaint = complaint_service.file_complaint(complaint_service.NewComplaint(
            kind=complaint_service.ComplaintKind.COMPLAINT,
            about=complaint_service.ComplaintAbout.CERTIFICATION_BODY, name="A",
            email="a@example.com", subject="S", description="Something happened."),
            now=datetime.now(UTC)).complaint
        sign_in(client, user)

        response = client.post(f"/staff/complaints/{complaint.reference}/acknowledge",
                               data={"acknowledge-text": "ok"})

        assert response.status_code == 400
        assert complaint_service.get_by_reference(complaint.reference).stage.value == "received"
        db.session.remove()
        db.drop_all()


def test_configured_holidays_extend_the_acknowledgement_deadline(app, staff_client):
    reference, _ = file_via_form(staff_client)
    complaint = complaint_service.get_by_reference(reference)
    received = complaint.received_at.astimezone(clock.CHINA).date()
    before = complaint_service.deadlines(complaint, received).acknowledge_by
    next_days = [(received + timedelta(days=n)).isoformat() for n in range(1, 15)]
    app.config["COMPLAINT_HOLIDAYS"] = ",".join(next_days)

    after = complaint_service.deadlines(complaint, received).acknowledge_by

    assert after > before and after > received + timedelta(days=14)
