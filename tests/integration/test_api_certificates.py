"""The certificate JSON API: one record, the batch check, and the docs/contract.md §4 error shape."""

import json
from datetime import timedelta
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event

from portal import clock
from portal.domain.records import CERTIFICATE_COLUMNS
from portal.domain.status import CertificateStatus
from portal.extensions import db
from portal.models import Audit, AuditType
from portal.services import certificates as certificate_service
from tests.factories import NOW

VERIFY = "/api/v1/certificates/verify"


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["message"]
    if code:
        assert body["error"]["code"] == code
    return body["error"]


def test_record_has_every_field_by_csv_name(client, make_certificate):
    cert = make_certificate(certificate_number="SQI/FW/2025/0003",
                            sites=["江苏省苏州市星湖街1号", "浙江省嘉兴市中山路2号"],
                            former_names=["上海旧名有限公司"])
    db.session.add(Audit(certificate=cert, audit_type=AuditType.INITIAL,
                         audit_date=cert.initial_issue_date))
    db.session.commit()
    response = client.get("/api/v1/certificates/SQI%2FFW%2F2025%2F0003")
    assert response.status_code == 200
    body = response.get_json()
    assert set(CERTIFICATE_COLUMNS) <= set(body)
    assert body["certificate_number"] == "SQI/FW/2025/0003"
    assert body["holder_name_zh"] == cert.holder_name_zh
    assert body["sites"] == ["江苏省苏州市星湖街1号", "浙江省嘉兴市中山路2号"]
    assert body["former_names"] == ["上海旧名有限公司"]
    assert body["restricted"] is False
    assert body["issue_date"] == "2025-03-01" and body["expiry_date"] == "2028-02-28"
    assert body["initial_issue_date"] == "2019-03-01"
    assert body["status"] == "valid"
    assert body["status_history"] == [{"status": "valid", "date": "2019-03-01", "reason": None}]
    assert body["audits"] == [{"audit_type": "initial", "audit_date": "2019-03-01"}]
    assert body["verify_url"] == "http://verify.example.test/certificates/SQI%2FFW%2F2025%2F0003"
    assert body["updated_at"] == "2026-11-24T02:00:00Z"


@pytest.mark.parametrize("spelling", ["SQI/FW/2025/0003", "SQI%2FFW%2F2025%2F0003",
                                      "sqifw20250003", "SQI-FW-2025-0003"])
def test_record_found_by_any_spelling(client, make_certificate, spelling):
    make_certificate(certificate_number="SQI/FW/2025/0003")
    assert client.get(f"/api/v1/certificates/{spelling}").status_code == 200


def test_history_has_public_reasons_but_never_internal_notes(client, make_certificate):
    cert = make_certificate()
    certificate_service.change_status(cert, CertificateStatus.SUSPENDED,
                                      effective=clock.today(), reason="未按期接受监督审核",
                                      note="内部备注：客户拖欠费用", actor="registrar@example.test",
                                      now=NOW)
    db.session.commit()
    response = client.get(f"/api/v1/certificates/{cert.certificate_number}")
    body = response.get_json()
    assert body["status"] == "suspended"
    assert body["status_reason"] == "未按期接受监督审核"
    assert body["status_history"][-1] == {"status": "suspended",
                                          "date": clock.today().isoformat(),
                                          "reason": "未按期接受监督审核"}
    raw = response.get_data(as_text=True)
    assert "客户拖欠费用" not in json.loads(json.dumps(raw)) and "客户拖欠费用" not in str(body)
    assert "registrar@example.test" not in str(body)


def test_restricted_record_gives_only_what_spec_allows(client, make_certificate):
    cert = make_certificate(restricted=True, sites=["江苏省苏州市星湖街1号"],
                            former_names=["保密旧名有限公司"], status="suspended",
                            status_date=clock.today(), status_reason="保密公司未接受审核")
    body = client.get(f"/api/v1/certificates/{cert.certificate_number}").get_json()
    text = json.dumps(body, ensure_ascii=False)
    for hidden in (cert.holder_name_zh, cert.holder_name_en, cert.credit_code, cert.address_zh,
                   cert.scope_zh, "星湖街", "保密旧名有限公司", "保密公司未接受审核"):
        assert hidden not in text, hidden
    assert body["restricted"] is True
    assert body["certificate_number"] == cert.certificate_number
    assert body["scheme"] == "QMS" and body["standard"] == cert.standard
    assert body["status"] == "suspended" and body["expiry_date"] == "2028-02-28"
    for name in ("holder_name_zh", "holder_name_en", "credit_code", "address_zh", "scope_zh",
                 "sites", "former_names", "status_reason", "audits"):
        assert body[name] is None, name
    assert [e["reason"] for e in body["status_history"]] == [None, None]


