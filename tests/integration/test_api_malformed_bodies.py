"""Every malformed body sent to the JSON API gets 400 (or 413) in the docs/contract.md §4 error shape (#13.11)."""

import json

import pytest

from portal.api import MAX_JSON_BYTES

URL = "/api/v1/certificates/verify"
JSON = "application/json"


def _nested(depth: int) -> bytes:
    return b'{"certificate_numbers": ' + b"[" * depth + b"]" * depth + b"}"


MALFORMED = [
    ("nested 100 000 deep", b"[" * 100_000 + b"]" * 100_000, JSON),
    ("nested in the field", _nested(50_000), JSON),
    ("nested 500 deep (parses, still refused)", _nested(500), JSON),
    ("objects nested", b'{"a":' * 20_000 + b"1" + b"}" * 20_000, JSON),
    ("invalid UTF-8", b'{"certificate_numbers": ["\xff\xfe"]}', JSON),
    ("UTF-16 garbage", b"\xff\xfe\x00garbage", JSON),
    ("truncated", b'{"certificate_numbers": ["02722Q1', JSON),
    ("empty", b"", JSON),
    ("not JSON", b"certificate_numbers=02722Q10234R3M", JSON),
    ("a number with 5000 digits", b'{"certificate_numbers": [' + b"1" * 5000 + b"]}", JSON),
    ("huge exponent", b"1e999999", JSON),
    ("NaN", b'{"certificate_numbers": NaN}', JSON),
    ("wrong type: string", b'{"certificate_numbers": "02722Q10234R3M"}', JSON),
    ("wrong type: numbers", b'{"certificate_numbers": [1, 2]}', JSON),
    ("wrong type: object", b'{"certificate_numbers": {"a": 1}}', JSON),
    ("wrong type: null", b"null", JSON),
    ("wrong type: array", b'["02722Q10234R3M"]', JSON),
    ("lone surrogate", b'{"certificate_numbers": ["\\ud800"]}', JSON),
    ("NUL", b'{"certificate_numbers": ["0272\\u00002Q"]}', JSON),
    ("NUL in a key", b'{"certificate\\u0000_numbers": []}', JSON),
    ("sent as a form", b"certificate_numbers=02722Q10234R3M",
     "application/x-www-form-urlencoded"),
    ("sent as multipart", b"--x\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--x--\r\n",
     "multipart/form-data; boundary=x"),
    ("XML", b"<certificate_numbers/>", "application/xml"),
]


@pytest.mark.parametrize("name, body, content_type", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_body_gets_400_in_the_error_shape(client, name, body, content_type):
    response = client.post(URL, data=body, content_type=content_type)
    assert response.status_code == 400, name
    error = response.get_json()["error"]
    assert error["code"] and error["message"]


def test_body_over_the_limit_gets_413(client):
    body = json.dumps({"certificate_numbers": ["A" * (MAX_JSON_BYTES + 10)]}).encode()
    response = client.post(URL, data=body, content_type=JSON)
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"


def test_deep_nesting_says_what_is_wrong(client):
    response = client.post(URL, data=_nested(50_000), content_type=JSON)
    assert "nested" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("content_type", [JSON, "application/json; charset=utf-8", "text/plain"])
def test_a_well_formed_body_still_works(client, make_certificate, content_type):
    cert = make_certificate()
    body = json.dumps({"certificate_numbers": [cert.certificate_number]})
    response = client.post(URL, data=body, content_type=content_type)
    assert response.status_code == 200
    assert response.get_json()["results"][0]["found"] is True


@pytest.fixture
def app_config(tmp_path):
    from tests import conftest

    return conftest.test_config(tmp_path, HANDLE_ALL_ERRORS=True)  # 500s as production has them
