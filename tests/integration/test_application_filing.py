"""/apply and /apply/track: filing an application, per-field errors, the tracker's privacy."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.models.application import Application, ApplicationAttachment
from portal.services import mail
from tests.application_support import (
    CREDIT_CODE,
    REFERENCE,
    VALID_FORM,
    apply_via_form,
    distinct_form,
)

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def errors_of(response) -> dict[str, str]:
    page = soup(response)
    return {p["id"].removesuffix("-error"): p.text for p in page.select(".field-error")}


def test_the_form_is_linked_from_services_schemes_and_home(client):
    services = soup(client.get("/services"))
    hrefs = {a["href"] for a in services.select("a[href^='/apply']")}
    assert "/apply" in hrefs
    for code in ("QMS", "EMS", "OHSMS", "SRMS", "OTHER_MS", "GREEN_PRODUCT",
                 "VOLUNTARY_PRODUCT", "REAL_ESTATE_SERVICE"):
        assert f"/apply?scheme={code}" in hrefs, code
    assert soup(client.get("/")).select_one("a[href='/apply']") is not None


def test_scheme_in_the_link_is_ticked(client):
    page = soup(client.get("/apply?scheme=ems"))
    assert page.select_one("#schemes-EMS").has_attr("checked")
    assert not page.select_one("#schemes-QMS").has_attr("checked")


def test_filing_shows_reference_and_code_and_mails_the_acknowledgement(app, client):
    response = client.post("/apply?lang=en", data=distinct_form())
    assert response.status_code == 200
    page = soup(response)
    reference = page.select_one("#reference").text
    code = page.select_one("#tracking-code").text
    assert reference == f"SQ-{clock.today().year}-000001"
    assert len(code) == 14
    assert response.headers["Cache-Control"] == "no-store"

    stored = db.session.scalar(select(Application))
    assert stored.schemes == ["QMS", "EMS"] and stored.credit_code == CREDIT_CODE
    assert (stored.headcount, stored.shifts) == (120, 2)
    assert [(s.address, s.headcount, s.shifts) for s in stored.sites] == [
        ("江苏省昆山市花桥镇绿地大道8号", 35, 1)]
    assert stored.tracking_code_hash != code and code not in stored.tracking_code_hash
    [message] = mail.read_outbox()
    assert message["To"] == VALID_FORM["email"] and reference in message["Subject"]
    body = message.get_content()
    assert f"Tracking code: {code}" in body
    assert "http://verify.example.test/apply/track" in body


def test_every_missing_field_is_named_in_the_readers_language(client):
    en = client.post("/apply?lang=en", data={})
    assert en.status_code == 400
    errors = errors_of(en)
    for name in ("request_kind", "schemes", "organisation_name_zh", "credit_code", "address",
                 "headcount", "shifts", "scope", "contact_name", "email", "phone"):
        assert name in errors, name
    assert errors["schemes"] == "Choose at least one certification scheme."
    zh = errors_of(client.post("/apply?lang=zh", data={}))
    assert zh["schemes"] == "请至少选择一个认证项目。"
    assert db.session.scalar(select(func.count()).select_from(Application)) == 0


def test_nothing_typed_is_lost_on_an_error(client):
    form = distinct_form(credit_code=CREDIT_CODE[:17] + ("0" if CREDIT_CODE[17] != "0" else "1"))
    response = client.post("/apply?lang=en", data=form)
    assert response.status_code == 400
    page = soup(response)
    assert "(check digit) should be" in errors_of(response)["credit_code"]
    for name in ("organisation_name_zh", "organisation_name_en", "address", "headcount",
                 "shifts", "standard", "contact_name", "email", "phone", "sites-0-address",
                 "sites-0-headcount", "sites-0-shifts"):
        assert page.select_one(f"#{name}")["value"] == form[name], name
    assert page.select_one("#scope").text == form["scope"]
    assert page.select_one("#request_kind-application").has_attr("checked")
    assert page.select_one("#schemes-QMS").has_attr("checked")
    assert page.select_one("#schemes-EMS").has_attr("checked")


@pytest.mark.parametrize(("code", "message"), [
    ("9131011", "has 18 characters; this one has 7"),
    ("91310115MA1H0000IO", "never occur in a credit code: I O"),
])
def test_credit_code_is_checked_per_gb_32100(client, code, message):
    response = client.post("/apply?lang=en", data=distinct_form(credit_code=code))
    assert message in errors_of(response)["credit_code"]


def test_headcount_and_shifts_must_be_numbers(client):
    response = client.post("/apply?lang=en", data=distinct_form(headcount="many", shifts="7"))
    errors = errors_of(response)
    assert "whole number" in errors["headcount"] and "from 1 to 4" in errors["shifts"]


def test_a_half_filled_site_is_refused(client):
    response = client.post("/apply?lang=en", data=distinct_form(**{"sites-1-headcount": "4"}))
    assert response.status_code == 400
    assert "sites-1-address" in errors_of(response)
    assert "Other site 2" in soup(response).select_one("#error-summary").text


def test_a_transfer_needs_body_number_and_a_future_expiry(client):
    bad = client.post("/apply?lang=en", data=distinct_form(request_kind="transfer"))
    errors = errors_of(bad)
    assert {"transfer_body", "transfer_certificate_number", "transfer_expiry"} <= set(errors)

    past = (clock.today() - timedelta(days=1)).isoformat()
    expired = client.post("/apply?lang=en", data=distinct_form(
        request_kind="transfer", transfer_body="某认证公司", transfer_certificate_number="X-1",
        transfer_expiry=past))
    assert "has expired" in errors_of(expired)["transfer_expiry"]

    future = (clock.today() + timedelta(days=200)).isoformat()
    reference, _ = apply_via_form(client, request_kind="transfer", transfer_body="某认证公司",
                                  transfer_certificate_number="X-1", transfer_expiry=future)
    stored = db.session.scalar(select(Application).where(Application.reference == reference))
    assert (stored.transfer_body, stored.transfer_expiry.isoformat()) == ("某认证公司", future)


def test_transfer_fields_of_a_new_application_are_not_kept(client):
    reference, _ = apply_via_form(client, transfer_body="某认证公司")
    stored = db.session.scalar(select(Application).where(Application.reference == reference))
    assert stored.transfer_body == ""


def test_attachments_follow_the_complaint_upload_rules(app, client):
    good = distinct_form(attachments=[(__import__("io").BytesIO(PDF), "licence.pdf")])
    response = client.post("/apply", data=good, content_type="multipart/form-data")
    assert response.status_code == 200
    [stored] = db.session.scalars(select(ApplicationAttachment)).all()
    assert stored.content_type == "application/pdf" and stored.filename == "licence.pdf"

    import io

    bad = distinct_form(attachments=[(io.BytesIO(b"MZ\x90\x00 not a pdf"), "licence.pdf")])
    response = client.post("/apply?lang=en", data=bad, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "licence.pdf is not a PDF, JPEG or PNG" in errors_of(response)["attachments"]
    assert db.session.scalar(select(func.count()).select_from(Application)) == 1


def test_the_same_form_sent_twice_is_one_application(client):
    form = distinct_form()
    first = client.post("/apply", data=form)
    again = client.post("/apply?lang=en", data=form)
    assert REFERENCE.search(first.text).group() == soup(again).select_one("#reference").text
    assert "We already have this application" in again.text
    assert soup(again).select_one("#tracking-code") is None
    assert len(mail.read_outbox()) == 1


def test_tracker_shows_stages_only_with_reference_and_code(client):
    reference, code = apply_via_form(client)
    page = soup(client.post("/apply/track?lang=en", data={"reference": reference.lower(),
                                                          "code": code.lower()}))
    assert page.select_one("#current-stage").text == "Received"
    assert [li["data-stage"] for li in page.select(".stages__step")] == [
        "received", "under_review", "quoted", "accepted", "contract", "closed"]

    wrong = client.post("/apply/track?lang=en", data={"reference": reference,
                                                      "code": "AAAA-BBBB-CCCC"})
    unknown = client.post("/apply/track?lang=en", data={"reference": "SQ-2026-999999",
                                                        "code": code})
    for response in (wrong, unknown):
        assert response.status_code == 200
        assert soup(response).select_one("#not-found") is not None
        assert soup(response).select_one(".stages") is None
        assert "申江" not in response.text and code not in response.text
    missing = client.post("/apply/track?lang=en", data={"reference": reference})
    assert missing.status_code == 400 and soup(missing).select_one(".stages") is None


def test_an_expired_form_token_keeps_what_was_typed(app, tmp_path):
    from tests.conftest import test_config
    from tests.staff_support import own_app

    with own_app(test_config(tmp_path, WTF_CSRF_ENABLED=True)) as csrf_app:
        client = csrf_app.test_client()
        response = client.post("/apply?lang=en", data=distinct_form())
        assert response.status_code == 400
        page = soup(response)
        assert page.select_one("#form-expired") is not None
        assert page.select_one("#organisation_name_zh")["value"] == VALID_FORM[
            "organisation_name_zh"]
        assert page.select_one("input[name=csrf_token]")["value"]
