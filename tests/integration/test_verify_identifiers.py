"""`/verify`: one box for any identifier, the printed name checked with the number (#12)."""

from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup

from portal.domain.codes import make_credit_code
from portal.extensions import db
from portal.services import alerts as alert_service
from portal.services import certificates as certificate_service
from tests.factories import NOW, certificate_data


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def verdict(response) -> str | None:
    node = soup(response).select_one("[data-name-match]")
    return node["data-name-match"] if node else None


def main_text(response) -> str:
    return soup(response).select_one("main").get_text(" ", strip=True)


@pytest.fixture
def holder(make_certificate):
    return make_certificate(certificate_number="02724Q10856R3M",
                            holder_name_zh="上海华虹电子有限公司",
                            holder_name_en="Shanghai Huahong Electronics Co., Ltd.")


# -- point 1: number and name together -------------------------------------------------------

def test_number_with_another_company_name_does_not_match(client, holder):
    response = client.get("/verify", query_string={"number": holder.certificate_number,
                                                   "name": "苏州伪造贸易有限公司", "lang": "en"})
    assert response.status_code == 200
    assert verdict(response) == "no_match"
    heading = soup(response).select_one("h1").get_text(" ", strip=True)
    assert "does not match" in heading
    assert "苏州伪造贸易有限公司" in main_text(response)
    assert "上海华虹电子有限公司" in main_text(response)  # a public holder is named


@pytest.mark.parametrize("printed", ["上海華虹電子有限公司", "上海华虹电子有限责任公司",
                                     "SHANGHAI HUAHONG ELECTRONICS LIMITED",
                                     "上海华虹电子有限公司 "])
def test_number_with_the_holders_name_in_any_spelling_matches(client, holder, printed):
    response = client.get("/verify", query_string={"number": "02724-Q-10856-R3M",
                                                   "name": printed})
    assert verdict(response) == "match"


def test_typo_in_the_name_is_a_probable_match(client, holder):
    response = client.get("/verify", query_string={"number": holder.certificate_number,
                                                   "name": "上海华红电子有限公司", "lang": "en"})
    assert verdict(response) == "probable"
    assert "check the spelling" in main_text(response)


def test_former_name_matches_with_the_rename_date(client, app, holder):
    data = certificate_data(certificate_number=holder.certificate_number,
                            holder_name_zh="上海华虹半导体有限公司",
                            holder_name_en=holder.holder_name_en,
                            credit_code=holder.credit_code)
    certificate_service.update_certificate(holder, data, actor="test", now=NOW)
    db.session.commit()
    response = client.get("/verify", query_string={"number": holder.certificate_number,
                                                   "name": "上海华虹电子有限公司", "lang": "en"})
    assert verdict(response) == "match"
    assert "former name" in main_text(response)
    assert "2026" in soup(response).select_one(".verdict__former").get_text()


def test_restricted_certificate_answers_without_naming_the_holder(client, make_certificate):
    secret = make_certificate(restricted=True, holder_name_zh="上海保密机电有限公司",
                              holder_name_en="Shanghai Secret Mechatronics Co., Ltd.")
    right = client.get("/verify", query_string={"number": secret.certificate_number,
                                                "name": "上海保密机电有限公司"})
    assert verdict(right) == "match"
    near = client.get("/verify", query_string={"number": secret.certificate_number,
                                               "name": "上海保密机店有限公司"})
    wrong = client.get("/verify", query_string={"number": secret.certificate_number,
                                                "name": "苏州别家有限公司"})
    assert verdict(near) == "no_match" and verdict(wrong) == "no_match"
    for response in (right, near, wrong):
        text = response.get_data(as_text=True)
        assert soup(response).select_one(".verdict__holder") is None
        assert "Secret Mechatronics" not in text  # only what the reader typed comes back
    assert "保密机电" not in near.get_data(as_text=True)  # no "did you mean"
    assert "保密机电" not in wrong.get_data(as_text=True)


def test_certificate_page_offers_the_name_check(client, holder):
    page = soup(client.get(f"/certificates/{holder.certificate_number}"))
    form = page.select_one(".name-check form")
    assert form["method"] == "get" and form["action"] == "/verify"
    assert form.select_one("input[name=number]")["value"] == holder.certificate_number
    assert form.select_one("label[for=name-check-name]") is not None


