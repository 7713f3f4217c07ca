"""One streaming, bounded table reader for the import and `/verify-list` (#11, #13.1)."""

import io

import pytest
from bs4 import BeautifulSoup

from portal.register import tables
from tests.register_support import bounded, xlsx_claiming
from tests.staff_support import signed_in_client

MEMORY_BOUND_MIB = 60


def verify_list(client, content: bytes, filename: str, lang: str = "en"):
    return client.post(f"/verify-list?lang={lang}",
                       data={"file": (io.BytesIO(content), filename), "format": "html"},
                       content_type="multipart/form-data")


def test_verify_list_reports_the_physical_line_of_each_row(client, make_certificate):
    cert = make_certificate()
    body = f"certificate_number\n\n\nNOPE12345\n\n{cert.certificate_number}\n".encode()
    page = BeautifulSoup(verify_list(client, body, "list.csv").text, "html.parser")
    lines = {tr.select("td")[1].get_text(strip=True): tr.select_one("td").get_text(strip=True)
             for tr in page.select("tbody tr")}
    assert lines == {"NOPE12345": "4", cert.certificate_number: "6"}


def test_verify_list_xlsx_rows_are_numbered_as_in_the_sheet(client, make_certificate):
    from openpyxl import Workbook

    cert = make_certificate()
    book = Workbook()
    book.active["A1"] = "证书编号"
    book.active["A5"] = cert.certificate_number
    out = io.BytesIO()
    book.save(out)
    page = BeautifulSoup(verify_list(client, out.getvalue(), "list.xlsx").text, "html.parser")
    assert page.select_one("tbody tr td").get_text(strip=True) == "5"


@pytest.mark.parametrize("lang, expected", [("en", "more than 5000 lines"),
                                            ("zh", "超过 5000 行")])
def test_a_sheet_claiming_20000_by_16384_cells_is_refused_at_once(client, lang, expected):
    # The file of the security review: 2 real cells (A1, A20000), dimension A1:XFD20000.
    body = xlsx_claiming()
    assert len(body) < 10_000
    with bounded(20) as guard:
        response = verify_list(client, body, "list.xlsx", lang)
    assert response.status_code == 400
    assert expected in response.text and "5001" in response.text
    if guard.growth_mib is not None:
        assert guard.growth_mib < MEMORY_BOUND_MIB


def test_a_sheet_claiming_a_huge_size_is_read_as_the_cells_it_holds(client):
    body = xlsx_claiming(last_row=3)
    with bounded(20) as guard:
        response = verify_list(client, body, "list.xlsx")
    assert response.status_code == 200
    page = BeautifulSoup(response.text, "html.parser")
    assert [td.get_text(strip=True) for td in page.select("tbody tr")[0].select("td")][:2] == \
        ["3", "X1"]
    if guard.growth_mib is not None:
        assert guard.growth_mib < MEMORY_BOUND_MIB


def test_staff_import_preview_of_the_same_sheet_answers_at_once(app):
    client = signed_in_client(app, "registrar")
    with bounded(20) as guard:
        response = client.post("/staff/upload?lang=en",
                               data={"file": (io.BytesIO(xlsx_claiming()), "register.xlsx")},
                               content_type="multipart/form-data")
    assert response.status_code == 200
    assert "required column is missing" in response.text  # a preview, not a hang
    if guard.growth_mib is not None:
        assert guard.growth_mib < MEMORY_BOUND_MIB


@pytest.mark.parametrize("lang, expected", [("en", "more than 50 columns"),
                                            ("zh", "超过 50 列")])
def test_a_row_wider_than_the_limit_is_refused_in_the_readers_language(client, lang, expected):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["证书编号"])
    book.active.cell(row=2, column=16384, value="far away")
    out = io.BytesIO()
    book.save(out)
    response = verify_list(client, out.getvalue(), "list.xlsx", lang)
    assert response.status_code == 400
    assert expected in response.text and "2" in response.text


def test_limits_on_rows_lines_cells_and_unpacked_size_name_the_line():
    def read(body: bytes, name: str = "t.csv", **limits: int) -> tables.TableError:
        bounds = tables.Limits(**{"rows": 10, "lines": 20, "columns": 5, "cells": 100,
                                  "seconds": 60, "unpacked_bytes": 10**6} | limits)
        with pytest.raises(tables.TableError) as caught:
            tables.read_table(io.BytesIO(body), name, limits=bounds)
        return caught.value

    rows = read(b"h\n" + b"x\n" * 11)
    expected = "the file has more than 10 rows; split it into smaller files"
    assert (rows.line, rows.english()) == (12, expected)
    assert read(b"h\n" + b"\n" * 30).line == 21
    assert read(b"h\n" + b"x,y\n" * 8, cells=12).line == 7
    big = read(xlsx_claiming(cells=("h", "x" * 5000)), "t.xlsx", unpacked_bytes=5000)
    assert "unpacks to more than" in big.english()


def test_gb18030_only_where_asked_and_utf8_with_or_without_bom():
    gbk = "证书编号\n02722Q10234R3M\n".encode("gb18030")
    with pytest.raises(tables.TableError) as caught:
        tables.read_table(io.BytesIO(gbk), "list.csv")
    assert caught.value.code == "encoding"
    assert tables.read_table(io.BytesIO(gbk), "list.csv", gb18030=True).header == ["证书编号"]
    for body in ("证书编号\n1\n".encode(), "\ufeff证书编号\n1\n".encode()):
        assert tables.read_table(io.BytesIO(body), "list.csv").header == ["证书编号"]


def test_the_cli_reads_the_same_sheet_at_once_and_names_the_line(app, tmp_path):
    path = tmp_path / "register.xlsx"
    path.write_bytes(xlsx_claiming(cells=("certificate_number", "02722Q10234R3M")))
    with bounded(20) as guard:
        result = app.test_cli_runner().invoke(args=["import-certificates", str(path)])
    assert result.exit_code == 1
    assert "line 1: scheme: required column is missing" in result.stderr
    if guard.growth_mib is not None:
        assert guard.growth_mib < MEMORY_BOUND_MIB
    blank = tmp_path / "register.csv"
    blank.write_bytes(b"certificate_number\n" + b"\n" * 600_000)
    result = app.test_cli_runner().invoke(args=["import-certificates", str(blank)])
    assert result.exit_code == 1
    assert "line 500001: file: the file has more than 500000 lines" in result.stderr
