"""Verification receipts: made by a button, reopened by ID or QR, and they notice changes."""

import hashlib
import json
import re
from datetime import date, datetime

from bs4 import BeautifulSoup

from portal.domain.status import CertificateStatus
from portal.extensions import db
from portal.models.receipt import Receipt
from portal.services import certificates as certificate_service
from portal.services import receipts as receipt_service
from tests.factories import NOW
from tests.qr_support import decode_svg


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def make_receipt(client, number: str) -> str:
    response = client.post(f"/certificates/{number}/receipt")
    assert response.status_code == 303
    location = response.headers["Location"]
    assert re.fullmatch(r"/receipts/[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", location)
    return location


def test_opening_the_receipt_page_makes_no_receipt(client, make_certificate):
    cert = make_certificate(certificate_number="SQI/FW/2025/0003")
    response = client.get("/certificates/SQI/FW/2025/0003/receipt?lang=en")
    assert response.status_code == 200
    form = page(response).select_one("form.qr-receipt-form")
    assert form["method"] == "post"
    assert db.session.query(Receipt).count() == 0
    assert cert.certificate_number in response.text


def test_receipt_shows_id_time_data_and_the_record_hash(client, make_certificate):
    cert = make_certificate(holder_name_en="Tender Supplier Co., Ltd.")
    location = make_receipt(client, cert.certificate_number)
    soup = page(client.get(location + "?lang=en"))
    assert soup.select_one(".qr-receipt__id").text == location.rsplit("/", 1)[1]
    assert soup.select_one(".qr-receipt [data-changed=no]") or \
        soup.select_one(".qr-receipt")["data-changed"] == "no"
    assert "Tender Supplier Co., Ltd." in soup.select_one(".qr-receipt__record").text
    assert soup.select_one("time[datetime]") is not None
    receipt = db.session.query(Receipt).one()
    canonical = json.dumps(receipt.snapshot, sort_keys=True, ensure_ascii=False,
                           separators=(",", ":"))
    assert receipt.content_hash == hashlib.sha256(canonical.encode()).hexdigest()
    assert receipt.content_hash in soup.select_one(".qr-hash").text
    assert receipt.snapshot["public_status"] == "valid"


def test_receipt_qr_reopens_the_receipt(client, make_certificate):
    cert = make_certificate()
    location = make_receipt(client, cert.certificate_number)
    img = page(client.get(location)).select_one(".qr-receipt__qr img")
    svg = client.get(img["src"])
    assert svg.mimetype == "image/svg+xml"
    assert decode_svg(svg.data) == ["http://verify.example.test" + location]


def test_receipt_detects_a_later_status_change(client, make_certificate):
    cert = make_certificate()
    location = make_receipt(client, cert.certificate_number)
    certificate_service.change_status(cert, CertificateStatus.SUSPENDED,
                                      effective=date(2026, 11, 24), reason="未按期接受监督审核",
                                      actor="t", now=NOW)
    db.session.commit()
    soup = page(client.get(location + "?lang=en"))
    assert soup.select_one(".qr-receipt")["data-changed"] == "yes"
    stale = soup.select_one(".qr-copy--stale")
    assert "changed since this receipt was made" in stale.text
    assert stale.select_one(".badge--suspended") is not None
    row = soup.select_one("tr[data-field=public_status]")
    assert "Valid" in row.select("td")[0].text and "Suspended" in row.select("td")[1].text
    assert soup.select_one("tr[data-field=status_reason]") is not None
    # The record on the receipt is still what was true when it was made.
    assert soup.select_one(".qr-receipt__record .badge--valid") is not None


def test_receipt_detects_a_scope_change_and_reissue(client, make_certificate):
    cert = make_certificate(scope_zh="集成电路的设计和销售")
    location = make_receipt(client, cert.certificate_number)
    cert.scope_zh = "集成电路的设计"  # stands in for a registrar's correction
    certificate_service.reissue_certificate(cert, effective=date(2026, 11, 24), reason="x",
                                            actor="t", now=NOW)
    db.session.commit()
    soup = page(client.get(location + "?lang=zh"))
    fields = {row["data-field"] for row in soup.select("tr[data-field]")}
    assert fields == {"scope_zh", "issue_number"}


