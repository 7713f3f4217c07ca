"""Satisfaction surveys: invitations after audits, single-use signed links, follow-ups."""

from datetime import date, timedelta

import pytest
from aiosmtpd.controller import Controller
from bs4 import BeautifulSoup
from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.models import Audit, AuditLogEntry, AuditType, Role
from portal.models.survey import PhoneCheck, SurveyFollowUp, SurveyInvitation, SurveyResponse
from portal.services import mail
from portal.services import surveys as survey_service
from tests.complaint_support import Collect, free_port, make_staff, sign_in
from tests.conftest import TEST_DATABASE_URL

GOOD = {"overall": "5", "competence": "5", "impartiality": "4", "communication": "5",
        "punctuality": "4", "findings": "5", "comments": "审核组专业、准时。"}


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


@pytest.fixture
def audit(app, make_certificate) -> Audit:
    cert = make_certificate()
    audit = Audit(certificate_id=cert.id, audit_type=AuditType.SURVEILLANCE,
                  audit_date=clock.today() - timedelta(days=1),
                  auditors=["wang@sqi.example", "li@sqi.example"])
    db.session.add(audit)
    db.session.commit()
    return audit


def invite(audit: Audit, **kwargs) -> SurveyInvitation:
    return survey_service.issue_invitation(audit, actor="test", now=clock.utcnow(), **kwargs)


def path_of(invitation: SurveyInvitation) -> str:
    return "/survey/" + survey_service.token(invitation)


def test_staff_issue_an_invitation_and_print_its_qr_sheet(app, client, audit):
    sign_in(client, make_staff("sales@sqi.example", Role.SALES))
    response = client.post(f"/staff/surveys/audits/{audit.id}/invite?lang=en", data={})
    assert response.status_code == 302
    [invitation] = db.session.scalars(select(SurveyInvitation)).all()
    assert invitation.team == ["li@sqi.example", "wang@sqi.example"]
    sheet = soup(client.get(f"/staff/surveys/invitations/{invitation.id}/sheet?lang=en"))
    assert sheet.select_one(".survey-sheet__qr svg") is not None
    assert survey_service.survey_url(invitation) in sheet.text
    # issuing again keeps the one invitation
    client.post(f"/staff/surveys/audits/{audit.id}/invite", data={})
    assert len(db.session.scalars(select(SurveyInvitation)).all()) == 1
    entry = db.session.scalar(select(AuditLogEntry).where(AuditLogEntry.action == "survey.invite"))
    assert entry.actor == "sales@sqi.example"


def test_the_invitation_is_e_mailed_through_smtp_when_the_contact_is_known(app, audit):
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port)
        invitation = invite(audit, contact_email="QA@Customer.example", lang="en")
    finally:
        controller.stop()
    [message] = handler.messages
    assert message["To"] == "qa@customer.example"
    body = message.get_payload(decode=True).decode("utf-8")
    assert survey_service.survey_url(invitation) in body
    assert invitation.emailed_at is not None


@pytest.mark.parametrize(("lang", "heading"), [("en", "How was your audit?"),
                                                ("zh", "您对本次审核满意吗？")])
def test_the_form_answers_once_in_both_languages(app, client, audit, lang, heading):
    invitation = invite(audit)
    page = client.get(f"{path_of(invitation)}?lang={lang}")
    assert page.status_code == 200 and soup(page).h1.text == heading
    assert page.headers["Cache-Control"] == "no-store"

    done = client.post(f"{path_of(invitation)}?lang={lang}", data={**GOOD, "may_contact": "y",
                                                                  "contact_name": "张三"})
    assert done.status_code == 200 and soup(done).select_one("#survey-thanks") is not None
    response = db.session.scalar(select(SurveyResponse))
    assert (response.overall, response.impartiality, response.may_contact) == (5, 4, True)
    assert response.contact_name == "张三"

    again = client.post(f"{path_of(invitation)}?lang={lang}", data=GOOD)
    assert again.status_code == 410 and soup(again).select_one("#survey-answered") is not None
    assert client.get(path_of(invitation)).status_code == 410
    assert len(db.session.scalars(select(SurveyResponse)).all()) == 1


