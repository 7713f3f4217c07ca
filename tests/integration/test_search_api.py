"""GET /api/v1/certificates: the docs/contract.md §4 shape, every kind of query, filters, and bad input."""

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal import clock
from portal.domain.codes import CREDIT_CODE_CHARSET, make_credit_code
from portal.domain.status import CertificateStatus
from portal.extensions import db
from portal.services import certificates as certificate_service
from tests.factories import NOW
from tests.unit.test_search_index import NASTY

CREDIT = make_credit_code("91310115MA1H00001")
WRONG_CHECK = CREDIT[:17] + next(c for c in CREDIT_CODE_CHARSET if c != CREDIT[17])


def api(client, **params):
    response = client.get("/api/v1/certificates", query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def numbers(body):
    return [r["certificate_number"] for r in body["results"]]


@pytest.fixture
def huahong(make_certificate):
    return make_certificate(
        certificate_number="02722Q10234R3M", holder_name_zh="上海华虹电子有限公司",
        holder_name_en="Shanghai Huahong Electronics Co., Ltd.",
        former_names=["上海虹光微电子有限公司"], credit_code=CREDIT)


def test_results_have_the_spec_fields_from_the_database(client, huahong):
    body = api(client, q="华虹电子")
    assert body["total"] == 1 and body["page"] == 1 and body["per_page"] == 20
    result = body["results"][0]
    assert result["certificate_number"] == "02722Q10234R3M"
    assert result["holder_name_zh"] == "上海华虹电子有限公司"
    assert result["holder_name_en"] == "Shanghai Huahong Electronics Co., Ltd."
    assert result["scheme"] == "QMS" and result["status"] == "valid"
    assert result["expiry_date"] == huahong.expiry_date.isoformat()
    assert result["verify_url"].endswith("/certificates/02722Q10234R3M")


@pytest.mark.parametrize("typed", ["虹电", "華虹電子", "华虹电子有限责任公司",
                                   "huahong electornics", "02722q10234r3m", "027 22 Q 10234 R3M",
                                   "027-22-q-10234-r3m",
                                   CREDIT.lower(), "虹光微电子"])
def test_each_kind_of_query_finds_the_certificate(client, huahong, typed):
    assert numbers(api(client, q=typed))[:1] == ["02722Q10234R3M"]


def test_malformed_credit_code_gets_a_did_you_mean(client, huahong):
    body = api(client, q=WRONG_CHECK)
    assert body["did_you_mean"] == CREDIT


def test_restricted_certificates_are_left_out_of_search(client, make_certificate):
    make_certificate(holder_name_zh="上海保密客户有限公司", certificate_number="02722Q99999R1M",
                     restricted=True)
    assert api(client, q="保密客户")["total"] == 0
    assert api(client, q="02722Q99999R1M")["total"] == 0


def test_a_certificate_made_restricted_leaves_the_index(client, huahong):
    assert api(client, q="华虹")["total"] == 1
    data = certificate_service.snapshot(huahong)
    huahong.restricted = True
    certificate_service.note_changed(huahong, NOW)
    db.session.commit()
    assert api(client, q="华虹")["total"] == 0
    assert data["certificate_number"] == "02722Q10234R3M"


def test_a_status_change_is_searchable_at_once(client, huahong):
    certificate_service.change_status(huahong, CertificateStatus.SUSPENDED, effective=NOW.date(),
                                      reason="未按期接受监督审核", actor="test", now=NOW)
    db.session.commit()
    assert numbers(api(client, q="华虹", status="suspended")) == ["02722Q10234R3M"]
    assert api(client, q="华虹", status="valid")["total"] == 0


def test_expired_is_derived_from_today(client, make_certificate):
    make_certificate(holder_name_zh="过期测试有限公司", issue_date=date(2020, 1, 1),
                     expiry_date=clock.today() - timedelta(days=1))
    body = api(client, q="过期测试")
    assert body["results"][0]["status"] == "expired"
    assert api(client, q="过期测试", status="expired")["total"] == 1
    assert api(client, q="过期测试", status="valid")["total"] == 0


def test_filters_and_facets(client, make_certificate):
    make_certificate(holder_name_zh="苏州东方电子有限公司", scheme="QMS", province="江苏省")
    make_certificate(holder_name_zh="杭州东方电子有限公司", scheme="EMS", province="浙江省",
                     standard="GB/T 24001-2016/ISO 14001:2015")
    body = api(client, q="东方电子", scheme="ems")
    assert body["total"] == 1 and body["results"][0]["scheme"] == "EMS"
    assert body["facets"]["scheme"] == {"QMS": 1, "EMS": 1}
    assert api(client, q="东方电子", province="江苏省")["results"][0]["province"] == "江苏省"


def test_pagination(client, make_certificate):
    for _ in range(5):
        make_certificate(holder_name_zh="宁波分页测试有限公司")
    first = api(client, q="分页测试", per_page=2)
    third = api(client, q="分页测试", per_page=2, page=3)
    assert first["total"] == 5 and len(first["results"]) == 2 and len(third["results"]) == 1
    assert not set(numbers(first)) & set(numbers(third))


@pytest.mark.parametrize("params", [{"page": "0"}, {"page": "x"}, {"per_page": "1000"},
                                    {"per_page": "-1"}, {"scheme": "NOPE"}, {"status": "lost"},
                                    {"sort": "random"}, {"page": "99999999999"}])
def test_bad_parameters_get_a_400_in_the_spec_shape(client, params):
    response = client.get("/api/v1/certificates", query_string={"q": "x", **params})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"
    assert response.get_json()["error"]["message"]


@pytest.mark.parametrize("text", NASTY)
def test_no_query_text_causes_a_server_error(client, huahong, text):
    assert client.get("/api/v1/certificates", query_string={"q": text}).status_code == 200
    assert client.get("/search", query_string={"q": text}).status_code == 200


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.text(max_size=400), scheme=st.sampled_from(["", "QMS", "qms", "x"]),
       status=st.sampled_from(["", "expired", "valid", "?"]), page=st.text(max_size=4))
def test_random_input_never_causes_a_server_error(client, huahong, q, scheme, status, page):
    params = {"q": q, "scheme": scheme, "status": status, "page": page}
    api_response = client.get("/api/v1/certificates", query_string=params)
    assert api_response.status_code in (200, 400)
    assert client.get("/search", query_string=params).status_code == 200