def test_receipt_id_is_read_in_any_case_without_dashes(client, make_certificate):
    cert = make_certificate()
    location = make_receipt(client, cert.certificate_number)
    plain = location.rsplit("/", 1)[1].replace("-", "").lower()
    assert client.get(f"/receipts/{plain}").status_code == 200


def test_unknown_receipt_is_an_explained_404(client):
    response = client.get("/receipts/AAAA-BBBB-CCCC?lang=en")
    assert response.status_code == 404
    assert "not issued by this portal" in response.text
    assert client.get("/receipts/x'--").status_code == 404
    assert client.get("/receipts/AAAA-BBBB-CCCC/qr.svg").status_code == 404


def test_receipt_ids_are_random_and_unguessable(app, make_certificate):
    cert = make_certificate()
    ids = {receipt_service.create_receipt(cert, now=NOW, today=date(2026, 11, 24)).id
           for _ in range(20)}
    assert len(ids) == 20
    assert all(len(i) == 12 and set(i) <= set(receipt_service.ID_ALPHABET) for i in ids)


def test_receipt_of_a_restricted_certificate_hides_the_holder(client, make_certificate):
    cert = make_certificate(restricted=True, holder_name_zh="保密控股有限公司",
                            holder_name_en="Confidential Holdings")
    location = make_receipt(client, cert.certificate_number)
    text = page(client.get(location)).text
    assert "保密控股" not in text and "Confidential Holdings" not in text
    cert.holder_name_zh = "保密控股二有限公司"
    db.session.commit()
    soup = page(client.get(location + "?lang=en"))
    assert soup.select_one(".qr-receipt")["data-changed"] == "yes"
    assert "保密控股" not in soup.text
    assert "Other details" in soup.select_one(".qr-copy--stale").text


def test_receipt_of_unknown_certificate_is_404(client):
    assert client.post("/certificates/02799Q99999R9M/receipt").status_code == 404
    assert db.session.query(Receipt).count() == 0


def test_receipt_detects_that_the_certificate_expired_since(client, make_certificate):
    import time_machine

    from portal.clock import CHINA

    cert = make_certificate(issue_date=date(2025, 3, 1), expiry_date=date(2028, 2, 28))
    with time_machine.travel(datetime(2028, 2, 28, 12, tzinfo=CHINA), tick=False):
        location = make_receipt(client, cert.certificate_number)
        assert page(client.get(location)).select_one(".qr-receipt")["data-changed"] == "no"
    with time_machine.travel(datetime(2028, 3, 1, 9, tzinfo=CHINA), tick=False):
        soup = page(client.get(location + "?lang=en"))
    assert soup.select_one(".qr-receipt")["data-changed"] == "yes"
    assert [row["data-field"] for row in soup.select("tr[data-field]")] == ["public_status"]
    row = soup.select_one("tr[data-field=public_status]")
    assert "Valid" in row.select("td")[0].text and "Expired" in row.select("td")[1].text
    assert soup.select_one(".qr-copy--stale .badge--expired") is not None


def test_receipt_hash_changes_with_any_field_of_the_record(client, make_certificate):
    cert = make_certificate(holder_name_en="Tender Supplier Co., Ltd.")
    location = make_receipt(client, cert.certificate_number)
    receipt = db.session.query(Receipt).one()
    cert.holder_name_en = "Tender Supplier Co., Ltd"  # one character less
    db.session.commit()
    soup = page(client.get(location + "?lang=en"))
    hashes = [code.text for code in soup.select(".qr-hash code")]
    assert hashes[0] == receipt.content_hash and hashes[1] != receipt.content_hash
    assert [row["data-field"] for row in soup.select("tr[data-field]")] == ["holder_name_en"]
