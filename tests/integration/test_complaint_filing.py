"""Filing a complaint or appeal on /complaints/new and following it on /complaints/track."""

import io
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from PIL import Image
from sqlalchemy import func, select

from portal.extensions import db
from portal.models.complaint import Complaint, ComplaintAttachment
from portal.services import complaints as complaint_service
from tests.complaint_support import REFERENCE, VALID_FORM, file_via_form, outbox


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue()


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_filing_shows_reference_and_code_and_mails_acknowledgement(client):
    response = client.post("/complaints/new", data=VALID_FORM)

    page = BeautifulSoup(response.text, "html.parser")
    reference = page.select_one("#reference").text
    code = page.select_one("#tracking-code").text
    assert REFERENCE.fullmatch(reference)
    assert len(code) == 14
    assert "5" in page.select_one(".next-steps").text  # the 5-working-day limit is stated
    assert response.headers["Cache-Control"] == "no-store"
    [message] = outbox()
    assert message["To"] == "wang@example.com"
    assert reference in message["Subject"]
    assert code in message.get_content()
    stored = db.session.scalar(select(Complaint))
    assert stored.tracking_code_hash != code and code not in stored.tracking_code_hash


def test_references_are_sequential_per_year(client):
    first, _ = file_via_form(client)
    second, _ = file_via_form(client)
    year = first[3:7]
    assert first == f"TS-{year}-000001"
    assert second == f"TS-{year}-000002"


def test_missing_fields_are_explained_in_english(client):
    response = client.post("/complaints/new?lang=en", data={"kind": "complaint"})

    assert response.status_code == 400
    page = BeautifulSoup(response.text, "html.parser")
    summary = page.select_one(".error-summary").text
    assert "Enter your name." in summary
    assert "Choose what the case is about." in summary
    assert count(Complaint) == 0
    assert outbox() == []


def test_missing_fields_are_explained_in_chinese(client):
    response = client.post("/complaints/new?lang=zh", data={"kind": "complaint"})

    assert response.status_code == 400
    assert "请填写您的姓名" in response.text


def test_unknown_certificate_number_is_refused(client):
    response = client.post("/complaints/new?lang=en",
                           data={**VALID_FORM, "certificate_number": "99999Q99999R9M"})

    assert response.status_code == 400
    assert "No certificate with this number is in our register" in response.text
    assert count(Complaint) == 0


def test_known_certificate_number_links_the_case(client, make_certificate):
    cert = make_certificate()
    reference, _ = file_via_form(client, certificate_number=cert.certificate_number.lower())

    complaint = complaint_service.get_by_reference(reference)
    assert complaint.certificate_id == cert.id
    assert complaint.certificate_number == cert.certificate_number


def test_certificate_number_is_prefilled_from_the_query(client):
    page = BeautifulSoup(client.get("/complaints/new?certificate_number=02722Q10234R3M").text,
                         "html.parser")
    assert page.select_one("#certificate_number")["value"] == "02722Q10234R3M"


def test_form_uses_the_spec_field_names(client):
    page = BeautifulSoup(client.get("/complaints/new").text, "html.parser")
    names = {field["name"] for field in page.select("form.complaint-form [name]")}
    assert {"kind", "about", "certificate_number", "name", "email", "phone", "subject",
            "description", "attachments"} <= names
    assert {i["value"] for i in page.select("input[name=kind]")} == {"complaint", "appeal"}
    assert {i["value"] for i in page.select("input[name=about]")} == {
        "certified_organization", "certification_body"}
    for field in page.select("form.complaint-form input:not([type=hidden]):not([type=radio]), "
                             "form.complaint-form textarea"):
        assert page.select_one(f"label[for={field['id']}]") is not None


def test_good_attachment_is_stored_privately(client, app):
    data = {**VALID_FORM, "attachments": [(io.BytesIO(png_bytes()), "photo.png"),
                                          (io.BytesIO(b"%PDF-1.4\n1 0 obj\n%%EOF\n"), "contract scan.pdf")]}
    response = client.post("/complaints/new", data=data, content_type="multipart/form-data")

    assert response.status_code == 200
    files = db.session.scalars(select(ComplaintAttachment)).all()
    assert {f.content_type for f in files} == {"image/png", "application/pdf"}
    upload_dir = Path(app.config["UPLOAD_DIR"])
    for f in files:
        path = upload_dir / f.stored_name
        assert path.is_file()
        assert "static" not in path.parts
        # Stored under a random name: nothing of the sender's file name reaches the disk.
        assert Path(f.filename).stem not in f.stored_name


@pytest.mark.parametrize(("content", "name", "message"), [
    (b"MZ\x90\x00 this is a program", "invoice.pdf", "is not a PDF, JPEG or PNG file"),
    (b"\x89PNG\r\n\x1a\nbroken image data", "photo.png", "is not a PDF, JPEG or PNG file"),
    (b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024) + b"\n%%EOF", "big.pdf", "is larger than 5 MB"),
])
def test_bad_attachment_is_explained_and_nothing_is_stored(client, app, content, name, message):
    data = {**VALID_FORM, "attachments": [(io.BytesIO(content), name)]}
    response = client.post("/complaints/new?lang=en", data=data,
                           content_type="multipart/form-data")

    assert response.status_code == 400
    page = BeautifulSoup(response.text, "html.parser")
    assert message in page.select_one("#attachments-error").text
    assert name in page.select_one("#attachments-error").text
    assert count(Complaint) == 0 and count(ComplaintAttachment) == 0
    upload_dir = Path(app.config["UPLOAD_DIR"])
    assert not upload_dir.exists() or not any(p.is_file() for p in upload_dir.rglob("*"))
    assert outbox() == []