def test_a_second_answer_is_refused_by_the_service_too(app, audit):
    invitation = invite(audit)
    answer = survey_service.Answer(scores={k: 4 for k in survey_service.ASPECT_LABELS})
    survey_service.submit_response(invitation, answer, now=clock.utcnow())
    with pytest.raises(survey_service.AlreadyAnsweredError):
        survey_service.submit_response(invitation, answer, now=clock.utcnow())


def test_missing_scores_are_named_and_nothing_is_stored(app, client, audit):
    invitation = invite(audit)
    response = client.post(f"{path_of(invitation)}?lang=en", data={"overall": "9"})
    assert response.status_code == 400
    errors = soup(response).select(".field-error")
    assert len(errors) == 6 and errors[0].text == "Choose a score from 1 to 5."
    assert db.session.scalar(select(SurveyResponse)) is None
    assert db.session.get(SurveyInvitation, invitation.id).answered_at is None


def test_an_expired_link_says_so(app, client, audit):
    invitation = invite(audit)
    invitation.expires_at = clock.utcnow() - timedelta(minutes=1)
    db.session.commit()
    for response in (client.get(f"{path_of(invitation)}?lang=en"),
                     client.post(f"{path_of(invitation)}?lang=en", data=GOOD)):
        assert response.status_code == 410
        assert soup(response).h1.text == "This survey link has expired"
    assert db.session.scalar(select(SurveyResponse)) is None


@pytest.mark.parametrize("bad", ["nonsense", "WzEsImFiYyJd.forged", "A" * 600])
def test_a_forged_or_mangled_link_is_not_valid(app, client, audit, bad):
    invite(audit)
    response = client.get(f"/survey/{bad}?lang=en")
    assert response.status_code == 404
    assert soup(response).h1.text == "This survey link is not valid"


def test_a_link_with_another_nonce_is_not_valid(app, client, audit):
    invitation = invite(audit)
    forged = survey_service._serializer().dumps([invitation.id, "0" * 32])
    assert client.get(f"/survey/{forged}").status_code == 404


def test_a_low_score_opens_a_follow_up_that_closes_only_with_a_note(app, client, audit):
    invitation = invite(audit)
    client.post(path_of(invitation), data={**GOOD, "punctuality": "2", "comments": "迟到一小时"})
    [item] = db.session.scalars(select(SurveyFollowUp)).all()
    assert item.aspects == ["punctuality"] and item.closed_at is None

    sign_in(client, make_staff("sales@sqi.example", Role.SALES))
    listing = soup(client.get("/staff/surveys/follow-ups?lang=en"))
    assert "迟到一小时" in listing.select_one("#follow-ups").text
    client.post(f"/staff/surveys/follow-ups/{item.id}/close", data={"close-note": ""})
    db.session.expire_all()
    assert db.session.get(SurveyFollowUp, item.id).closed_at is None
    client.post(f"/staff/surveys/follow-ups/{item.id}/close",
                data={"close-note": "已与审核组长面谈，调整了行程安排。"})
    db.session.expire_all()
    closed = db.session.get(SurveyFollowUp, item.id)
    assert closed.closed_at is not None and closed.closed_by == "sales@sqi.example"
    assert db.session.scalar(select(AuditLogEntry).where(
        AuditLogEntry.action == "survey.follow_up_close")) is not None


def test_a_phone_spot_check_is_recorded_against_the_audit(app, client, audit):
    sign_in(client, make_staff("sales@sqi.example", Role.SALES))
    response = client.post(f"/staff/surveys/audits/{audit.id}/phone-check", data={
        "phone-called_on": clock.today().isoformat(), "phone-person": "质量部经理",
        "phone-overall": "1", "phone-notes": "对审核发现不认可"})
    assert response.status_code == 302
    page = soup(client.get(f"/staff/surveys/audits/{audit.id}?lang=en"))
    assert "对审核发现不认可" in page.text
    [item] = db.session.scalars(select(SurveyFollowUp)).all()
    assert item.phone_check is not None and item.aspects == ["overall"]


