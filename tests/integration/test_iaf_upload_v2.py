"""`portal export-iaf` writes the IAF CertSearch v2 multi-sheet upload and its checks (#24)."""

import csv
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from portal.extensions import db
from portal.services import iaf_export
from tests.conftest import test_config
from tests.spec_tables import TABLE_2022
from tests.staff_support import own_app

SHEETS = ["Certified Entity", "Certification", "Standard & Scheme", "Sites", "Sector"]
COLUMNS = {
    "Certified Entity": ["Certified Entity Unique ID", "Certified Entity Name",
                         "Certified Entity Trading Name", "Certified Entity English Name",
                         "Certified Entity Country/Economy", "Certified Entity Street",
                         "Certified Entity City", "Certified Entity State",
                         "Certified Entity Zipcode/Postcode", "Confidential Certified Entity"],
    "Certification": ["Certified Entity Unique ID", "Certification Identity Number",
                      "Certificate Number", "Certification Status", "Certification Type",
                      "Certification Scope", "Certification Original Issue Date",
                      "Certification Issue Date", "Certification Expiry Date",
                      "Accreditation Status"],
    "Standard & Scheme": ["Certification Identity Number", "Scheme Name", "Standard Name"],
    "Sites": ["Certification Identity Number", "Site Country/Economy", "Site Street",
              "Site City", "Site State", "Site Zipcode/Postcode", "Site Scope"],
    "Sector": ["Certification Identity Number", "Sector Name", "Sector Code"],
}


