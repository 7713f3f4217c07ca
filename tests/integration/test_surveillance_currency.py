"""Surveillance due dates on the page, in the API, on the staff dashboard, from the command and
in the registrars' daily mail; audits recorded by every writer reach cached pages (#24)."""

from datetime import date, datetime

import pytest
import time_machine
from bs4 import BeautifulSoup

from portal import clock
from portal.extensions import db
from portal.models import AuditLogEntry, AuditType, Role
from portal.services import mail
from portal.services import surveys as survey_service
from tests.staff_support import make_user, sign_in

TODAY = date(2026, 4, 1)
PAGE = "/certificates/{}"
API = "/api/v1/certificates/{}"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2026, 4, 1, 10, 0, tzinfo=clock.CHINA), tick=False):
        yield


def soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


@pytest.fixture
def overdue(make_certificate):
    """Decision 2025-03-01, no surveillance audit since: due 2026-03-01, overdue on TODAY."""
    return make_certificate(issue_date=date(2025, 3, 1), expiry_date=date(2028, 2, 28))


def test_api_record_says_when_the_next_surveillance_audit_is_due(client, overdue):
    record = client.get(API.format(overdue.certificate_number)).get_json()
    assert record["surveillance"] == {"last_audit_date": None, "next_due_date": "2026-03-01",
                                      "overdue": True}


def test_api_record_of_a_product_certificate_has_no_surveillance(client, make_certificate):
    cert = make_certificate(scheme="GREEN_PRODUCT", standard="GB/T 35601-2017")
    record = client.get(API.format(cert.certificate_number)).get_json()
    assert "surveillance" in record and record["surveillance"] is None


def test_page_shows_the_due_date_and_overdue_in_the_warning_colour(client, overdue):
    page = soup(client.get(PAGE.format(overdue.certificate_number)))
    block = page.select_one(".cert-surveillance")
    assert "下次监督审核截止日期" in block.text
    due = block.select_one(".cert-surveillance__due--overdue")
    assert due is not None and due.time["datetime"] == "2026-03-01"
    english = soup(client.get(PAGE.format(overdue.certificate_number) + "?lang=en"))
    assert "Next surveillance audit due by" in english.select_one(".cert-surveillance").text
    assert "Overdue" in english.select_one(".cert-surveillance__due--overdue").text


def test_page_of_a_current_certificate_is_not_marked_overdue(client, make_certificate):
    cert = make_certificate(issue_date=date(2025, 9, 1), expiry_date=date(2028, 8, 31))
    page = soup(client.get(PAGE.format(cert.certificate_number) + "?lang=en"))
    assert page.select_one(".cert-surveillance__due--overdue") is None
    assert page.select_one(".cert-surveillance__due time")["datetime"] == "2026-09-01"


def test_page_of_a_product_certificate_says_it_has_no_surveillance(client, make_certificate):
    cert = make_certificate(scheme="GREEN_PRODUCT", standard="GB/T 35601-2017")
    page = soup(client.get(PAGE.format(cert.certificate_number) + "?lang=en"))
    assert "not kept by surveillance audits" in page.select_one(".cert-surveillance").text


def test_restricted_certificate_shows_no_audit_dates(client, make_certificate):
    cert = make_certificate(restricted=True, issue_date=date(2025, 3, 1))
    assert client.get(API.format(cert.certificate_number)).get_json()["surveillance"] is None
    assert soup(client.get(PAGE.format(cert.certificate_number))).select_one(
        ".cert-surveillance") is None


# -- every writer of audits reaches an already cached page and API record -----------------


def _cached(client, number):
    """Fetch page and record twice (the second from the render cache); return both."""
    for _ in range(2):
        page = client.get(PAGE.format(number) + "?lang=en")
        record = client.get(API.format(number))
    assert soup(page).select_one(".cert-surveillance__due--overdue") is not None
    assert record.get_json()["surveillance"]["overdue"] is True
    return page.headers["ETag"], record.headers["ETag"]


def _assert_fresh(client, number, etags, audit_date="2026-03-20"):
    page = client.get(PAGE.format(number) + "?lang=en", headers={"If-None-Match": etags[0]})
    record = client.get(API.format(number), headers={"If-None-Match": etags[1]})
    assert page.status_code == 200 and record.status_code == 200
    assert soup(page).select_one(".cert-surveillance__due--overdue") is None
    assert audit_date in soup(page).select_one(".cert-audits").decode()
    body = record.get_json()
    assert body["surveillance"] == {"last_audit_date": audit_date, "next_due_date": "2027-03-20",
                                    "overdue": False}
    assert {"audit_type": "surveillance", "audit_date": audit_date} in body["audits"]


def test_audit_recorded_in_the_back_office_reaches_the_cached_page(app, client, overdue):
    number = overdue.certificate_number
    etags = _cached(client, number)
    staff = app.test_client()
    sign_in(staff, make_user(Role.ADMIN, "admin@sqi.example.cn").email)
    response = staff.post("/staff/surveys/audits", data={
        "audit-certificate_number": number, "audit-audit_type": "surveillance",
        "audit-audit_date": "2026-03-20", "audit-team": "", "audit-lang": "zh"})
    assert response.status_code == 302, response.get_data(as_text=True)
    _assert_fresh(client, number, etags)