def test_staff_see_results_per_scheme_and_team_with_comments(app, client, audit):
    invitation = invite(audit)
    client.post(path_of(invitation), data=GOOD)
    sign_in(client, make_staff("sales@sqi.example", Role.SALES))
    page = soup(client.get("/staff/surveys?lang=en"))
    total = page.select_one("#means-total tbody tr").find_all("td")
    assert [td.text for td in total[:3]] == ["1", "5", "5"]
    assert page.select_one("#means-scheme tr[data-group='QMS']") is not None
    assert page.select_one("#means-team tr[data-group='li@sqi.example, wang@sqi.example']")
    assert "审核组专业、准时。" in page.text
    empty = soup(client.get("/staff/surveys?lang=en&scheme=EMS"))
    assert "0 answers" in empty.select_one("#survey-summary").text


def test_recording_an_audit_in_the_back_office_issues_its_invitation(app, client,
                                                                     make_certificate):
    cert = make_certificate()
    sign_in(client, make_staff("registrar@sqi.example", Role.REGISTRAR))
    response = client.post("/staff/surveys/audits", data={
        "audit-certificate_number": cert.certificate_number, "audit-audit_type": "initial",
        "audit-audit_date": clock.today().isoformat(), "audit-team": "a@sqi.example, b@sqi.example",
        "audit-invite": "y", "audit-lang": "zh"})
    assert response.status_code == 302
    [invitation] = db.session.scalars(select(SurveyInvitation)).all()
    assert invitation.team == ["a@sqi.example", "b@sqi.example"]
    unknown = client.post("/staff/surveys/audits?lang=en", data={
        "audit-certificate_number": "02799Q99999R9M", "audit-audit_type": "initial",
        "audit-audit_date": clock.today().isoformat(), "audit-lang": "zh"})
    assert unknown.status_code == 400 and "No certificate with this number" in unknown.text


def test_sales_cannot_record_an_audit_and_a_registrars_audit_is_public_at_once(
        app, client, make_certificate):
    cert = make_certificate()
    number = cert.certificate_number
    reader = app.test_client()  # a visitor: answered from the render cache from here on
    assert reader.get(f"/api/v1/certificates/{number}").get_json()["audits"] == []
    assert "Special" not in reader.get(f"/certificates/{number}?lang=en").text
    form = {"audit-certificate_number": number, "audit-audit_type": "special",
            "audit-audit_date": clock.today().isoformat(), "audit-lang": "zh"}
    sign_in(client, make_staff("sales@sqi.example", Role.SALES))
    assert client.post("/staff/surveys/audits", data=form).status_code == 403
    listing = soup(client.get("/staff/surveys/audits?lang=en"))
    assert listing.select_one("#audit-form") is None  # sales pick audits, do not record them
    assert db.session.scalars(select(Audit)).all() == []
    client.post("/staff/logout")
    sign_in(client, make_staff("registrar@sqi.example", Role.REGISTRAR))
    assert soup(client.get("/staff/surveys/audits")).select_one("#audit-form") is not None
    assert client.post("/staff/surveys/audits", data=form).status_code == 302
    api = reader.get(f"/api/v1/certificates/{number}").get_json()
    assert api["audits"] == [{"audit_type": "special",
                              "audit_date": clock.today().isoformat()}]
    assert "Special" in reader.get(f"/certificates/{number}?lang=en").text


def test_import_audits_with_survey_issues_invitations(app, tmp_path, make_certificate):
    cert = make_certificate()
    csv = tmp_path / "audits.csv"
    day = (clock.today() - timedelta(days=2)).isoformat()
    csv.write_text(f"certificate_number,audit_type,audit_date\n{cert.certificate_number},"
                   f"surveillance,{day}\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import-audits", str(csv), "--survey"])
    assert result.exit_code == 0, result.output
    assert "1 satisfaction-survey invitations issued" in result.output
    again = app.test_cli_runner().invoke(args=["import-audits", str(csv), "--survey"])
    assert "0 satisfaction-survey invitations issued" in again.output


def test_issue_surveys_command_covers_a_period(app, audit):
    result = app.test_cli_runner().invoke(args=[
        "issue-surveys", "--from", (clock.today() - timedelta(days=7)).isoformat(),
        "--email", f"{audit.certificate.certificate_number}=qa@customer.example"])
    assert result.exit_code == 0, result.output
    assert "/survey/" in result.output and "1 invitations issued" in result.output
    [message] = mail.read_outbox()
    assert message["To"] == "qa@customer.example"


