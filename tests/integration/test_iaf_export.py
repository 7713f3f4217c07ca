"""`portal export-iaf --layout 1.1`: the register in the one-sheet IAF upload layout (#15)."""

import csv
from datetime import date

import pytest
from openpyxl import load_workbook

from portal.services import iaf_export
from portal.services.iaf_export import IAF_COLUMNS

TODAY = date(2026, 12, 3)


def invoke(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


@pytest.fixture
def register(make_certificate):
    return {
        "valid": make_certificate(certificate_number="02722Q10001R0M", holder_name_zh="上海甲有限公司",
                                  holder_name_en="Shanghai Jia Co., Ltd.", accreditation="CNAS"),
        "suspended": make_certificate(certificate_number="02722Q10002R0M", status="suspended",
                                      status_date=date(2026, 10, 1)),
        "withdrawn": make_certificate(certificate_number="02722Q10003R0M", status="withdrawn",
                                      status_date=date(2026, 10, 1)),
        "cancelled": make_certificate(certificate_number="02722Q10004R0M", status="cancelled",
                                      status_date=date(2026, 10, 1)),
        "expired": make_certificate(certificate_number="02722Q10005R0M",
                                    issue_date=date(2020, 1, 1), expiry_date=date(2023, 1, 1)),
        "restricted": make_certificate(certificate_number="02722Q10006R0M", restricted=True,
                                       holder_name_zh="保密客户有限公司",
                                       holder_name_en="Secret Client Ltd.",
                                       address_zh="上海市保密路1号", scope_zh="保密范围"),
    }


def read_xlsx(path) -> list[dict[str, str]]:
    book = load_workbook(path, read_only=True)
    assert book.sheetnames == ["Certifications"]
    rows = list(book.active.iter_rows(values_only=True))
    assert tuple(rows[0]) == IAF_COLUMNS
    return [dict(zip(IAF_COLUMNS, ("" if v is None else v for v in row), strict=True))
            for row in rows[1:]]


def test_xlsx_round_trip_maps_every_status(app, register, tmp_path):
    path = tmp_path / "iaf.xlsx"
    result = invoke(app, "export-iaf", str(path), "--layout", "1.1")
    assert result.exit_code == 0, result.output
    assert "Wrote 6 certificates" in result.output
    rows = {r["Certificate Number"]: r for r in read_xlsx(path)}
    status = {name: rows[c.certificate_number]["Certification Status"]
              for name, c in register.items()}
    assert status == {"valid": "Active", "suspended": "Suspended", "withdrawn": "Withdrawn",
                      "cancelled": "Cancelled", "expired": "Expired", "restricted": "Active"}
    valid = rows["02722Q10001R0M"]
    assert valid["Certified Entity Name"] == "上海甲有限公司"
    assert valid["Certified Entity English Name"] == "Shanghai Jia Co., Ltd."
    assert valid["Certified Entity Country/Economy"] == "China"
    assert valid["Accreditation Body"] == "CNAS" and valid["Accreditation Status"] == "Accredited"
    assert valid["Certification Issue Date"] == register["valid"].issue_date.strftime("%Y%m%d")
    assert valid["Certification Type"] == "Management System"
    assert valid["Confidential Certified Entity"] == "No"
    assert not list(tmp_path.glob("*.partial"))


def test_restricted_certificate_has_its_name_withheld(app, register, tmp_path):
    path = tmp_path / "iaf.xlsx"
    invoke(app, "export-iaf", str(path), "--layout", "1.1")
    row = next(r for r in read_xlsx(path) if r["Certificate Number"] == "02722Q10006R0M")
    assert row["Certified Entity Name"] == "Confidential"
    assert row["Confidential Certified Entity"] == "Yes"
    assert row["Certified Entity English Name"] == "" and row["Certified Entity Street"] == ""
    assert row["Certification Scope"] == ""
    text = " ".join(str(v) for v in row.values())
    for secret in ("保密客户", "Secret Client", "保密路", "保密范围",
                   register["restricted"].credit_code):
        assert secret not in text
    assert row["Standard"] and row["Certification Expiry Date"]  # public by number anyway


def test_csv_has_the_same_rows(app, register, tmp_path):
    invoke(app, "export-iaf", str(tmp_path / "iaf.xlsx"), "--layout", "1.1")
    result = invoke(app, "export-iaf", str(tmp_path / "iaf.csv"))
    assert result.exit_code == 0, result.output
    with (tmp_path / "iaf.csv").open(encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f))
    assert tuple(table[0]) == IAF_COLUMNS
    assert [dict(zip(IAF_COLUMNS, r, strict=True)) for r in table[1:]] == \
        read_xlsx(tmp_path / "iaf.xlsx")


def test_every_row_passes_the_layout_check(app, register):
    rows = list(iaf_export.iaf_rows(TODAY))
    assert len(rows) == 6
    assert all(iaf_export.check_row(r) == [] for r in rows)


def test_check_row_names_certificate_column_and_problem():
    row = dict.fromkeys(IAF_COLUMNS, "x")
    row.update({"Certificate Number": "N1", "Certification Status": "valid",
                "Certification Issue Date": "2026-01-01", "Standard": ""})
    problems = {str(p) for p in iaf_export.check_row(row)}
    assert "certificate N1: Certification Status: 'valid' is not an IAF status" in problems
    assert "certificate N1: Certification Issue Date: '2026-01-01' is not YYYYMMDD" in problems
    assert "certificate N1: Standard: required by IAF but empty" in problems


def test_a_refused_export_writes_nothing(app, register, tmp_path, monkeypatch):
    real = iaf_export.iaf_row

    def without_standard(record, today):
        row = real(record, today)
        if row["Certificate Number"] == "02722Q10004R0M":
            row["Standard"] = ""  # e.g. a register row imported without its standard
        return row

    monkeypatch.setattr(iaf_export, "iaf_row", without_standard)
    path = tmp_path / "iaf.xlsx"
    result = invoke(app, "export-iaf", str(path), "--layout", "1.1")
    assert result.exit_code == 1
    assert "certificate 02722Q10004R0M: Standard: required by IAF but empty" in result.output
    assert not path.exists() and not list(tmp_path.glob("*.partial"))


def test_wrong_extension_is_refused(app, tmp_path):
    result = invoke(app, "export-iaf", str(tmp_path / "iaf.pdf"))
    assert result.exit_code == 2 and ".xlsx or .csv" in result.output


def test_formulas_in_names_are_neutralised(app, make_certificate, tmp_path):
    make_certificate(holder_name_zh="=HYPERLINK(\"http://evil.example\")有限公司")
    invoke(app, "export-iaf", str(tmp_path / "iaf.xlsx"), "--layout", "1.1")
    [row] = read_xlsx(tmp_path / "iaf.xlsx")
    assert row["Certified Entity Name"].startswith("'=")


def test_progress_is_reported_for_both_passes(app, register, tmp_path):
    calls: list[tuple[str, int, int]] = []
    with (tmp_path / "iaf.csv").open("wb") as stream:
        iaf_export.write_iaf(stream, "iaf.csv", today=TODAY,
                             progress=lambda *call: calls.append(call))
    assert calls == [("check", 6, 6), ("write", 6, 6)]
