"""/transparency, its CSV and /api/v1/stats carry the year's application and survey figures."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from bs4 import BeautifulSoup

from portal.domain.applications import DeclineReason, ReviewKind, ReviewOutcome
from portal.extensions import db
from portal.models import Audit, AuditType, Role
from portal.services import applications as application_service
from portal.services import surveys as survey_service
from tests.application_support import CREDIT_CODE
from tests.application_support import VALID_FORM as FORM
from tests.complaint_support import make_staff

JAN = datetime(2025, 1, 6, 2, tzinfo=UTC)


def new(n: int) -> application_service.NewApplication:
    return application_service.NewApplication(
        request_kind="application", schemes=("QMS",), organisation_name_zh=FORM[
            "organisation_name_zh"], credit_code=CREDIT_CODE, address="上海", headcount=10,
        shifts=1, scope=f"机加工 {n}", contact_name="陈静", email="chen@example.com",
        phone="021-55550188")


@pytest.fixture
def seeded(app, make_certificate):
    """2025: four applications (one accepted after 2 days, two declined after 4 and 6 days,
    one waiting) and three invitations, two answered."""
    staff = make_staff("sales@sqi.example", Role.SALES)
    filed = [application_service.file_application(new(n), now=JAN + timedelta(days=n),
                                                  send=False).application for n in range(4)]
    accepted, declined_1, declined_2, _waiting = filed
    application_service.start_review(accepted, actor=staff, message="", now=JAN)
    for kind in ReviewKind:
        application_service.record_review(accepted, kind, actor=staff,
                                          outcome=ReviewOutcome.POSITIVE, note="", now=JAN)
    application_service.accept(accepted, actor=staff, text="", now=JAN + timedelta(days=2))
    application_service.decline(declined_1, actor=staff, reason_class=DeclineReason.OUT_OF_SCOPE,
                                reason="超出范围", now=JAN + timedelta(days=5))
    application_service.decline(declined_2, actor=staff,
                                reason_class=DeclineReason.COMPETENCE, reason="无专业审核员",
                                now=JAN + timedelta(days=8))
    cert = make_certificate()
    scores = [{"overall": 5, "competence": 4, "impartiality": 5, "communication": 4,
               "punctuality": 3, "findings": 4},
              {"overall": 4, "competence": 4, "impartiality": 5, "communication": 5,
               "punctuality": 2, "findings": 3}]
    for n in range(3):
        audit = Audit(certificate_id=cert.id, audit_type=AuditType.SURVEILLANCE,
                      audit_date=date(2025, 3, 1 + n), auditors=[])
        db.session.add(audit)
        db.session.commit()
        invitation = survey_service.issue_invitation(audit, actor="t", now=JAN.replace(
            month=3, day=1 + n))
        if n < 2:
            survey_service.submit_response(invitation, survey_service.Answer(scores=scores[n]),
                                           now=JAN.replace(month=3, day=5))
    return app


def test_the_page_shows_the_years_figures_without_names(seeded, client):
    page = BeautifulSoup(client.get("/transparency?year=2025&lang=en").text, "html.parser")
    figures = {tr["data-figure"]: tr.td.text.strip()
               for tr in page.select("#applications-table tr, #surveys-table tr")}
    assert figures["received"] == "4" and figures["accepted"] == "1"
    assert figures["declined"] == "2" and figures["declined_out_of_scope"] == "1"
    assert figures["declined_competence"] == "1" and figures["declined_impartiality"] == "0"
    # first answers after 2, 4 and 6 days (received on days 0, 1 and 2)
    assert figures["median_days_to_first_answer"] == "4"
    assert figures["invitations"] == "3" and figures["responses"] == "2"
    assert figures["response_rate"] == "66.7 %"
    assert figures["mean_overall"] == "4.5" and figures["mean_punctuality"] == "2.5"
    assert page.select_one("svg#survey-chart") is not None
    assert len(page.select("svg.chart")) == 1  # the §6 chart stays the only svg.chart
    section = page.select_one("#applications-heading").parent.text
    assert FORM["organisation_name_zh"] not in page.text and "chen@" not in section


def test_csv_and_api_carry_the_same_figures(seeded, client):
    body = client.get("/api/v1/stats?year=2025").json
    assert body["applications"]["received"] == 4
    assert body["applications"]["declined_by_reason"]["out_of_scope"] == 1
    assert body["applications"]["median_days_to_first_answer"] == 4.0
    assert body["surveys"]["response_rate"] == 66.7
    assert body["surveys"]["mean_scores"]["communication"] == 4.5
    assert body["rows"][0]["scheme"] == "QMS"  # the §6 table is still there
    response = client.get("/transparency/services.csv?year=2025")
    assert response.mimetype == "text/csv" and response.data.startswith(b"\xef\xbb\xbf")
    rows = {(r[1], r[2]): r[3] for r in csv.reader(io.StringIO(response.data.decode(
        "utf-8-sig")))}
    assert rows[("applications", "received")] == "4"
    assert rows[("applications", "declined_competence")] == "1"
    assert rows[("surveys", "responses")] == "2"
    assert rows[("surveys", "mean_overall")] == "4.5"


def test_a_year_without_data_says_so(app, client):
    page = BeautifulSoup(client.get("/transparency?year=2024&lang=en").text, "html.parser")
    assert page.select_one("#no-applications") is not None
    assert page.select_one("#no-surveys") is not None
