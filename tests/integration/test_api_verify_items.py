"""`POST /api/v1/certificates/verify` with items, and `?holder_name=` on one record (#12)."""

import json
from datetime import date

import pytest

from portal.domain.codes import make_credit_code
from portal.services import alerts as alert_service
from tests.factories import NOW

VERIFY = "/api/v1/certificates/verify"


@pytest.fixture
def certs(make_certificate):
    public = make_certificate(certificate_number="02724Q10856R3M",
                              holder_name_zh="上海华虹电子有限公司",
                              holder_name_en="Shanghai Huahong Electronics Co., Ltd.",
                              credit_code=make_credit_code("91310000MA1K12345"))
    secret = make_certificate(certificate_number="02724Q20001R3M", restricted=True,
                              holder_name_zh="上海保密机电有限公司",
                              credit_code=make_credit_code("91310000MA1K54321"))
    return public, secret


def results(client, items):
    response = client.post(VERIFY, json={"items": items})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["results"]


def test_number_with_another_company_name_is_flagged(client, certs):
    public, _ = certs
    out = results(client, [
        {"certificate_number": public.certificate_number, "holder_name": "苏州伪造贸易有限公司"},
        {"certificate_number": public.certificate_number, "holder_name": "上海華虹電子有限責任公司"},
        {"certificate_number": public.certificate_number, "holder_name": "上海华虹电子股份有限公司"},
        {"certificate_number": public.certificate_number},
    ])
    assert [r["found"] for r in out] == [True] * 4
    assert [r["name_match"] for r in out] == ["no_match", "match", "probable", None]
    assert out[0]["holder_name"] == "苏州伪造贸易有限公司"
    assert out[0]["holder_name_zh"] == "上海华虹电子有限公司"


def test_credit_code_items_find_the_holder(client, certs):
    public, secret = certs
    out = results(client, [
        {"credit_code": public.credit_code, "holder_name": "Shanghai Huahong Electronics Ltd"},
        {"credit_code": public.credit_code[:17] + "0"},
        {"credit_code": secret.credit_code},
    ])
    assert out[0]["found"] is True and out[0]["matched_by"] == "credit_code"
    assert out[0]["registered_number"] == "02724Q10856R3M"
    assert out[0]["name_match"] == "match"
    assert out[1]["found"] is False and out[1]["did_you_mean"] == public.credit_code
    assert out[2]["found"] is False  # a restricted holder is not found by who it is


def test_restricted_certificate_gets_name_match_but_no_holder(client, certs):
    _, secret = certs
    response = client.post(VERIFY, json={"items": [
        {"certificate_number": secret.certificate_number, "holder_name": "上海保密机电有限公司"},
        {"certificate_number": secret.certificate_number, "holder_name": "上海保密机店有限公司"},
    ]})
    out = response.get_json()["results"]
    assert [r["name_match"] for r in out] == ["match", "no_match"]
    assert all(r["holder_name_zh"] is None and r["holder_name_en"] is None for r in out)
    assert "matched_former_name" not in out[0]
    text = json.dumps(out, ensure_ascii=False)
    assert text.count("保密机电") == 1  # only the caller's own text comes back


def test_counterfeit_numbers_are_flagged_in_both_bodies(client, certs):
    alert_service.create_alert("counterfeit_number", "027-99-Q-99999-R9M", description_zh="伪造",
                               published_on=date(2026, 1, 5), actor="test", now=NOW)
    old = client.post(VERIFY, json={"certificate_numbers": ["02799Q99999R9M",
                                                            "02724Q10856R3M"]}).get_json()
    new = results(client, [{"certificate_number": "02799q99999r9m", "holder_name": "某公司"}])
    assert [r["counterfeit"] for r in old["results"]] == [True, False]
    assert old["results"][0]["found"] is False
    assert new[0]["counterfeit"] is True and new[0]["name_match"] is None


def test_name_only_item_is_found_by_the_exact_name(client, certs):
    out = results(client, [{"holder_name": "上海華虹電子有限公司"}, {"holder_name": "无此公司"}])
    assert out[0]["found"] is True and out[0]["matched_by"] == "holder_name"
    assert out[0]["name_match"] == "match"
    assert out[1]["found"] is False


def test_one_record_with_holder_name(client, certs):
    public, secret = certs
    url = f"/api/v1/certificates/{public.certificate_number}"
    assert client.get(url, query_string={"holder_name": "别家公司"}).get_json()[
        "name_match"] == "no_match"
    assert client.get(url, query_string={"holder_name": "上海华虹电子"}).get_json()[
        "name_match"] == "match"
    assert "name_match" not in client.get(url).get_json()
    body = client.get(f"/api/v1/certificates/{secret.certificate_number}",
                      query_string={"holder_name": "上海保密机电有限公司"}).get_json()
    assert body["name_match"] == "match" and body["holder_name_zh"] is None


@pytest.mark.parametrize("items, where", [
    ("x", "items must be an array"),
    (["x"], "items[0] must be an object"),
    ([{}], "items[0] needs"),
    ([{"certificate_number": 5}], "items[0].certificate_number must be a string"),
    ([{"holder_name": "x" * 301}], "items[0].holder_name is longer"),
    ([{"certificate_number": "A1B2", "credit_code": "X"}], "not both"),
    ([{"number": "A1B2"}], "unknown field 'number'"),
])
def test_bad_items_are_400_naming_the_item(client, items, where):
    response = client.post(VERIFY, json={"items": items})
    assert response.status_code == 400
    assert where in response.get_json()["error"]["message"]


def test_more_than_1000_items_is_413(client):
    response = client.post(VERIFY, json={"items": [{"certificate_number": "A1B2"}] * 1001})
    assert response.status_code == 413


def test_one_record_rejects_a_huge_holder_name(client, certs):
    public, _ = certs
    response = client.get(f"/api/v1/certificates/{public.certificate_number}",
                          query_string={"holder_name": "x" * 1000})
    assert response.status_code == 400


def test_items_answers_match_the_openapi_document(client, certs):
    from tests.integration.test_api_certificates_openapi import matches

    public, secret = certs
    document = client.get("/api/v1/openapi.json").get_json()
    body = client.post(VERIFY, json={"items": [
        {"certificate_number": public.certificate_number, "holder_name": "别家公司"},
        {"certificate_number": secret.certificate_number, "holder_name": "上海保密机电有限公司"},
        {"credit_code": public.credit_code[:17] + "0", "holder_name": None},
        {"holder_name": "上海华虹电子有限公司"},
        {"certificate_number": "02799Q00000R0"},
    ]}).get_json()
    assert matches(document, "VerifyResponse", body) == []
    record = client.get(f"/api/v1/certificates/{public.certificate_number}",
                        query_string={"holder_name": "上海华虹电子"}).get_json()
    assert matches(document, "Certificate", record) == []
    request_schema = {"items": [{"certificate_number": "A1B2", "holder_name": "x"}]}
    assert matches(document, "VerifyRequest", request_schema) == []
    assert matches(document, "VerifyRequest", {"items": [{"number": "A1B2"}]}) != []