def test_more_than_three_attachments_are_refused(client):
    files = [(io.BytesIO(png_bytes()), f"p{i}.png") for i in range(4)]
    response = client.post("/complaints/new?lang=en", data={**VALID_FORM, "attachments": files},
                           content_type="multipart/form-data")

    assert response.status_code == 400
    assert "Attach at most 3 files." in response.text
    assert count(Complaint) == 0


def test_tracking_shows_the_stage_timeline(client):
    reference, code = file_via_form(client)

    response = client.post("/complaints/track?lang=en",
                           data={"reference": reference.lower(), "code": code.lower()})

    page = BeautifulSoup(response.text, "html.parser")
    steps = [s.select_one(".stages__name").text for s in page.select(".stages__step")]
    assert steps == ["Received", "Acknowledged", "Under investigation", "Decided", "Closed"]
    assert page.select_one(".stages__step--current .stages__name").text == "Received"
    assert page.select_one(".stages__step--done time") is not None
    assert response.headers["Cache-Control"] == "no-store"


def test_wrong_code_and_unknown_reference_reveal_nothing(client):
    reference, code = file_via_form(client)
    wrong_code = client.post("/complaints/track?lang=en",
                             data={"reference": reference, "code": "AAAA-BBBB-CCCC"})
    unknown = client.post("/complaints/track?lang=en",
                          data={"reference": "TS-2026-999999", "code": code})

    assert wrong_code.status_code == unknown.status_code == 200
    assert wrong_code.text == unknown.text.replace("TS-2026-999999", reference)
    assert VALID_FORM["subject"] not in wrong_code.text
    assert "We found no case with this reference and tracking code" in wrong_code.text


def test_tracking_is_rate_limited(tmp_path):
    from portal import create_app
    from portal.extensions import db as database
    from tests.conftest import test_config

    app = create_app(test_config(tmp_path, SQLALCHEMY_DATABASE_URI="sqlite://",
                                 RATELIMIT_ENABLED=True))
    with app.app_context():
        database.create_all()
        client = app.test_client()
        statuses = [client.post("/complaints/track?lang=en",
                                data={"reference": "TS-2026-000001", "code": f"X{i}"}).status_code
                    for i in range(11)]
        assert statuses[:10] == [200] * 10
        assert statuses[10] == 429
        database.session.remove()
        database.drop_all()


def test_filing_is_rate_limited_with_a_friendly_page(tmp_path):
    from portal import create_app
    from portal.extensions import db as database
    from tests.conftest import test_config

    app = create_app(test_config(tmp_path, SQLALCHEMY_DATABASE_URI="sqlite://",
                                 RATELIMIT_ENABLED=True))
    with app.app_context():
        database.create_all()
        client = app.test_client()
        for _ in range(5):
            assert client.post("/complaints/new", data=VALID_FORM).status_code == 200
        response = client.post("/complaints/new?lang=en", data=VALID_FORM)

        assert response.status_code == 429
        page = BeautifulSoup(response.text, "html.parser")
        assert page.select_one("h1").text == "Too many requests"
        assert database.session.scalar(select(func.count()).select_from(Complaint)) == 5
        assert client.get("/complaints/new").status_code == 200  # reading the form still works
        database.session.remove()
        database.drop_all()


@pytest.fixture
def csrf_client(csrf_app_config):
    from portal import create_app
    from portal.extensions import db as database

    app = create_app(csrf_app_config)
    with app.app_context():
        database.create_all()
        yield app.test_client()
        database.session.remove()
        database.drop_all()


def test_missing_csrf_token_is_rejected(csrf_client):
    response = csrf_client.post("/complaints/new?lang=en", data=VALID_FORM)

    assert response.status_code == 400
    assert "Form expired" in response.text
    assert count(Complaint) == 0
    assert outbox() == []


def test_csrf_token_from_the_form_is_accepted(csrf_client):
    page = BeautifulSoup(csrf_client.get("/complaints/new").text, "html.parser")
    token = page.select_one("input[name=csrf_token]")["value"]

    response = csrf_client.post("/complaints/new", data={**VALID_FORM, "csrf_token": token})

    assert response.status_code == 200
    assert count(Complaint) == 1


def test_english_pages_keep_chinese_data_marked(client):
    reference, code = file_via_form(client)
    response = client.post("/complaints/track?lang=en", data={"reference": reference,
                                                              "code": code})
    page = BeautifulSoup(response.text, "html.parser")
    subject = page.find(string=lambda s: s and VALID_FORM["subject"] in s)
    assert subject.parent["lang"] == "zh-CN"


def test_request_over_the_size_limit_gets_the_413_page_and_stores_nothing(client, app):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    data = {**VALID_FORM, "attachments": [(io.BytesIO(b"%PDF-1.4" + b"0" * 2 * 1024 * 1024),
                                           "big.pdf")]}
    response = client.post("/complaints/new?lang=en", data=data,
                           content_type="multipart/form-data")

    assert response.status_code == 413
    assert "Too large" in response.text
    assert count(Complaint) == 0
