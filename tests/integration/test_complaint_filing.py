"""Filing a complaint or appeal on /complaints/new and following it on /complaints/track."""

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from PIL import Image
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.models.complaint import Complaint, ComplaintAttachment
from portal.services import complaints as complaint_service
from tests.complaint_support import REFERENCE, VALID_FORM, distinct_form, file_via_form, outbox


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
    assert re.fullmatch(r"[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}", code)
    assert response.headers["Cache-Control"] == "no-store"
    [message] = outbox()
    assert message["To"] == "wang@example.com"
    assert reference in message["Subject"]
    assert code in message.get_content()
    stored = db.session.scalar(select(Complaint))
    assert stored.tracking_code_hash == complaint_service.hash_tracking_code(code)
    assert code.replace("-", "") not in str(
        [getattr(stored, c.key) for c in Complaint.__table__.columns])


def test_tracking_codes_are_random(client):
    codes = {file_via_form(client)[1] for _ in range(5)}

    assert len(codes) == 5


def test_confirmation_page_gives_the_dates_of_what_happens_next(client, app):
    app.config["COMPLAINT_TARGET_DAYS"] = 45
    response = client.post("/complaints/new?lang=en", data=VALID_FORM)

    complaint = db.session.scalar(select(Complaint))
    received = complaint.received_at.astimezone(clock.CHINA).date()
    due = complaint_service.deadlines(complaint, received)
    steps = BeautifulSoup(response.text, "html.parser").select_one(".next-steps").text
    with app.test_request_context("/?lang=en"):
        from flask_babel import format_date

        ack_by, resolve_by = format_date(due.acknowledge_by, "long"), format_date(
            due.resolve_by, "long")
    assert f"by {ack_by} (5 working days)" in steps
    assert f"decide by {resolve_by} (45 days after receipt)" in steps
    assert due.resolve_by == received + timedelta(days=45)
    assert "decide within 45 days" in outbox()[0].get_content()


def test_confirmation_page_in_chinese(client):
    response = client.post("/complaints/new?lang=zh", data=VALID_FORM)

    page = BeautifulSoup(response.text, "html.parser")
    assert page.select_one("h1").text == "我们已收到您的投诉"
    assert "5 个工作日" in page.select_one(".next-steps").text
    assert "60 天" in page.select_one(".next-steps").text


def test_only_name_email_and_the_case_are_required(client):
    reference, _ = file_via_form(client, phone="", certificate_number="")

    complaint = complaint_service.get_by_reference(reference)
    assert complaint.phone == "" and complaint.certificate_number == ""
    assert complaint.certificate_id is None


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
    summary = BeautifulSoup(response.text, "html.parser").select_one(".error-summary").text
    assert "您的姓名：请填写您的姓名。" in summary
    assert "请选择案件涉及的对象。" in summary
    assert "Enter" not in summary


@pytest.mark.parametrize(("field", "value", "en", "zh"), [
    ("email", "not-an-address", "Enter a valid e-mail address", "请输入有效的电子邮箱"),
    ("description", "short", "Describe what happened in 10 to 10000 characters",
     "事情经过请填写 10 至 10000 个字符"),
    ("phone", "call me", "Enter a phone number with digits only", "电话号码只能包含数字"),
    ("subject", "主" * 201, "At most 200 characters.", "最多 200 个字符"),
    ("certificate_number", "99999Q99999R9M", "No certificate with this number",
     "本中心登记册中没有这个编号的证书"),
])
def test_each_problem_is_explained_in_both_languages(client, field, value, en, zh):
    for lang, message in (("en", en), ("zh", zh)):
        response = client.post(f"/complaints/new?lang={lang}", data={**VALID_FORM, field: value})

        assert response.status_code == 400
        page = BeautifulSoup(response.text, "html.parser")
        assert message in page.select_one(f"#{field}-error").text
        assert page.select_one(f"#{field}")["aria-invalid"] == "true"
    assert count(Complaint) == 0


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
    assert names == {"kind", "about", "certificate_number", "name", "email", "phone",
                     "subject", "description", "attachments"}
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


def test_bad_attachment_is_explained_in_chinese(client):
    data = {**VALID_FORM, "attachments": [(io.BytesIO(b"GIF89a not allowed"), "照片.pdf")]}
    response = client.post("/complaints/new?lang=zh", data=data,
                           content_type="multipart/form-data")

    error = BeautifulSoup(response.text, "html.parser").select_one("#attachments-error").text
    assert "照片.pdf" in error and "PDF、JPEG 或 PNG" in error