def test_unknown_number_is_404_in_error_shape(client):
    error = assert_error(client.get("/api/v1/certificates/02799Q99999R9M"), 404, "not_found")
    assert "certification body" in error["message"]


def test_a_number_one_slip_away_is_offered_with_the_404(client, make_certificate):
    make_certificate(certificate_number="02724Q10856R3M", status=CertificateStatus.SUSPENDED)
    secret = make_certificate(certificate_number="02724Q10856R4M", restricted=True,
                              holder_name_zh="上海保密客户有限公司")
    response = client.get("/api/v1/certificates/02724Q10865R3M")  # two digits swapped
    assert response.status_code == 404
    error = response.get_json()["error"]
    assert error["code"] == "not_found"
    offered = {n["certificate_number"]: n for n in error["did_you_mean"]}
    assert set(offered) == {"02724Q10856R3M"}  # R4M is two slips away
    assert offered["02724Q10856R3M"]["status"] == "suspended"
    assert offered["02724Q10856R3M"]["verify_url"].endswith("/certificates/02724Q10856R3M")
    # A restricted neighbour: its number and status, never its holder.
    error = client.get("/api/v1/certificates/02724Q10856R4N").get_json()["error"]
    assert [n["certificate_number"] for n in error["did_you_mean"]] == ["02724Q10856R4M"]
    assert secret.holder_name_zh not in json.dumps(error, ensure_ascii=False)
    assert set(error["did_you_mean"][0]) == {"certificate_number", "status", "verify_url"}


@pytest.mark.parametrize("number", ["%E2%98%83", "ab", "--", "%3Cscript%3E", "A" * 300])
def test_malformed_number_is_400_in_error_shape(client, number):
    assert_error(client.get(f"/api/v1/certificates/{number}"), 400, "malformed_number")


def test_record_has_etag_and_revalidates(client, make_certificate):
    cert = make_certificate()
    url = f"/api/v1/certificates/{cert.certificate_number}"
    first = client.get(url)
    assert first.headers["Cache-Control"] == "no-cache"
    etag = first.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    certificate_service.change_status(cert, CertificateStatus.SUSPENDED,
                                      effective=clock.today(), reason="暂停", actor="r", now=NOW)
    db.session.commit()
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.get_json()["status"] == "suspended"


# --- expired derived everywhere --------------------------------------------------------------

def test_expired_in_record_and_verify_though_stored_valid(client, make_certificate):
    today = clock.today()
    cert = make_certificate(issue_date=today - timedelta(days=1000),
                            expiry_date=today - timedelta(days=1))
    assert cert.status is CertificateStatus.VALID
    body = client.get(f"/api/v1/certificates/{cert.certificate_number}").get_json()
    assert body["status"] == "expired"
    assert body["status_history"][-1] == {"status": "expired", "date": today.isoformat(),
                                          "reason": None, "derived": True}
    result = client.post(VERIFY, json={"certificate_numbers": [cert.certificate_number]})
    assert result.get_json()["results"][0]["status"] == "expired"


# --- POST /api/v1/certificates/verify ----------------------------------------------------------

def test_verify_answers_in_input_order(client, make_certificate):
    first = make_certificate(certificate_number="SQI/FW/2025/0003")
    second = make_certificate(status="withdrawn", status_date=clock.today())
    hidden = make_certificate(restricted=True)
    numbers = [second.certificate_number.lower(), "02799Q99999R9M", "sqi-fw-2025-0003",
               "not a number!", hidden.certificate_number, "SQI/FW/2025/0003"]
    response = client.post(VERIFY, json={"certificate_numbers": numbers})
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [r["certificate_number"] for r in results] == numbers
    assert [r["found"] for r in results] == [True, False, True, False, True, True]
    assert [r["status"] for r in results] == ["withdrawn", None, "valid", None, "valid",
                                              "valid"]
    assert results[1]["well_formed"] is True and results[3]["well_formed"] is False
    assert results[2]["holder_name_zh"] == first.holder_name_zh
    assert results[2]["registered_number"] == "SQI/FW/2025/0003"
    assert results[2]["verify_url"].endswith("/certificates/SQI%2FFW%2F2025%2F0003")
    assert results[2]["scheme"] == "QMS" and results[2]["expiry_date"] == "2028-02-28"
    assert results[4]["holder_name_zh"] is None and results[4]["restricted"] is True
    assert hidden.holder_name_zh not in response.get_data(as_text=True)