def test_audit_recorded_by_the_survey_service_reaches_the_cached_page(client, overdue):
    number = overdue.certificate_number
    etags = _cached(client, number)
    survey_service.record_audit(number, AuditType.SURVEILLANCE, date(2026, 3, 20), [],
                                actor="registrar@sqi.example.cn", now=clock.utcnow())
    _assert_fresh(client, number, etags)


def test_audits_imported_from_a_file_reach_the_cached_page(app, client, overdue, tmp_path):
    number = overdue.certificate_number
    etags = _cached(client, number)
    audits = tmp_path / "audits.csv"
    audits.write_text(f"certificate_number,audit_type,audit_date\n{number},surveillance,"
                      "2026-03-20\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import-audits", str(audits)])
    assert result.exit_code == 0, result.output
    _assert_fresh(client, number, etags)


# -- staff dashboard and one-step suspension ------------------------------------------------


@pytest.fixture
def register(make_certificate, overdue):
    soon = make_certificate(issue_date=date(2025, 4, 20), expiry_date=date(2028, 4, 19))
    later = make_certificate(issue_date=date(2025, 9, 1), expiry_date=date(2028, 8, 31))
    product = make_certificate(scheme="GREEN_PRODUCT", standard="GB/T 35601-2017",
                               issue_date=date(2024, 1, 5), expiry_date=date(2027, 1, 4))
    return {"overdue": overdue, "soon": soon, "later": later, "product": product}


@pytest.fixture
def registrar(app):
    client = app.test_client()
    assert sign_in(client, make_user(Role.REGISTRAR).email).status_code == 302
    return client


def test_dashboard_lists_overdue_first_then_due_within_30_days(registrar, register):
    page = soup(registrar.get("/staff/surveillance?lang=en"))
    rows = [row["data-number"] for row in page.select("tr[data-number]")]
    assert rows == [register["overdue"].certificate_number, register["soon"].certificate_number]
    assert "surveillance-due--overdue" in page.select("tr[data-number]")[0]["class"]
    wider = soup(registrar.get("/staff/surveillance?days=200"))
    assert register["later"].certificate_number in wider.text
    assert register["product"].certificate_number not in wider.text


def test_dashboard_is_for_registrars_only(app, register):
    client = app.test_client()
    sign_in(client, make_user(Role.COMPLAINTS).email)
    assert client.get("/staff/surveillance").status_code == 403


def test_one_step_suspension_uses_the_pick_list_reason(app, client, registrar, register):
    cert = register["overdue"]
    page = soup(registrar.get("/staff/surveillance"))
    form = page.select_one(f'tr[data-number="{cert.certificate_number}"] form')
    assert len(page.select("tr[data-number] form")) == 1  # only the overdue one
    data = {field["name"]: field.get("value", "") for field in form.select("input")}
    response = registrar.post(form["action"], data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert cert.status.value == "suspended"
    assert cert.status_reason == "未按期接受监督审核"
    assert cert.status_date == TODAY
    assert db.session.query(AuditLogEntry).filter_by(action="certificate.status").count() == 1
    record = client.get(API.format(cert.certificate_number)).get_json()
    assert record["status"] == "suspended"
    assert record["status_history"][-1]["reason"] == "未按期接受监督审核"


# -- command and daily mail -----------------------------------------------------------------


def test_overdue_surveillance_command_prints_one_line_per_certificate(app, register):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["overdue-surveillance"])
    assert result.exit_code == 1  # something is overdue: cron notices
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(register["overdue"].certificate_number + "\t")
    assert "overdue since 2026-03-01" in lines[0]
    ahead = runner.invoke(args=["overdue-surveillance", "--days", "30"]).stdout.splitlines()
    assert [line.split("\t")[0] for line in ahead] == [register["overdue"].certificate_number,
                                                      register["soon"].certificate_number]
    assert "due by 2026-04-20 (19 days)" in ahead[1]


def test_overdue_surveillance_command_refuses_a_negative_window(app):
    result = app.test_cli_runner().invoke(args=["overdue-surveillance", "--days", "-3"])
    assert result.exit_code == 2 and "-3" in result.output


def test_daily_mail_goes_to_every_registrar(app, register):
    make_user(Role.REGISTRAR, "r1@sqi.example.cn")
    make_user(Role.COMPLAINTS, "c1@sqi.example.cn")
    result = app.test_cli_runner().invoke(args=["mail-surveillance-due"])
    assert result.exit_code == 0, result.output
    messages = mail.read_outbox()
    assert [m["To"] for m in messages] == ["r1@sqi.example.cn"]
    body = messages[0].get_content()
    assert register["overdue"].certificate_number in body
    assert register["soon"].certificate_number in body
    assert register["later"].certificate_number not in body
    assert "/staff/surveillance" in body