def test_statistics_of_a_year(app, audit):
    first = invite(audit)
    other = Audit(certificate_id=audit.certificate_id, audit_type=AuditType.SPECIAL,
                  audit_date=audit.audit_date - timedelta(days=3), auditors=[])
    db.session.add(other)
    db.session.commit()
    invite(other)
    scores = {k: 4 for k in survey_service.ASPECT_LABELS} | {"overall": 3}
    survey_service.submit_response(first, survey_service.Answer(scores=scores),
                                   now=clock.utcnow())
    stats = survey_service.survey_statistics(clock.today().year)
    assert (stats.invitations, stats.responses, stats.response_rate) == (2, 1, 50.0)
    assert stats.means["overall"] == 3 and stats.means["competence"] == 4
    assert date.today().year == stats.year


@pytest.mark.postgres
@pytest.mark.skipif(not (TEST_DATABASE_URL or "").startswith("postgresql"),
                    reason="needs TEST_DATABASE_URL=postgresql://...")
def test_two_answers_at_the_same_moment_store_one(app, audit):
    import threading

    invitation_id = invite(audit).id
    barrier = threading.Barrier(4)
    outcomes: list[str] = []
    lock = threading.Lock()

    def answer() -> None:
        with app.app_context():
            try:
                invitation = db.session.get(SurveyInvitation, invitation_id)
                barrier.wait(timeout=30)
                survey_service.submit_response(
                    invitation, survey_service.Answer(
                        scores={k: 5 for k in survey_service.ASPECT_LABELS}),
                    now=clock.utcnow())
                result = "stored"
            except survey_service.AlreadyAnsweredError:
                result = "refused"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=answer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["refused", "refused", "refused", "stored"]
    db.session.expire_all()
    assert len(db.session.scalars(select(SurveyResponse)).all()) == 1


def test_purge_applications_forgets_survey_contacts_past_retention(app, audit):
    old_audit = Audit(certificate_id=audit.certificate_id, audit_type=AuditType.SPECIAL,
                      audit_date=audit.audit_date - timedelta(days=1300), auditors=[])
    db.session.add(old_audit)
    db.session.commit()
    long_ago = clock.utcnow() - timedelta(days=1200)
    old = survey_service.issue_invitation(old_audit, actor="test", now=long_ago,
                                          contact_email="old@customer.example", send=False)
    recent = invite(audit, contact_email="new@customer.example", send=False)
    scores = {k: 4 for k in survey_service.ASPECT_LABELS}
    for invitation, when, name in ((old, long_ago, "张三"), (recent, clock.utcnow(), "李四")):
        survey_service.submit_response(invitation, survey_service.Answer(
            scores=scores, comments="好", may_contact=True, contact_name=name,
            contact_phone="13800000000"), now=when + timedelta(hours=1))

    result = app.test_cli_runner().invoke(args=["purge-applications"])
    assert result.exit_code == 0, result.output
    assert "1 survey answers" in result.output
    db.session.expire_all()
    old_answer, new_answer = (db.session.scalar(select(SurveyResponse).where(
        SurveyResponse.invitation_id == i.id)) for i in (old, recent))
    assert (old_answer.contact_name, old_answer.contact_phone) == ("", "")
    assert db.session.get(SurveyInvitation, old.id).contact_email == ""
    assert old_answer.overall == 4 and old_answer.comments == "好"  # figures stay
    assert (new_answer.contact_name, new_answer.contact_phone) == ("李四", "13800000000")
    assert db.session.get(SurveyInvitation, recent.id).contact_email == "new@customer.example"


def test_purge_applications_forgets_whom_a_phone_check_reached_past_retention(app, audit):
    long_ago = clock.utcnow() - timedelta(days=1200)
    old = survey_service.record_phone_check(
        audit, actor="test", called_on=long_ago.date(), person="王经理 13900000000",
        overall=4, notes="满意", now=long_ago)
    recent = survey_service.record_phone_check(
        audit, actor="test", called_on=clock.today(), person="赵主管", overall=5, notes="很好",
        now=clock.utcnow())
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["purge-applications"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(PhoneCheck, old.id).person_reached == ""
    assert db.session.get(PhoneCheck, old.id).overall == 4  # the figures stay
    assert db.session.get(PhoneCheck, recent.id).person_reached == "赵主管"
