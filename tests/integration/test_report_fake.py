"""/report-fake: reporting a suspected counterfeit or look-alike site; staff triage."""

import io
from pathlib import Path

from bs4 import BeautifulSoup
from PIL import Image
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Alert, AuditLogEntry
from portal.models.complaint import FakeReport
from tests.complaint_support import make_staff, outbox, sign_in


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "white").save(buffer, "JPEG")
    return buffer.getvalue()


REPORT = {"kind": "counterfeit_certificate", "certificate_number": "02799Q99999R0M",
          "description": "A supplier sent this certificate in a tender; the register has no such "
                         "number."}


def test_report_with_photo_is_stored_and_the_reporter_thanked(client, app):
    response = client.post("/report-fake?lang=en", data={
        **REPORT, "email": "buyer@example.com",
        "photo": (io.BytesIO(jpeg_bytes()), "cert.jpg")}, content_type="multipart/form-data")

    assert response.status_code == 200
    assert "Thank you for your report" in response.text
    report = db.session.scalar(select(FakeReport))
    assert report.certificate_number == "02799Q99999R0M"
    assert report.photo_content_type == "image/jpeg"
    assert (Path(app.config["UPLOAD_DIR"]) / report.photo_stored_name).is_file()
    [message] = outbox()
    assert message["To"] == "buyer@example.com"


def test_report_may_be_anonymous_and_without_photo(client):
    response = client.post("/report-fake", data=REPORT)

    assert response.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(FakeReport)) == 1
    assert outbox() == []


def test_certificate_number_is_prefilled(client):
    page = BeautifulSoup(client.get("/report-fake?certificate_number=SQI%2FFW%2F2025%2F0003").text,
                         "html.parser")
    assert page.select_one("#certificate_number")["value"] == "SQI/FW/2025/0003"


def test_report_needs_a_number_or_an_address(client):
    response = client.post("/report-fake?lang=en",
                           data={"kind": "lookalike_site", "description": "A fake site."})

    assert response.status_code == 400
    assert "Give the certificate number or the web address you suspect." in response.text
    assert db.session.scalar(select(func.count()).select_from(FakeReport)) == 0


def test_photo_must_be_an_image(client, app):
    response = client.post("/report-fake?lang=en", data={
        **REPORT, "photo": (io.BytesIO(b"%PDF-1.4\n%%EOF"), "cert.jpg")},
        content_type="multipart/form-data")

    assert response.status_code == 400
    assert "is not a JPEG or PNG image" in response.text
    assert db.session.scalar(select(func.count()).select_from(FakeReport)) == 0
    upload_dir = Path(app.config["UPLOAD_DIR"])
    assert not upload_dir.exists() or not any(p.is_file() for p in upload_dir.rglob("*"))


def test_staff_publish_an_alert_from_a_report(client):
    client.post("/report-fake", data={"kind": "lookalike_site",
                                      "url": "https://sqi-verify.example.net",
                                      "description": "This site copies the verification page."})
    report = db.session.scalar(select(FakeReport))
    officer = make_staff("li@sqi.example")
    sign_in(client, officer)

    listing = client.get("/staff/fake-reports?lang=en")
    assert "sqi-verify.example.net" in listing.text
    detail = BeautifulSoup(client.get(f"/staff/fake-reports/{report.id}").text, "html.parser")
    assert detail.select_one("#alert-value")["value"] == "https://sqi-verify.example.net"
    response = client.post(f"/staff/fake-reports/{report.id}/alert?lang=en", data={
        "alert-value": "sqi-verify.example.net",
        "alert-description_zh": "该网站仿冒本中心证书查询页面，请勿相信其查询结果。",
        "alert-description_en": "This site imitates our verification page."},
        follow_redirects=True)

    assert "The alert is published" in response.text
    alert = db.session.scalar(select(Alert))
    assert alert.kind.value == "lookalike_site" and alert.active
    assert alert.value == "sqi-verify.example.net"
    assert alert.created_by == officer.email
    assert report.status.value == "alert_published" and report.alert_id == alert.id
    assert db.session.scalar(select(AuditLogEntry.action)) == "fake_report.publish_alert"
    public_en = BeautifulSoup(client.get("/alerts?lang=en").text, "html.parser").select_one("main")
    assert "sqi-verify.example.net" in public_en.text
    assert "This site imitates our verification page." in public_en.text
    public_zh = client.get("/alerts?lang=zh").text
    assert "该网站仿冒本中心证书查询页面" in public_zh


def test_report_of_a_counterfeit_number_becomes_a_counterfeit_alert(client):
    client.post("/report-fake", data=REPORT)
    report = db.session.scalar(select(FakeReport))
    sign_in(client, make_staff("li@sqi.example"))

    client.post(f"/staff/fake-reports/{report.id}/alert", data={
        "alert-value": REPORT["certificate_number"],
        "alert-description_zh": "此编号非本中心颁发。"})

    alert = db.session.scalar(select(Alert))
    assert alert.kind.value == "counterfeit_number" and alert.description_en == ""
    assert REPORT["certificate_number"] in client.get("/alerts").text


def test_alert_needs_chinese_text_and_nothing_is_published_without_it(client):
    client.post("/report-fake", data=REPORT)
    report = db.session.scalar(select(FakeReport))
    sign_in(client, make_staff("li@sqi.example"))

    response = client.post(f"/staff/fake-reports/{report.id}/alert?lang=en", data={
        "alert-value": "X", "alert-description_en": "Fake."})

    assert response.status_code == 400
    assert "Write the alert text in Chinese." in response.text
    assert db.session.scalar(select(func.count()).select_from(Alert)) == 0
    assert report.status.value == "new"


def test_staff_may_close_a_report_without_alert(client):
    client.post("/report-fake", data=REPORT)
    report = db.session.scalar(select(FakeReport))
    sign_in(client, make_staff("li@sqi.example"))

    refused = client.post(f"/staff/fake-reports/{report.id}/dismiss?lang=en",
                          data={"dismiss-note": ""})
    assert refused.status_code == 400
    client.post(f"/staff/fake-reports/{report.id}/dismiss",
                data={"dismiss-note": "Genuine certificate of another body."})

    assert report.status.value == "no_action"
    assert db.session.scalar(select(func.count()).select_from(Alert)) == 0


def test_report_photo_is_only_for_complaints_staff(client):
    client.post("/report-fake", data={**REPORT, "photo": (io.BytesIO(jpeg_bytes()), "c.jpg")},
                content_type="multipart/form-data")
    report = db.session.scalar(select(FakeReport))
    url = f"/staff/fake-reports/{report.id}/photo"

    assert client.get(url).status_code in (302, 401)
    sign_in(client, make_staff("li@sqi.example"))
    response = client.get(url)
    assert response.status_code == 200 and response.data == jpeg_bytes()
