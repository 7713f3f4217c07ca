"""/verify-list bulk checks and the Atom feeds."""

import io
from datetime import UTC, date, datetime
from xml.etree import ElementTree

from bs4 import BeautifulSoup
from openpyxl import load_workbook

from portal.domain.status import CertificateStatus
from portal.extensions import db
from portal.services import certificates as certificate_service

ATOM = "{http://www.w3.org/2005/Atom}"


def upload(client, content: bytes, filename: str, fmt: str = "html"):
    return client.post("/verify-list", data={"file": (io.BytesIO(content), filename),
                                             "format": fmt},
                       content_type="multipart/form-data")


def test_verify_list_matches_by_number_credit_code_and_name(client, make_certificate):
    a = make_certificate(certificate_number="02722Q10234R3M")
    b = make_certificate()
    c = make_certificate(holder_name_zh="上海明珠物业管理有限公司")
    csv = ("证书编号,统一社会信用代码,企业名称\n"
           "027-22-q-10234-r3m,,\n"
           f",{b.credit_code},\n"
           ",,上海明珠物业管理有限公司\n"
           "99999X99999,,\n").encode()
    response = upload(client, csv, "suppliers.csv")
    assert response.status_code == 200
    page = BeautifulSoup(response.text, "html.parser")
    text = page.select_one("main").get_text(" ")
    assert a.certificate_number in text and b.certificate_number in text
    assert c.certificate_number in text
    assert "3 of 4 rows" in text or "4 行中有 3 行" in text
    rows = page.select("tbody tr")
    assert len(rows) == 4
    assert "99999X99999" in rows[3].get_text()


def test_verify_list_downloads_xlsx_with_status_per_row(client, make_certificate):
    cert = make_certificate(status="suspended", status_date=date(2026, 10, 1))
    response = upload(client, f"certificate_number\n{cert.certificate_number}\nNOPE123\n".encode(),
                      "list.csv", fmt="xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1][5] == cert.certificate_number
    assert values[1][8] in ("暂停", "Suspended")
    assert values[2][4] in ("未找到", "Not found")


def test_verify_list_hides_restricted_holders_and_does_not_match_them_by_name(client,
                                                                             make_certificate):
    cert = make_certificate(restricted=True, holder_name_zh="保密客户有限公司")
    response = upload(client, "number,name\n,保密客户有限公司\n".encode(), "list.csv")
    assert cert.certificate_number not in response.text
    response = upload(client, f"number\n{cert.certificate_number}\n".encode(), "list.csv")
    assert cert.certificate_number in response.text
    assert "保密客户有限公司" not in response.text


def test_verify_list_reads_xlsx_and_gbk_csv(client, make_certificate):
    from openpyxl import Workbook

    cert = make_certificate()
    book = Workbook()
    book.active.append(["Certificate Number"])
    book.active.append([cert.certificate_number])
    out = io.BytesIO()
    book.save(out)
    assert cert.certificate_number in upload(client, out.getvalue(), "list.xlsx").text
    gbk = f"证书编号\n{cert.certificate_number}\n".encode("gb18030")
    assert cert.holder_name_zh in upload(client, gbk, "list.csv").text


def test_verify_list_bad_files_get_clear_messages(client):
    response = upload(client, b"\x00\x01garbage", "list.xlsx")
    assert response.status_code == 400
    assert "could not be read" in response.text or "无法读取" in response.text
    response = upload(client, b"", "list.csv")
    assert response.status_code == 400
    too_many = ("number\n" + "\n".join(f"A{i:06d}" for i in range(1001))).encode()
    response = upload(client, too_many, "list.csv")
    assert response.status_code == 400
    assert "1,000" in response.text or "1000" in response.text
    response = upload(client, b"number\nX1\n", "list.exe")
    assert response.status_code == 400


def test_verify_list_requires_csrf(csrf_app_config):
    from portal import create_app

    csrf_app = create_app(csrf_app_config)
    response = csrf_app.test_client().post(
        "/verify-list", data={"file": (io.BytesIO(b"number\nX1\n"), "l.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 400
    assert b"X1" not in response.data


def test_global_feed_lists_status_changes_but_not_restricted(client, make_certificate):
    public = make_certificate()
    secret = make_certificate(restricted=True)
    now = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    for cert in (public, secret):
        certificate_service.change_status(cert, CertificateStatus.SUSPENDED,
                                          effective=date(2026, 11, 24), reason="未按期接受监督审核",
                                          note="internal: chased twice", actor="t", now=now)
    db.session.commit()
    response = client.get("/feed.atom")
    assert response.mimetype == "application/atom+xml"
    root = ElementTree.fromstring(response.data)
    entries = root.findall(f"{ATOM}entry")
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    assert any(public.certificate_number in t for t in titles)
    assert not any(secret.certificate_number in t for t in titles)
    assert b"internal: chased twice" not in response.data


def test_certificate_feed_for_any_number_spelling(client, make_certificate):
    make_certificate(certificate_number="SQI/FW/2025/0003", scheme="REAL_ESTATE_SERVICE")
    for spelling in ("SQI/FW/2025/0003", "sqifw20250003", "SQI%2FFW%2F2025%2F0003"):
        response = client.get(f"/certificates/{spelling}/feed.atom")
        assert response.status_code == 200, spelling
        root = ElementTree.fromstring(response.data)
        assert len(root.findall(f"{ATOM}entry")) == 1
    assert client.get("/certificates/NOPE1234/feed.atom").status_code == 404
