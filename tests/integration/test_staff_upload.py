"""Uploading a register through the browser: dry-run preview, then apply (the CLI's code)."""

import csv
import io
import re
from datetime import date

from bs4 import BeautifulSoup

from portal.domain.records import CERTIFICATE_COLUMNS
from portal.extensions import db
from portal.models import AuditLogEntry, Certificate
from tests.factories import certificate_data
from tests.staff_support import signed_in_client


def csv_bytes(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CERTIFICATE_COLUMNS)
    for values in rows:
        writer.writerow([values.get(c, "") for c in CERTIFICATE_COLUMNS])
    return out.getvalue().encode("utf-8")


def row(**overrides: str) -> dict[str, str]:
    data = certificate_data()
    values = {"certificate_number": data.certificate_number, "scheme": "QMS",
              "standard": data.standard, "holder_name_zh": data.holder_name_zh,
              "credit_code": data.credit_code, "scope_zh": data.scope_zh,
              "issue_date": "2025-03-01", "expiry_date": "2028-02-28", "status": "valid"}
    values.update(overrides)
    return values


def upload(client, body: bytes, name: str = "register.csv", lang: str = "en"):
    return client.post(f"/staff/upload?lang={lang}",
                       data={"file": (io.BytesIO(body), name)},
                       content_type="multipart/form-data")


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_dry_run_lists_every_error_by_line_and_writes_nothing(app):
    client = signed_in_client(app, "registrar")
    audit_before = count(AuditLogEntry)
    body = csv_bytes([row(), row(credit_code="91310000MA1FL0XX0X"),
                      row(expiry_date="2020-01-01"), row(scheme="ABC")])
    response = upload(client, body)
    assert response.status_code == 200
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    errors = [[td.get_text(" ", strip=True) for td in tr.select("td")]
              for tr in page.select("#import-errors tbody tr")]
    assert [(e[0], e[1]) for e in errors] == [("line 3", "credit_code"),
                                              ("line 4", "expiry_date"), ("line 5", "scheme")]
    assert "dry run" in page.text
    assert page.select_one("form[action='/staff/upload/apply']") is None  # cannot apply
    assert count(Certificate) == 0
    assert count(AuditLogEntry) == audit_before


def test_errors_are_shown_in_chinese_on_chinese_pages(app):
    client = signed_in_client(app, "registrar")
    response = upload(client, csv_bytes([row(scheme="ABC")]), lang="zh")
    text = BeautifulSoup(response.get_data(as_text=True), "html.parser").get_text()
    assert "第 2 行" in text and "试运行" in text


def test_preview_then_apply_creates_and_updates(app, make_certificate):
    stored = make_certificate(holder_name_zh="上海旧名称有限公司")
    client = signed_in_client(app, "registrar")
    update = row(certificate_number=stored.certificate_number, holder_name_zh="上海新名称有限公司",
                 credit_code=stored.credit_code, scope_zh=stored.scope_zh,
                 standard=stored.standard, initial_issue_date="2019-03-01",
                 holder_name_en=stored.holder_name_en, address_zh=stored.address_zh,
                 address_en=stored.address_en, province=stored.province, city=stored.city,
                 scope_en=stored.scope_en, accreditation=stored.accreditation)
    response = upload(client, csv_bytes([row(certificate_number="SQI/FW/2025/0009"), update]))
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    changes = page.select_one("#import-changes").get_text(" ", strip=True)
    assert "SQI/FW/2025/0009" in changes and "create" in changes
    assert "上海旧名称有限公司 → 上海新名称有限公司" in changes
    assert count(Certificate) == 1  # still a preview
    form = page.select_one("form[action='/staff/upload/apply']")
    data = {i["name"]: i.get("value", "") for i in form.select("input")}
    response = client.post("/staff/upload/apply?lang=en", data=data)
    assert response.status_code == 302
    assert "1 created, 1 updated" in client.get("/staff/upload?lang=en").get_data(as_text=True)
    db.session.expire_all()
    assert count(Certificate) == 2
    assert db.session.get(Certificate, stored.id).former_names == ["上海旧名称有限公司"]
    entry = db.session.scalar(db.select(AuditLogEntry).filter_by(action="certificate.create",
                                                                  actor="registrar@sqi.example.cn"))
    assert entry is not None
    # Applying twice does nothing: the preview is gone.
    response = client.post("/staff/upload/apply?lang=en", data=data)
    assert response.headers["Location"] == "/staff/upload"