def test_good_attachment_is_not_stored_when_another_field_is_wrong(client, app):
    data = {**VALID_FORM, "email": "", "attachments": [(io.BytesIO(png_bytes()), "a.png")]}
    response = client.post("/complaints/new?lang=en", data=data,
                           content_type="multipart/form-data")

    assert response.status_code == 400
    assert "choose them again" in response.text
    upload_dir = Path(app.config["UPLOAD_DIR"])
    assert not upload_dir.exists() or not any(p.is_file() for p in upload_dir.rglob("*"))
    assert count(ComplaintAttachment) == 0


def test_attachment_limit_follows_the_setting(client, app):
    app.config["UPLOAD_MAX_BYTES"] = 1024 * 1024
    pdf = b"%PDF-1.4\n" + b"0" * (1024 * 1024) + b"%%EOF"
    response = client.post("/complaints/new?lang=en", data={
        **VALID_FORM, "attachments": [(io.BytesIO(pdf), "scan.pdf")]},
        content_type="multipart/form-data")

    assert response.status_code == 400
    assert "The file scan.pdf is larger than 1 MB." in response.text
    assert "at most 1 MB each" in response.text  # the hint follows the setting too
    assert count(Complaint) == 0


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


def test_unknown_reference_and_wrong_code_get_byte_identical_answers(csrf_client):
    """The same typed reference, before and after a case with it exists: only the form token
    (new on every page) differs, in the body and in the headers."""
    def track(reference: str, code: str):
        form = BeautifulSoup(csrf_client.get("/complaints/track").text, "html.parser")
        token = form.select_one("input[name=csrf_token]")["value"]
        return csrf_client.post("/complaints/track?lang=en", data={
            "reference": reference, "code": code, "csrf_token": token})

    def normalised(response) -> tuple:
        body = re.sub(r'(name="csrf_token" type="hidden" value=")[^"]+"', r"\1TOKEN", response.text)
        headers = {k: v for k, v in response.headers.items() if k not in {"Set-Cookie", "Date"}}
        return response.status_code, headers, body

    unknown = track("TS-2026-000001", "AAAA-BBBB-CCCC")
    filed = complaint_service.file_complaint(complaint_service.NewComplaint(
        kind=complaint_service.ComplaintKind.COMPLAINT, name="A", email="a@example.com",
        about=complaint_service.ComplaintAbout.CERTIFICATION_BODY, subject="Late report",
        description="The audit report is late."), now=datetime(2026, 6, 1, tzinfo=UTC))
    assert filed.complaint.reference == "TS-2026-000001"
    wrong_code = track("TS-2026-000001", "AAAA-BBBB-CCCC")
    right_code = track("TS-2026-000001", filed.tracking_code)

    assert "TOKEN" in normalised(unknown)[2]
    assert normalised(unknown) == normalised(wrong_code)
    assert "Late report" in right_code.text and "Late report" not in wrong_code.text


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
            assert client.post("/complaints/new", data=distinct_form()).status_code == 200
        response = client.post("/complaints/new?lang=en", data=distinct_form())

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


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_missing_or_wrong_csrf_token_is_rejected_and_the_form_kept(csrf_client, token):
    data = VALID_FORM if token is None else {**VALID_FORM, "csrf_token": token}
    response = csrf_client.post("/complaints/new?lang=en", data=data)

    assert response.status_code == 400
    page = BeautifulSoup(response.text, "html.parser")
    assert "the form had expired" in page.select_one("#form-expired").text
    assert page.select_one("#subject")["value"] == VALID_FORM["subject"]
    assert page.select_one("input[name=csrf_token]")["value"]  # a fresh token to send again
    assert count(Complaint) == 0
    assert outbox() == []


def test_expired_form_page_is_in_chinese(csrf_client):
    response = csrf_client.post("/complaints/new?lang=zh", data=VALID_FORM)

    assert "表单已过期，未发送任何内容" in response.text


def test_resending_the_kept_form_with_its_fresh_token_files_it(csrf_client):
    page = BeautifulSoup(csrf_client.post("/complaints/new", data=VALID_FORM).text, "html.parser")
    token = page.select_one("input[name=csrf_token]")["value"]

    response = csrf_client.post("/complaints/new", data={**VALID_FORM, "csrf_token": token})

    assert response.status_code == 200
    assert count(Complaint) == 1


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