def test_qr_landing_page_offers_the_name_check(client, app, holder):
    from portal.services import qr as qr_service

    page = soup(client.get(qr_service.code_path(holder, app.config)))
    form = page.select_one(".name-check form")
    assert form is not None and form["action"] == "/verify"
    assert form.select_one("input[name=number]")["value"] == holder.certificate_number
    response = client.get(form["action"], query_string={"number": holder.certificate_number,
                                                        "name": "苏州伪造贸易有限公司"})
    assert verdict(response) == "no_match"


def test_verify_without_a_name_still_goes_to_the_certificate(client, holder):
    response = client.get("/verify?number=02724q10856r3m")
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/certificates/02724Q10856R3M"


# -- point 3: one box for any identifier -----------------------------------------------------

def test_credit_code_leads_to_the_holders_certificate(client, holder):
    response = client.get("/verify", query_string={"number": holder.credit_code.lower()})
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/certificates/02724Q10856R3M"


def test_credit_code_of_several_certificates_lists_them(client, make_certificate):
    code = make_credit_code("91310000MA1K77777")
    first = make_certificate(credit_code=code)
    second = make_certificate(credit_code=code, scheme="EMS")
    response = client.get("/verify", query_string={"number": code})
    assert response.status_code == 200
    text = main_text(response)
    assert first.certificate_number in text and second.certificate_number in text
    assert "forged" not in text and "伪造" not in text


def test_credit_code_with_a_wrong_check_digit_says_did_you_mean(client, holder):
    wrong = holder.credit_code[:17] + ("0" if holder.credit_code[17] != "0" else "1")
    response = client.get("/verify", query_string={"number": wrong, "lang": "en"})
    assert response.status_code == 404
    link = soup(response).select_one("main a[href^='/verify']")
    assert parse_qs(urlsplit(link["href"]).query)["number"] == [holder.credit_code]
    assert "forged" not in main_text(response) and "counterfeit" not in main_text(response)


def test_unknown_valid_credit_code_does_not_talk_of_forgery(client, app):
    response = client.get("/verify", query_string={"number": make_credit_code(
        "91310000MA1K00000"), "lang": "en"})
    assert response.status_code == 404
    assert "No certificate for this credit code" in main_text(response)
    assert "counterfeit" not in main_text(response)


@pytest.mark.parametrize("name", ["上海华虹电子", "Huahong Electronics"])
def test_a_name_goes_to_search_keeping_the_query(client, app, name):
    response = client.get("/verify", query_string={"number": name})
    assert response.status_code == 302
    target = urlsplit(response.location)
    assert target.path == "/search" and parse_qs(target.query)["q"] == [name]


# -- point 4: a mistyped number gets help ----------------------------------------------------

def test_swapped_digits_offer_the_nearest_number_before_forgery(client, holder):
    response = client.get("/verify", query_string={"number": "02724Q10865R3M", "lang": "en"})
    assert response.status_code == 404
    page = soup(response)
    near = page.select_one(".nf-near")
    assert near is not None and "02724Q10856R3M" in near.get_text()
    text = str(page.select_one("main"))
    assert text.index("02724Q10856R3M") < text.index("counterfeit")


def test_certificate_page_404_offers_nearest_numbers_too(client, holder):
    response = client.get("/certificates/02724Q1085R3M")  # one digit left out
    assert "02724Q10856R3M" in soup(response).select_one(".nf-near").get_text()


def test_nearest_numbers_never_name_a_restricted_holder(client, make_certificate):
    make_certificate(certificate_number="02724Q20001R3M", restricted=True,
                     holder_name_zh="上海保密机电有限公司")
    response = client.get("/verify", query_string={"number": "02724Q20010R3M"})
    assert "02724Q20001R3M" in soup(response).select_one(".nf-near").get_text()
    assert "保密机电" not in response.get_data(as_text=True)


def test_counterfeit_number_is_flagged_on_the_page(client, app):
    alert_service.create_alert("counterfeit_number", "02799Q99999R9M", description_zh="伪造",
                               published_on=date(2026, 1, 5), actor="test", now=NOW)
    response = client.get("/verify", query_string={"number": "02799Q99999R9M", "lang": "en"})
    assert response.status_code == 404
    assert "known counterfeit" in main_text(response)
