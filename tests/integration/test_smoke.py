"""The app starts, serves the front page and a certificate page in both languages."""

from bs4 import BeautifulSoup


def test_front_page_defaults_to_chinese(client):
    response = client.get("/")
    assert response.status_code == 200
    page = BeautifulSoup(response.text, "html.parser")
    assert page.html["lang"] == "zh-CN"
    assert page.select_one("form input[name=number]") is not None


def test_lang_parameter_switches_and_is_remembered(client):
    page = BeautifulSoup(client.get("/?lang=en").text, "html.parser")
    assert page.html["lang"] == "en"
    page = BeautifulSoup(client.get("/").text, "html.parser")
    assert page.html["lang"] == "en"


def test_accept_language_english(client):
    page = BeautifulSoup(client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).text,
                         "html.parser")
    assert page.html["lang"] == "en"


def test_healthz(client):
    assert client.get("/healthz").json == {"status": "ok"}


def test_certificate_page_found_by_any_spelling(client, make_certificate):
    cert = make_certificate(certificate_number="027-26-Q-10403-R0")
    for spelling in ("027-26-Q-10403-R0", "02726q10403r0", "027%2F26%2FQ%2F10403%2FR0"):
        response = client.get(f"/certificates/{spelling}")
        assert response.status_code == 200, spelling
        assert cert.holder_name_zh in response.text
