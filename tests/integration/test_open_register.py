"""/register.csv and /register.json: the public register with a stable schema and an ETag."""

import csv
import io
import json
from datetime import UTC, date, datetime

from portal.domain.status import CertificateStatus
from portal.extensions import db
from portal.services import certificates as certificate_service
from portal.services import open_register
from portal.services.open_register import FIELDS


def get(client, url: str, **kwargs):
    """GET and read the whole (streamed) body, closing the response."""
    response = client.get(url, **kwargs)
    response.get_data()
    response.close()
    return response


def csv_rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_csv_has_the_documented_columns_and_every_certificate(client, make_certificate):
    a = make_certificate(holder_name_zh="上海甲有限公司", former_names=["上海旧名有限公司"])
    b = make_certificate(status="suspended", status_date=date(2026, 10, 1), status_reason="监督")
    streamed = client.get("/register.csv")
    assert streamed.is_streamed  # rows are written as they are read, not held in memory
    streamed.close()
    response = get(client, "/register.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert tuple(table[0]) == FIELDS
    rows = {r["certificate_number"]: r for r in csv_rows(response)}
    assert rows[a.certificate_number]["holder_name_zh"] == "上海甲有限公司"
    assert rows[a.certificate_number]["former_names"] == "上海旧名有限公司"
    assert rows[b.certificate_number]["status"] == "suspended"
    assert rows[b.certificate_number]["status_reason"] == "监督"
    assert rows[a.certificate_number]["verify_url"].startswith(
        "http://verify.example.test/certificates/")
    assert 'rel="license"' in response.headers["Link"]


def test_json_carries_schema_licence_and_derived_status(client, make_certificate):
    cert = make_certificate(issue_date=date(2020, 1, 1), expiry_date=date(2023, 1, 1))
    body = json.loads(get(client, "/register.json").data)
    assert body["schema_version"] == "1" and body["fields"] == list(FIELDS)
    assert body["licence"] == {"name": "CC-BY-4.0",
                               "url": "https://creativecommons.org/licenses/by/4.0/"}
    [record] = body["certificates"]
    assert record["certificate_number"] == cert.certificate_number
    assert record["status"] == "expired"  # derived, as on the certificate page
    assert list(record) == list(FIELDS)


def test_restricted_certificates_lack_hidden_fields(client, make_certificate):
    cert = make_certificate(restricted=True, holder_name_zh="保密客户有限公司",
                            holder_name_en="Secret Client Ltd.", address_zh="上海市保密路1号",
                            scope_zh="保密范围", status_reason="保密原因")
    csv_body = get(client, "/register.csv").data.decode("utf-8-sig")
    json_body = get(client, "/register.json").data.decode()
    for body in (csv_body, json_body):
        for secret in ("保密客户", "Secret Client", "保密路", "保密范围", "保密原因",
                       cert.credit_code):
            assert secret not in body
    [record] = json.loads(json_body)["certificates"]
    assert "holder_name_zh" not in record and "credit_code" not in record
    assert record["restricted"] is True and record["standard"] == cert.standard
    [row] = list(csv.DictReader(io.StringIO(csv_body)))
    assert row["holder_name_zh"] == "" and row["restricted"] == "true"


def test_etag_gives_304_until_the_register_changes(client, make_certificate):
    cert = make_certificate()
    for fmt in ("csv", "json"):
        first = get(client, f"/register.{fmt}")
        etag = first.headers["ETag"]
        assert etag.startswith('"') and not etag.startswith("W/")  # strong
        again = get(client, f"/register.{fmt}", headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.data == b""
        assert again.headers["ETag"] == etag
    etag = get(client, "/register.csv").headers["ETag"]
    assert get(client, "/register.json").headers["ETag"] != etag  # one tag per representation
    certificate_service.change_status(cert, CertificateStatus.SUSPENDED,
                                      effective=date(2026, 11, 25), reason="x", actor="t",
                                      now=datetime(2026, 11, 25, 1, tzinfo=UTC))
    db.session.commit()
    changed = get(client, "/register.csv", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_same_register_gives_the_same_bytes(client, make_certificate):
    make_certificate()
    make_certificate(restricted=True)
    assert get(client, "/register.json").data == get(client, "/register.json").data
    assert get(client, "/register.csv").data == get(client, "/register.csv").data


def test_formulas_are_neutralised_in_csv(client, make_certificate):
    make_certificate(holder_name_zh="=cmd|' /C calc'!A0")
    [row] = csv_rows(get(client, "/register.csv"))
    assert row["holder_name_zh"] == "'=cmd|' /C calc'!A0"


def test_empty_register_is_valid_json(client):
    body = json.loads(get(client, "/register.json").data)
    assert body["certificates"] == []


def test_many_rows_stream_in_chunks(app, make_certificate):
    for _ in range(450):
        make_certificate()
    chunks = list(open_register.json_chunks(date(2026, 12, 3), "v"))
    assert len(chunks) >= 4  # head, 200, 200, 50, tail
    assert len(json.loads(b"".join(chunks))["certificates"]) == 450