def invoke(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def read_book(path) -> dict[str, list[dict[str, str]]]:
    """Read every sheet back with openpyxl, checking its name and header row."""
    book = load_workbook(path, read_only=True)
    assert book.sheetnames == SHEETS
    out = {}
    for name in SHEETS:
        rows = list(book[name].iter_rows(values_only=True))
        assert list(rows[0]) == COLUMNS[name], name
        out[name] = [dict(zip(COLUMNS[name], ("" if v is None else v for v in row), strict=True))
                     for row in rows[1:]]
    return out


@pytest.fixture
def register(make_certificate):
    return [
        make_certificate(certificate_number="02722Q10001R0M", holder_name_zh="上海甲有限公司",
                         sites=["上海市闵行区漕宝路8号", "上海市松江区九亭镇1号"]),
        make_certificate(certificate_number="02722E10002R0M", scheme="EMS",
                         standard="GB/T 24001-2016/ISO 14001:2015", status="suspended",
                         status_date=date(2026, 10, 1)),
        make_certificate(certificate_number="02722Q10003R0M", restricted=True,
                         holder_name_zh="保密客户有限公司", sites=["上海市保密路2号"]),
    ]


def test_upload_reads_back_with_the_v2_sheets_and_field_names(app, register, tmp_path):
    path = tmp_path / "iaf.xlsx"
    result = invoke(app, "export-iaf", str(path))
    assert result.exit_code == 0, result.output
    book = read_book(path)
    certs = {r["Certificate Number"]: r for r in book["Certification"]}
    assert certs["02722Q10001R0M"]["Certification Status"] == "Active"
    assert certs["02722E10002R0M"]["Certification Status"] == "Suspended"
    entity = {r["Certified Entity Unique ID"]: r for r in book["Certified Entity"]}
    first = entity[certs["02722Q10001R0M"]["Certified Entity Unique ID"]]
    assert first["Certified Entity Name"] == "上海甲有限公司"
    assert first["Certified Entity Country/Economy"] == "China"
    standards = {r["Certification Identity Number"]: r for r in book["Standard & Scheme"]}
    ems = standards[certs["02722E10002R0M"]["Certification Identity Number"]]
    assert ems == {"Certification Identity Number": "02722E10002R0M",
                   "Scheme Name": "Environmental Management Systems",
                   "Standard Name": "ISO 14001:2015"}
    sites = [r["Site Street"] for r in book["Sites"]
             if r["Certification Identity Number"] == "02722Q10001R0M"]
    assert sites == ["上海市闵行区漕宝路8号", "上海市松江区九亭镇1号"]
    secret = entity[certs["02722Q10003R0M"]["Certified Entity Unique ID"]]
    assert secret["Confidential Certified Entity"] == "Yes"
    assert "保密" not in " ".join(str(v) for sheet in book.values() for r in sheet
                                for v in r.values())


def test_more_than_10000_rows_go_on_in_further_files(app, register, tmp_path, monkeypatch):
    monkeypatch.setattr(iaf_export, "MAX_ROWS_PER_FILE", 2)  # 3 certificates, 3 sites
    path = tmp_path / "iaf.xlsx"
    result = invoke(app, "export-iaf", str(path))
    assert result.exit_code == 0, result.output
    files = sorted(tmp_path.glob("iaf-*.xlsx"))
    assert [f.name for f in files] == ["iaf-1.xlsx", "iaf-2.xlsx"]
    assert not path.exists()
    books = [read_book(f) for f in files]
    assert all(len(rows) <= 2 for book in books for rows in book.values())
    numbers = [r["Certificate Number"] for book in books for r in book["Certification"]]
    assert numbers == ["02722E10002R0M", "02722Q10001R0M", "02722Q10003R0M"]
    # A certificate's sites travel in the file of its certification.
    for book in books:
        ids = {r["Certification Identity Number"] for r in book["Certification"]}
        assert {r["Certification Identity Number"] for r in book["Sites"]} <= ids


def test_a_bad_row_is_reported_with_its_file_sheet_row_and_field(
        app, register, make_certificate, tmp_path):
    long_number = "SQI/FW/2025/" + "1" * 52  # 64 characters: the register takes it, IAF not
    make_certificate(certificate_number=long_number)
    path = tmp_path / "iaf.xlsx"
    result = invoke(app, "export-iaf", str(path))
    assert result.exit_code == 1
    # Rows are in certificate-number order: the header is row 1, this certificate is the 5th.
    assert (f"file 1, sheet 'Certification', row 5 (certificate {long_number}): "
            "Certificate Number: 64 characters, IAF allows 60") in result.output
    assert not list(tmp_path.iterdir())


def test_an_unmapped_scheme_and_a_missing_required_field_are_reported(
        app, register, tmp_path, monkeypatch):
    monkeypatch.delitem(iaf_export.IAF_SCHEME, "EMS")
    db.session.get(type(register[0]), register[0].id).standard = "企业标准"
    db.session.commit()
    real = iaf_export.certification_rows

    def without_name(record, today):
        rows = real(record, today)
        if record["certificate_number"] == "02722Q10001R0M":
            rows["Certified Entity"][0]["Certified Entity Name"] = ""
        return rows

    monkeypatch.setattr(iaf_export, "certification_rows", without_name)
    result = invoke(app, "export-iaf", str(tmp_path / "iaf.xlsx"))
    assert result.exit_code == 1
    out = result.output
    assert ("file 1, sheet 'Standard & Scheme', row 2 (certificate 02722E10002R0M): "
            "Scheme Name: scheme 'EMS' has no IAF CertSearch scheme name") in out
    assert ("file 1, sheet 'Certified Entity', row 3 (certificate 02722Q10001R0M): "
            "Certified Entity Name: required by IAF but empty") in out
    assert not (tmp_path / "iaf.xlsx").exists()


def test_status_outside_iafs_list_is_refused():
    row = {"Certification Status": "Valid", "Certification Issue Date": "2026-01-01"}
    problems = iaf_export.check_sheet_row("Certification", row)
    assert "Certification Status: 'Valid' is not an IAF status" in problems
    assert "Certification Issue Date: '2026-01-01' is not YYYYMMDD" in problems
    assert "Certificate Number: required by IAF but empty" in problems


def test_csv_needs_the_one_sheet_layout(app, register, tmp_path):
    result = invoke(app, "export-iaf", str(tmp_path / "iaf.csv"), "--layout", "2")
    assert result.exit_code == 2 and ".xlsx only" in result.output


def test_aggregate_counts_certifications_and_sites_per_standard_and_country(
        app, register, make_certificate, tmp_path):
    make_certificate(certificate_number="02722Q10009R0M", issue_date=date(2026, 11, 1),
                     initial_issue_date=date(2026, 11, 1))  # issued after 2026-Q3 ended
    path = tmp_path / "aggregate.xlsx"
    result = invoke(app, "export-iaf", str(path), "--aggregate", "--quarter", "2026-Q3")
    assert result.exit_code == 0, result.output
    rows = list(load_workbook(path, read_only=True)["Aggregate"].iter_rows(values_only=True))
    assert list(rows[0]) == ["Quarter", "Standard Name", "Scheme Name", "Country/Economy",
                             "Certifications", "Sites"]
    by_standard = {r[1]: r for r in rows[1:]}
    # 30 Sep 2026: both QMS certificates in force (4 sites with their registered addresses);
    # the EMS one was valid until its suspension on 1 Oct.
    assert by_standard["ISO 9001:2015"] == ("2026-Q3", "ISO 9001:2015",
                                            "Quality Management Systems", "China", 2, 5)
    assert by_standard["ISO 14001:2015"][4:] == (1, 1)


def test_aggregate_refuses_a_malformed_quarter(app, tmp_path):
    result = invoke(app, "export-iaf", str(tmp_path / "a.csv"), "--aggregate", "--quarter", "Q5")
    assert result.exit_code == 2 and "2026-Q4" in result.output


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    """One app with the demo data set (loading takes seconds)."""
    with own_app(test_config(Path(tmp_path_factory.mktemp("iaf-demo")))) as app:
        result = app.test_cli_runner().invoke(args=["demo-data", "--if-empty"])
        assert result.exit_code == 0, result.output
        yield app


def test_demo_register_passes_iafs_checks_and_2022_q4_counts_the_reports_valid_column(
        demo_app, tmp_path):
    upload = invoke(demo_app, "export-iaf", str(tmp_path / "iaf.xlsx"))
    assert upload.exit_code == 0, upload.output
    result = invoke(demo_app, "export-iaf", str(tmp_path / "q.csv"), "--aggregate",
                    "--quarter", "2022-Q4")
    assert result.exit_code == 0, result.output
    with (tmp_path / "q.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    by_scheme: dict[str, int] = {}
    for row in rows:
        assert row["Quarter"] == "2022-Q4" and row["Country/Economy"] == "China"
        assert int(row["Sites"]) >= int(row["Certifications"])
        by_scheme[row["Scheme Name"]] = by_scheme.get(row["Scheme Name"], 0) + \
            int(row["Certifications"])
    valid = {scheme: figures[0] for scheme, figures in TABLE_2022.items()}  # SPEC §6, 31 Dec
    assert by_scheme == {
        "Quality Management Systems": valid["QMS"],
        "Environmental Management Systems": valid["EMS"],
        "Occupational Health and Safety Management Systems": valid["OHSMS"],
        "Social Responsibility Management Systems": valid["SRMS"],
        "Other Management Systems": valid["OTHER_MS"],
        "Product Certification": valid["GREEN_PRODUCT"] + valid["VOLUNTARY_PRODUCT"],
        "Service Certification": valid["REAL_ESTATE_SERVICE"],
    }