def test_apply_refuses_when_the_register_changed_since_the_preview(app, make_certificate):
    client = signed_in_client(app, "registrar")
    response = upload(client, csv_bytes([row(certificate_number="02725Q99999R1M")]))
    form = BeautifulSoup(response.get_data(as_text=True), "html.parser").select_one(
        "form[action='/staff/upload/apply']")
    data = {i["name"]: i.get("value", "") for i in form.select("input")}
    make_certificate(certificate_number="02725Q99999R1M")  # someone else added it meanwhile
    response = client.post("/staff/upload/apply?lang=en", data=data)
    assert response.status_code == 409
    assert "changed since the preview" in response.get_data(as_text=True)
    assert count(Certificate) == 1


def test_a_preview_belongs_to_its_session(app):
    alice = signed_in_client(app, "registrar")
    response = upload(alice, csv_bytes([row()]))
    form = BeautifulSoup(response.get_data(as_text=True), "html.parser").select_one(
        "form[action='/staff/upload/apply']")
    data = {i["name"]: i.get("value", "") for i in form.select("input")}
    bob = signed_in_client(app, "admin")
    response = bob.post("/staff/upload/apply", data=data)
    assert response.headers["Location"] == "/staff/upload"
    assert count(Certificate) == 0


def test_xlsx_upload_uses_the_same_checks(app):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(list(CERTIFICATE_COLUMNS))
    good, bad = row(), row(status="expired")
    for r in (good, bad):
        sheet.append([r.get(c, "") for c in CERTIFICATE_COLUMNS])
    out = io.BytesIO()
    book.save(out)
    client = signed_in_client(app, "registrar")
    response = upload(client, out.getvalue(), name="登记册.xlsx")
    text = BeautifulSoup(response.get_data(as_text=True), "html.parser").get_text(" ")
    assert re.search(r"line 3\s+status", text)
    assert count(Certificate) == 0


def test_other_file_types_are_refused(app):
    client = signed_in_client(app, "registrar")
    response = upload(client, b"MZ\x90\x00", name="register.exe")
    assert "Only .csv and .xlsx files can be imported." in response.get_data(as_text=True)


def test_discarding_a_preview_deletes_the_file(app, tmp_path):
    client = signed_in_client(app, "registrar")
    upload(client, csv_bytes([row()]))
    folder = tmp_path / "uploads" / "register-imports"
    assert len(list(folder.glob("*.upload"))) == 1
    client.post("/staff/upload/cancel")
    assert list(folder.glob("*.upload")) == []


def test_downloaded_register_uploads_back_unchanged(app, make_certificate):
    make_certificate(sites=["上海市闵行区某路1号", "江苏省苏州市某路2号"],
                     former_names=["上海旧名称有限公司"])
    make_certificate(status="suspended", status_date=date(2026, 1, 5), status_reason="获证组织申请")
    client = signed_in_client(app, "registrar")
    for fmt in ("xlsx", "csv"):
        download = client.get(f"/staff/register.{fmt}")
        assert download.status_code == 200
        assert "attachment" in download.headers["Content-Disposition"]
        response = upload(client, download.data, name=f"register.{fmt}")
        text = BeautifulSoup(response.get_data(as_text=True), "html.parser").get_text(" ")
        assert "0 to create" in text and "0 to update" in text and "2 unchanged" in text, fmt
        assert "0 problems" in text


def test_upload_and_command_line_find_the_same_problems(app, make_certificate, tmp_path):
    stored = make_certificate(status="withdrawn", status_date=date(2025, 6, 1),
                              status_reason="不符合认证要求")
    body = csv_bytes([
        row(),
        row(certificate_number=stored.certificate_number, credit_code=stored.credit_code,
            status="valid"),  # a final status cannot be undone, by any route
        row(credit_code="91310000MA1FL0XX0X"),
        row(status="expired"),
        row(issue_date="2025-02-30"),
    ])
    path = tmp_path / "register.csv"
    path.write_bytes(body)
    result = app.test_cli_runner().invoke(args=["import-certificates", str(path), "--dry-run"])
    assert result.exit_code != 0
    from_cli = sorted(line.split(": ", 2) for line in result.stderr.splitlines()
                      if line.startswith("line "))
    client = signed_in_client(app, "registrar")
    page = BeautifulSoup(upload(client, body).get_data(as_text=True), "html.parser")
    from_upload = sorted([td.get_text(" ", strip=True) for td in tr.select("td")]
                         for tr in page.select("#import-errors tbody tr"))
    assert len(from_upload) == 4
    assert from_upload == from_cli
    assert any("withdrawn is final" in problem for _, _, problem in from_upload)
    assert count(Certificate) == 1
