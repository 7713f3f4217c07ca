"""With the database down the portal answers 503, keeps a typed form, and recovers (#13.10)."""

import logging

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError

from portal import create_app
from tests import conftest
from tests.complaint_support import VALID_FORM

NUMBER = "02722Q10234R3M"
PAGES = [f"/certificates/{NUMBER}", "/alerts", f"/certificates/{NUMBER}/receipt",
         f"/certificates/{NUMBER}/feed.atom", "/transparency"]


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


@pytest.fixture
def app_config(tmp_path):
    return conftest.test_config(tmp_path, HANDLE_ALL_ERRORS=True)  # as production answers


class Outage:
    """Make every statement fail as a stopped PostgreSQL makes it fail, until ended."""

    def __init__(self) -> None:
        self.down = False

    def __call__(self, *args, **kwargs) -> None:
        if self.down:
            raise OperationalError("SELECT 1", {}, ConnectionRefusedError(
                "connection to server at 127.0.0.1, port 5432 failed: Connection refused"))


@pytest.fixture
def outage(app):
    cut = Outage()
    # Every engine: on PostgreSQL cached pages read their version on an engine of their own.
    event.listen(Engine, "before_cursor_execute", cut)
    yield cut
    event.remove(Engine, "before_cursor_execute", cut)


def assert_unavailable_page(response, lang: str) -> None:
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert response.headers["Cache-Control"] == "no-store"
    heading = page(response).select_one("h1").text
    assert heading == ("Temporarily unavailable" if lang == "en" else "暂时无法使用")


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_pages_answer_503_with_a_clear_page(client, make_certificate, outage, path, lang):
    make_certificate(certificate_number=NUMBER)
    outage.down = True
    separator = "&" if "?" in path else "?"
    assert_unavailable_page(client.get(f"{path}{separator}lang={lang}"), lang)


@pytest.mark.parametrize("path", ["/api/v1/certificates/{number}",
                                  "/api/v1/certificates?q={holder}"])
def test_api_answers_503_in_the_error_shape(client, make_certificate, outage, path):
    cert = make_certificate(certificate_number=NUMBER)
    url = path.format(number=NUMBER, holder=cert.holder_name_zh)
    assert client.get(url).status_code == 200
    outage.down = True
    response = client.get(url)
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert response.get_json()["error"]["code"] == "unavailable"


def test_batch_verify_answers_503_in_the_error_shape(client, outage):
    outage.down = True
    response = client.post("/api/v1/certificates/verify", json={"certificate_numbers": [NUMBER]})
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "unavailable"


@pytest.mark.parametrize("lang, notice", [("en", "Nothing was sent"), ("zh", "未能提交")])
def test_complaint_sent_during_the_outage_comes_back_as_typed(client, make_certificate, outage,
                                                              lang, notice):
    make_certificate(certificate_number=NUMBER)
    outage.down = True
    form = {**VALID_FORM, "certificate_number": NUMBER,
            "description": "第一段。\n第二段：<b>不是标签</b> & 原样保留。"}
    response = client.post(f"/complaints/new?lang={lang}", data=form)
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    soup = page(response)
    assert notice in soup.select_one("#form-unsaved").text
    for name in ("name", "email", "phone", "subject", "certificate_number"):
        assert soup.select_one(f"[name={name}]")["value"] == form[name], name
    assert soup.select_one("textarea[name=description]").text.strip() == form["description"]
    assert soup.select_one("input[name=kind][value=complaint]").has_attr("checked")
    assert soup.select_one("input[name=about][value=certified_organization]").has_attr("checked")

    outage.down = False  # the database is back: the same form goes through
    assert client.post(f"/complaints/new?lang={lang}", data=form).status_code == 200


def test_report_of_a_fake_sent_during_the_outage_comes_back_as_typed(client, outage):
    outage.down = True
    form = {"kind": "counterfeit_certificate", "certificate_number": "02799Q99999R0M",
            "description": "A supplier sent this certificate in a tender.",
            "email": "buyer@example.com"}
    response = client.post("/report-fake?lang=en", data=form)
    assert response.status_code == 503
    soup = page(response)
    assert soup.select_one("#form-unsaved") is not None
    assert soup.select_one("textarea[name=description]").text.strip() == form["description"]


def test_search_with_hits_answers_503(client, make_certificate, outage):
    """Hits are loaded from the database (the truth for status): no stale status is shown."""
    cert = make_certificate(certificate_number=NUMBER)
    assert NUMBER in client.get(f"/search?q={cert.holder_name_zh}&lang=en").text
    outage.down = True
    assert_unavailable_page(client.get(f"/search?q={cert.holder_name_zh}&lang=en"), "en")


def test_staff_pages_answer_503(client, outage):
    from tests.complaint_support import make_staff, sign_in

    sign_in(client, make_staff("li.officer@sqi.example"))
    outage.down = True
    assert_unavailable_page(client.get("/staff/complaints?lang=en"), "en")
    assert_unavailable_page(client.get("/staff/certificates?lang=zh"), "zh")


def test_tracking_a_case_answers_503(client, outage):
    outage.down = True
    response = client.post("/complaints/track?lang=en",
                           data={"reference": "TS-2026-000001", "code": "ABCD-EFGH-JKMN"})
    assert_unavailable_page(response, "en")


def test_the_portal_recovers_without_a_restart(client, make_certificate, outage):
    make_certificate(certificate_number=NUMBER)
    outage.down = True
    assert client.get(f"/certificates/{NUMBER}").status_code == 503
    health = client.get("/healthz")
    assert health.status_code == 503
    assert int(health.headers["Retry-After"]) > 0  # like every other 503 of the outage
    outage.down = False
    assert client.get(f"/certificates/{NUMBER}").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get(f"/api/v1/certificates/{NUMBER}").status_code == 200


def test_a_database_that_refuses_connections_gives_503_not_500(tmp_path):
    """A real refused connection: PostgreSQL URL on a port where nothing listens."""
    pytest.importorskip("psycopg")
    app = create_app(conftest.test_config(
        tmp_path, HANDLE_ALL_ERRORS=True,
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://postgres@127.0.0.1:1/nothing"))
    client = app.test_client()
    assert_unavailable_page(client.get(f"/certificates/{NUMBER}?lang=en"), "en")
    assert client.get(f"/api/v1/certificates/{NUMBER}").status_code == 503
    response = client.post("/complaints/new?lang=en", data=VALID_FORM)
    assert response.status_code == 503
    assert page(response).select_one("[name=name]")["value"] == VALID_FORM["name"]


def test_search_catch_up_logs_one_warning_when_an_outage_starts_and_one_when_it_ends(
        client, make_certificate, outage, caplog):
    """Not a traceback every half second while the database is down (#13)."""
    search = f"/search?q={make_certificate(certificate_number=NUMBER).holder_name_zh}"
    assert client.get(search).status_code == 200
    caplog.set_level(logging.INFO, logger="portal.services.search")
    outage.down = True
    for _ in range(5):
        assert client.get(search).status_code == 503
    outage.down = False
    for _ in range(3):
        assert client.get(search).status_code == 200
    logged = [r for r in caplog.records if r.name == "portal.services.search"]
    assert [r.levelno for r in logged] == [logging.WARNING, logging.WARNING], \
        [r.getMessage() for r in logged]
    assert all(r.exc_info is None and "\n" not in r.getMessage() for r in logged)
    assert "cannot catch up" in logged[0].getMessage()
    assert "OperationalError" in logged[0].getMessage()  # says why, in one line
    assert "again" in logged[1].getMessage()
