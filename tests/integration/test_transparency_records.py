"""`/transparency` on small hand-made registers: empty years, bad years, complaint figures."""

import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta

import pytest
from bs4 import BeautifulSoup

from portal import clock
from portal.domain.complaints import ComplaintAbout, ComplaintKind
from portal.domain.status import CertificateStatus as S
from portal.extensions import db
from portal.models import Role, User
from portal.services import certificates as certificate_service
from portal.services import complaints as complaint_service
from tests.complaint_support import file_via_form

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en"}


def page_of(response) -> BeautifulSoup:
    assert response.status_code == 200, response.text[:500]
    return BeautifulSoup(response.text, "html.parser")


def figures(page: BeautifulSoup, selector: str) -> tuple[int, ...]:
    return tuple(int(re.sub(r"[^0-9]", "", td.text)) for td in page.select(f"{selector} td"))


def test_empty_register_shows_a_table_of_zeros_and_says_so(client):
    page = page_of(client.get("/transparency", headers=ZH))

    assert figures(page, 'tr[data-scheme="QMS"]') == (0,) * 6
    assert figures(page, 'tr[data-subtotal="management"]') == (0,) * 6
    assert len(page.select("#stats-table tr[data-scheme]")) == 8
    assert "证书登记库中尚无任何证书" in page.select_one("#stats-empty").text
    year = clock.today().year - 1
    assert page.select_one("#year option[selected]")["value"] == str(year)
    assert page.select_one("#no-complaints").text.strip() == f"{year}年未收到投诉或申诉。"
    ET.fromstring(re.search(r"<svg\b.*?</svg>", page_of(client.get("/transparency")).decode(),
                            re.DOTALL).group(0))


def test_a_year_without_activity_says_every_figure_is_zero(client, make_certificate):
    make_certificate(initial_issue_date=date(2019, 3, 1), issue_date=date(2025, 3, 1))

    page = page_of(client.get("/transparency?year=2018", headers=EN))

    assert page.select_one("#stats-empty") is None
    assert "every figure is zero" in page.select_one("#stats-zero").text
    years = [int(o["value"]) for o in page.select("#year option")]
    assert years == list(range(clock.today().year, 2018, -1)) + [2018]


BAD_YEARS = ["abc", "22", "20222", "1991", "0000", "-2022", str(clock.today().year + 1), "9999",
             "2022.0", "２０２２年"]


@pytest.mark.parametrize("path", ["/transparency", "/transparency.csv"])
@pytest.mark.parametrize("year", BAD_YEARS)
def test_bad_year_gets_a_400_page_with_a_message(client, path, year):
    zh = client.get(path, query_string={"year": year}, headers=ZH)
    en = client.get(path, query_string={"year": year}, headers=EN)

    assert zh.status_code == en.status_code == 400
    assert zh.mimetype == "text/html"
    zh_message = BeautifulSoup(zh.text, "html.parser").select_one("#bad-year-message").text
    en_message = BeautifulSoup(en.text, "html.parser").select_one("#bad-year-message").text
    assert "请选择1992年至" in zh_message
    assert f"Choose a year from 1992 to {clock.today().year}" in en_message or (
        f"Choose a four-digit year from 1992 to {clock.today().year}" in en_message)
    assert BeautifulSoup(en.text, "html.parser").select_one("form.year-form select") is not None


def test_full_width_digits_are_read_as_a_year(client):
    page = page_of(client.get("/transparency", query_string={"year": "２０２２"}, headers=EN))

    assert page.select_one("#year option[selected]")["value"] == "2022"


def test_figures_of_a_small_register_match_table_csv_api_and_chart(client, make_certificate):
    made = [make_certificate(scheme="EMS", initial_issue_date=date(2024, 2, 1),
                             issue_date=date(2024, 2, 1), expiry_date=date(2027, 1, 31))
            for _ in range(3)]
    make_certificate(scheme="REAL_ESTATE_SERVICE", initial_issue_date=date(2023, 5, 1),
                     issue_date=date(2023, 5, 1), expiry_date=date(2026, 4, 30))
    certificate_service.change_status(made[0], S.SUSPENDED, effective=date(2024, 8, 1),
                                      reason="未按期接受监督审核", actor="t", now=NOW)
    db.session.commit()

    page = page_of(client.get("/transparency?year=2024", headers=EN))
    lines = list(csv.reader(io.StringIO(
        client.get("/transparency.csv?year=2024").data.decode("utf-8-sig"))))
    api = client.get("/api/v1/stats?year=2024").get_json()

    assert figures(page, 'tr[data-scheme="EMS"]') == (2, 3, 0, 1, 0, 0)
    assert figures(page, 'tr[data-scheme="REAL_ESTATE_SERVICE"]') == (1, 0, 0, 0, 0, 0)
    assert figures(page, 'tr[data-subtotal="management"]') == (2, 3, 0, 1, 0, 0)
    by_scheme = {line[0]: [int(v) for v in line[2:]] for line in lines[1:]}
    assert by_scheme["EMS"] == [2, 3, 0, 1, 0, 0]
    assert by_scheme["service total"] == [1, 0, 0, 0, 0, 0]
    for row in api["rows"]:
        assert by_scheme[row["scheme"]] == [row[c] for c in api["columns"]]
    svg = ET.fromstring(re.search(r"<svg\b.*?</svg>", page.decode(), re.DOTALL).group(0))
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert "Valid 2" in texts and "Newly issued 3" in texts
    assert page.select_one("#stats-zero") is None and page.select_one("#stats-empty") is None