def test_verify_uses_one_query_for_a_thousand_numbers(client, make_certificate, app):
    certs = [make_certificate() for _ in range(5)]
    numbers = [c.certificate_number for c in certs] + [f"02799Q{i:05d}R0" for i in range(995)]
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        if "certificates" in statement and statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.post(VERIFY, json={"certificate_numbers": numbers})
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    assert sum(r["found"] for r in response.get_json()["results"]) == 5
    # The batch itself, and one statement for the "did you mean" of the first unknown numbers
    # (issue #21): still two, whatever the batch size.
    assert len(statements) == 2


def test_verify_empty_list_is_fine(client):
    assert client.post(VERIFY, json={"certificate_numbers": []}).get_json()["results"] == []


def test_verify_more_than_1000_is_413(client):
    error = assert_error(client.post(VERIFY, json={"certificate_numbers": ["A1B2"] * 1001}),
                         413, "too_many_numbers")
    assert "1000" in error["message"]


@pytest.mark.parametrize("body, content_type", [
    (b"not json", "application/json"),
    (b"", "application/json"),
    (b"{\"certificate_numbers\": [", "application/json"),
    (b"[\"02722Q10234R3M\"]", "application/json"),
    (b"{}", "application/json"),
    (b"{\"numbers\": [\"02722Q10234R3M\"]}", "application/json"),
    (b"{\"certificate_numbers\": \"02722Q10234R3M\"}", "application/json"),
    (b"{\"certificate_numbers\": [1, 2]}", "application/json"),
    (b"{\"certificate_numbers\": [null]}", "application/json"),
    (b"{\"certificate_numbers\": [[\"x\"]]}", "application/json"),
    (b"certificate_numbers=02722Q10234R3M", "application/x-www-form-urlencoded"),
])
def test_verify_bad_body_is_400(client, body, content_type):
    assert_error(client.post(VERIFY, data=body, content_type=content_type), 400)


def test_verify_names_the_bad_item(client):
    error = assert_error(client.post(VERIFY, json={"certificate_numbers": ["A1B2C3", 7]}), 400,
                         "invalid_parameter")
    assert "certificate_numbers[1]" in error["message"]


def test_verify_accepts_json_without_content_type(client, make_certificate):
    cert = make_certificate()
    body = json.dumps({"certificate_numbers": [cert.certificate_number]})
    response = client.post(VERIFY, data=body, content_type="text/plain")
    assert response.get_json()["results"][0]["found"] is True


# --- JSON errors on every /api/ path -----------------------------------------------------------

@pytest.mark.parametrize("method, path, status", [
    ("GET", "/api/v1/nope", 404),
    ("GET", "/api/v2/certificates/02722Q10234R3M", 404),
    ("DELETE", VERIFY, 405),
    ("GET", VERIFY, 405),
    ("GET", "/api/v1/openapi.json/x", 404),
    ("PUT", "/api/v1/certificates/02722Q10234R3M", 405),
    ("POST", "/api/v1/openapi.json", 405),
])
def test_api_errors_are_json(client, method, path, status):
    assert_error(client.open(path, method=method), status)


# --- never a 500 --------------------------------------------------------------------------------

WEIRD = st.one_of(
    st.text(min_size=1, max_size=80),
    st.text(alphabet=st.characters(blacklist_categories=()), min_size=1, max_size=20),
    st.sampled_from(["\x00", "A\x00B1234", "🙂🙂🙂", "A" * 10000, "\ud800", "\x1b[31m",
                     "../../etc/passwd", "%00", "' OR 1=1 --", "02722Q10234R3M\n"]),
)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(number=WEIRD)
def test_record_never_fails_on_any_number(client, number):
    path = "/api/v1/certificates/" + quote(number, safe="", errors="surrogatepass")
    response = client.get(path)
    assert response.status_code in (200, 400, 404, 308)
    if response.status_code in (400, 404):
        assert "error" in response.get_json()


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(numbers=st.lists(WEIRD, max_size=8))
def test_verify_never_fails_on_any_numbers(client, numbers):
    body = json.dumps({"certificate_numbers": numbers})
    response = client.post(VERIFY, data=body, content_type="application/json")
    assert response.status_code in (200, 400)
    payload = response.get_json()
    if response.status_code == 200:
        assert [r["certificate_number"] for r in payload["results"]] == numbers
    else:
        assert set(payload["error"]) == {"code", "message"}
