"""/verify-list checks the company name of each row against the holder (#12.1)."""

import io

from bs4 import BeautifulSoup
from openpyxl import load_workbook


def upload(client, content: bytes, fmt: str = "html", filename: str = "list.csv"):
    return client.post("/verify-list", data={"file": (io.BytesIO(content), filename),
                                             "format": fmt},
                       content_type="multipart/form-data")


def rows_of(response) -> list:
    return BeautifulSoup(response.text, "html.parser").select("tbody tr")


def test_number_with_another_company_name_is_flagged_not_ticked(client, make_certificate):
    cert = make_certificate(holder_name_zh="上海华虹电子有限公司")
    body = (f"{cert.certificate_number},苏州别家贸易有限公司\n"
            f"{cert.certificate_number},上海華虹電子有限責任公司\n").encode()
    response = upload(client, body)
    assert response.status_code == 200
    wrong, right = rows_of(response)
    assert "row--mismatch" in wrong.get("class", [])
    assert wrong.select_one("[data-name-match]")["data-name-match"] == "no_match"
    assert wrong.select_one(".badge--valid") is None  # no green tick for the wrong company
    assert "✓" not in wrong.get_text()
    assert right.select_one("[data-name-match]")["data-name-match"] == "match"
    assert right.select_one(".badge--valid") is not None
    page = BeautifulSoup(response.text, "html.parser")
    assert page.select_one(".list-mismatch") is not None


def test_header_columns_and_credit_codes_are_checked_too(client, make_certificate):
    cert = make_certificate(holder_name_zh="上海华虹电子有限公司")
    body = ("统一社会信用代码,企业名称\n"
            f"{cert.credit_code},苏州别家贸易有限公司\n").encode()
    (row,) = rows_of(upload(client, body))
    assert row.select_one("[data-name-match]")["data-name-match"] == "no_match"


def test_xlsx_download_carries_the_name_check(client, make_certificate):
    cert = make_certificate(holder_name_zh="上海华虹电子有限公司")
    body = (f"certificate_number,name\n{cert.certificate_number},苏州别家贸易有限公司\n").encode()
    sheet = load_workbook(io.BytesIO(upload(client, body, fmt="xlsx").data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][-1] in ("名称核对", "Name check")
    assert values[1][-1] in ("名称与获证组织不符", "Name does not match the holder")


def test_restricted_certificate_gets_a_name_check_without_its_holder(client, make_certificate):
    cert = make_certificate(restricted=True, holder_name_zh="上海保密机电有限公司")
    body = (f"number,name\n{cert.certificate_number},上海保密机店有限公司\n"
            f"{cert.certificate_number},上海保密机电有限公司\n").encode()
    response = upload(client, body)
    near, right = rows_of(response)
    assert near.select_one("[data-name-match]")["data-name-match"] == "no_match"
    assert right.select_one("[data-name-match]")["data-name-match"] == "match"
    assert response.text.count("保密机电") == 1  # only the reader's own line comes back
