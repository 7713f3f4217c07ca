"""/verify-list result page: CSV and XLSX downloads of exactly the table shown (#15)."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import time_machine
from bs4 import BeautifulSoup
from openpyxl import load_workbook

from portal.domain.status import CertificateStatus
from portal.extensions import db
from portal.models.checked_list import CheckedList
from portal.services import certificates as certificate_service


def check(client, content: bytes, filename: str = "list.csv", lang: str = "en"):
    return client.post(f"/verify-list?lang={lang}",
                       data={"file": (io.BytesIO(content), filename), "format": "html"},
                       content_type="multipart/form-data")


def download_links(response) -> dict[str, str]:
    page = BeautifulSoup(response.text, "html.parser")
    links = page.select("a[href*='/verify-list/results/']")
    return {a["href"].rsplit(".", 1)[1]: a["href"] for a in links}


def page_rows(response) -> list[list[str]]:
    page = BeautifulSoup(response.text, "html.parser")
    return [[td.get_text(" ", strip=True) for td in tr.select("td")]
            for tr in page.select("tbody tr")]


def test_result_page_offers_csv_and_xlsx_of_the_rows_shown(client, make_certificate):
    valid = make_certificate(holder_name_zh="上海明珠物业管理有限公司")
    suspended = make_certificate(status="suspended", status_date=date(2026, 10, 1))
    response = check(client, (f"certificate_number\n{valid.certificate_number}\n"
                              f"{suspended.certificate_number}\nNOPE123\n").encode())
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    links = download_links(response)
    assert set(links) == {"csv", "xlsx"}
    shown = page_rows(response)
    assert len(shown) == 3

    csv_response = client.get(links["csv"] + "?lang=en")
    assert csv_response.status_code == 200
    assert csv_response.mimetype == "text/csv"
    assert "attachment" in csv_response.headers["Content-Disposition"]
    assert csv_response.data.startswith("\ufeff".encode())  # Excel reads the Chinese names
    table = list(csv.reader(io.StringIO(csv_response.data.decode("utf-8-sig"))))
    assert table[0][0] == "Line" and len(table) == 4
    assert [r[5] for r in table[1:]] == [valid.certificate_number, suspended.certificate_number, ""]
    assert table[1][6] == "上海明珠物业管理有限公司"
    assert [r[8] for r in table[1:]] == ["Valid", "Suspended", ""]
    assert table[3][4] == "Not found"

    book = load_workbook(io.BytesIO(client.get(links["xlsx"] + "?lang=en").data))
    values = [[("" if c is None else c) for c in row] for row in book.active.iter_rows(values_only=True)]
    assert [row[1:] for row in values[1:]] == [row[1:] for row in table[1:]]
    assert [int(row[0]) for row in values[1:]] == [int(row[0]) for row in table[1:]]


def test_download_is_the_shown_result_even_after_the_register_changed(client, make_certificate):
    cert = make_certificate()
    response = check(client, f"certificate_number\n{cert.certificate_number}\n".encode())
    certificate_service.change_status(cert, CertificateStatus.SUSPENDED,
                                      effective=date(2026, 11, 25), reason="x", actor="t",
                                      now=datetime(2026, 11, 25, tzinfo=UTC))
    db.session.commit()
    table = list(csv.reader(io.StringIO(
        client.get(download_links(response)["csv"] + "?lang=en").data.decode("utf-8-sig"))))
    assert table[1][8] == "Valid"  # what the page said, not a silent re-check


def test_restricted_holder_is_not_in_the_download(client, make_certificate):
    cert = make_certificate(restricted=True, holder_name_zh="保密客户有限公司")
    response = check(client, f"number\n{cert.certificate_number}\n".encode())
    links = download_links(response)
    for fmt in ("csv", "xlsx"):
        body = client.get(links[fmt]).data
        assert cert.certificate_number.encode() in body or fmt == "xlsx"
        assert "保密客户有限公司".encode() not in body
    stored = db.session.scalar(db.select(CheckedList))
    assert "保密客户有限公司" not in str(stored.rows)


def test_downloads_neutralise_spreadsheet_formulas(client):
    response = check(client, b'name\n"=HYPERLINK(""http://evil.example"",""x"")"\n+1+2\n')
    links = download_links(response)
    text = client.get(links["csv"]).data.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[1][3].startswith("'=") and table[2][3] == "'+1+2"
    sheet = load_workbook(io.BytesIO(client.get(links["xlsx"]).data)).active
    cells = [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert cells == ["'" + '=HYPERLINK("http://evil.example","x")', "'+1+2"]
    assert all(c.data_type == "s" for c in sheet["D"])


def test_results_expire_and_unknown_links_explain(client, make_certificate):
    cert = make_certificate()
    with time_machine.travel(datetime(2026, 12, 1, 8, 0, tzinfo=UTC), tick=False):
        response = check(client, f"number\n{cert.certificate_number}\n".encode())
    links = download_links(response)
    with time_machine.travel(datetime(2026, 12, 1, 8, 50, tzinfo=UTC), tick=False):
        assert client.get(links["csv"]).status_code == 200
    with time_machine.travel(datetime(2026, 12, 1, 9, 1, tzinfo=UTC), tick=False):
        gone = client.get(links["csv"] + "?lang=en")
        assert gone.status_code == 404
        assert "no longer kept" in gone.text
        # A later check deletes expired results from the database.
        check(client, f"number\n{cert.certificate_number}\n".encode())
    assert db.session.scalar(db.select(db.func.count(CheckedList.id))) == 1
    assert client.get("/verify-list/results/not-a-token.csv").status_code == 404
    assert client.get("/verify-list/results/x.pdf").status_code == 404


def test_a_failed_check_offers_no_download(client):
    response = check(client, b"")
    assert response.status_code == 400
    assert download_links(response) == {}
    assert db.session.scalar(db.select(db.func.count(CheckedList.id))) == 0


def test_expired_results_are_deleted_after_keep_time():
    from portal.services.checked_lists import KEEP

    assert timedelta(minutes=10) <= KEEP <= timedelta(hours=24)