def test_choosing_a_language_makes_the_answer_private(client):
    response = client.get("/transparency?lang=en")

    assert response.status_code == 200
    assert "lang=en" in response.headers["Set-Cookie"]
    assert response.headers["Cache-Control"] == "private, max-age=300"


def test_current_year_is_marked_as_not_over(client):
    year = clock.today().year

    page = page_of(client.get(f"/transparency?year={year}", headers=EN))

    assert f"{year} is not over yet" in page.select_one("#stats-incomplete").text
    assert page_of(client.get("/transparency?year=2022")).select_one("#stats-incomplete") is None


# --- complaint statistics -------------------------------------------------------------------


def officer() -> User:
    user = User(email="li@sqi.example", password_hash="x", role=Role.COMPLAINTS,
                created_at=datetime(2025, 1, 1, tzinfo=UTC))
    db.session.add(user)
    db.session.commit()
    return user


def file(at: datetime, kind: ComplaintKind = ComplaintKind.COMPLAINT):
    data = complaint_service.NewComplaint(
        kind=kind, about=ComplaintAbout.CERTIFICATION_BODY, name="张三",
        email="zhang@example.com", subject="延误", description="审核报告迟迟没有发出。")
    return complaint_service.file_complaint(data, now=at).complaint


def close_case(complaint, user: User, start: datetime, ack_days: float, close_days: float):
    complaint_service.acknowledge(complaint, actor=user, message="",
                                  now=start + timedelta(days=ack_days))
    complaint_service.assign_handler(complaint, user, actor=user, now=start + timedelta(days=2))
    complaint_service.start_investigation(complaint, actor=user, message="",
                                          now=start + timedelta(days=3))
    complaint_service.decide(complaint, actor=user, outcome="Upheld.", note="",
                             now=start + timedelta(days=close_days - 1))
    complaint_service.close(complaint, actor=user, message="",
                            now=start + timedelta(days=close_days))


def complaint_figures(page: BeautifulSoup) -> dict[str, str]:
    return {div["data-figure"]: " ".join(div.select_one("dd").text.split())
            for div in page.select("#complaint-figures div")}


def test_complaint_figures_count_the_year_received_closed_and_medians(client):
    user = officer()
    starts = [datetime(2025, 3, 1, 2, tzinfo=UTC), datetime(2025, 5, 1, 2, tzinfo=UTC),
              datetime(2025, 12, 1, 2, tzinfo=UTC)]
    cases = [file(starts[0]), file(starts[1], ComplaintKind.APPEAL), file(starts[2])]
    close_case(cases[0], user, starts[0], ack_days=1, close_days=20)
    close_case(cases[1], user, starts[1], ack_days=3, close_days=41)
    file(datetime(2024, 6, 1, 2, tzinfo=UTC))  # another year

    en = page_of(client.get("/transparency?year=2025", headers=EN))
    zh = page_of(client.get("/transparency?year=2025", headers=ZH))

    assert en.select_one("#no-complaints") is None
    assert complaint_figures(en) == {
        "received": "3", "complaints": "2", "appeals": "1", "closed": "2",
        "median_days_to_acknowledge": "2", "median_days_to_close": "30.5"}
    assert "结案所需天数（中位数）" in zh.select_one("#complaint-figures").text
    assert "其中申诉" in zh.select_one("#complaint-figures").text
    assert complaint_figures(page_of(client.get("/transparency?year=2024", headers=EN)))[
        "received"] == "1"
    assert page_of(client.get("/transparency?year=2023", headers=EN)).select_one(
        "#no-complaints").text.strip() == "No complaints or appeals were recorded in 2023."


def test_complaints_without_any_acknowledged_say_so_instead_of_a_number(client):
    file(datetime(2025, 3, 1, 2, tzinfo=UTC))

    figures_ = complaint_figures(page_of(client.get("/transparency?year=2025", headers=EN)))

    assert figures_["received"] == "1"
    assert figures_["median_days_to_acknowledge"] == "none acknowledged yet"
    assert figures_["median_days_to_close"] == "none closed yet"


def test_a_complaint_filed_through_the_form_counts_this_year(client):
    file_via_form(client)

    page = page_of(client.get(f"/transparency?year={clock.today().year}", headers=EN))

    assert complaint_figures(page)["received"] == "1"
    assert complaint_figures(page)["complaints"] == "1"
