"""`portal import-certificates`, `import-audits` and `export-certificates` from the command line."""

from datetime import date
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import func, select

from portal.domain.status import CertificateStatus
from portal.extensions import db
from portal.models import AuditLogEntry, Certificate, CertificateEvent
from portal.services import certificates as certificate_service
from tests.import_support import csv_bytes, row, wipe_database


def invoke(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_good_file_is_imported_and_summarised(app, tmp_path: Path):
    path = tmp_path / "register.csv"
    path.write_bytes(csv_bytes([row(), row(certificate_number="027-26-Q-10403-R0")], bom=True))
    result = invoke(app, "import-certificates", str(path))
    assert result.exit_code == 0, result.output
    assert "Imported register.csv: 2 created, 0 updated, 0 unchanged" in result.stdout
    assert count(Certificate) == 2
    again = invoke(app, "import-certificates", str(path))
    assert "0 created, 0 updated, 2 unchanged" in again.stdout


def test_bad_file_lists_every_problem_exits_non_zero_and_writes_nothing(app, tmp_path: Path):
    path = tmp_path / "register.csv"
    path.write_bytes(
        csv_bytes(
            [
                row(),
                row(certificate_number="02722Q10235R3M", credit_code="91350100M000100Y44"),
                row(certificate_number="02722Q10236R3M", expiry_date="2024-01-01"),
            ]
        )
    )
    result = invoke(app, "import-certificates", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "line 3: credit_code: 91350100M000100Y44: check digit should be 3, not 4",
        "line 4: expiry_date: 2024-01-01 must be after issue_date 2025-03-01",
        "2 problem(s) on 2 line(s) of 3 row(s); nothing was written.",
    ]
    assert (count(Certificate), count(CertificateEvent), count(AuditLogEntry)) == (0, 0, 0)


def test_withdrawn_to_valid_is_refused_with_its_line_number(app, tmp_path: Path, make_certificate):
    make_certificate(
        certificate_number="02722Q10234R3M", status="withdrawn", status_date=date(2026, 5, 1)
    )
    path = tmp_path / "register.csv"
    path.write_bytes(csv_bytes([row(certificate_number="02722Q10299R3M"), row()]))
    result = invoke(app, "import-certificates", str(path))
    assert result.exit_code == 1
    assert (
        "line 3: status: cannot change the stored status withdrawn to valid: withdrawn is final"
    ) in result.stderr
    assert count(Certificate) == 1


def test_dry_run_reports_changes_and_writes_nothing(app, tmp_path: Path, make_certificate):
    make_certificate(certificate_number="02722Q10234R3M", province="上海市")
    before = (count(Certificate), count(CertificateEvent), count(AuditLogEntry))
    path = tmp_path / "register.csv"
    path.write_bytes(
        csv_bytes(
            [
                row(status="suspended", status_date="2026-11-20"),
                row(certificate_number="02722Q10299R3M"),
            ]
        )
    )
    result = invoke(app, "import-certificates", str(path), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "line 2: 02722Q10234R3M: would update" in result.stdout
    assert "status 'valid' -> 'suspended'" in result.stdout
    assert "1 would be created, 1 updated, 0 unchanged" in result.stdout
    assert (count(Certificate), count(CertificateEvent), count(AuditLogEntry)) == before
    db.session.expire_all()
    assert certificate_service.get_by_number("02722Q10234R3M").status is CertificateStatus.VALID


def test_dry_run_of_a_bad_file_exits_non_zero(app, tmp_path: Path):
    path = tmp_path / "register.csv"
    path.write_bytes(csv_bytes([row(status="expired")]))
    result = invoke(app, "import-certificates", str(path), "--dry-run")
    assert result.exit_code == 1
    assert "line 2: status: expired is derived" in result.stderr


def test_export_then_import_round_trip_through_the_cli(app, tmp_path: Path, make_certificate):
    make_certificate(
        certificate_number="SQI/FW/2025/0003",
        sites=["上海市徐汇区漕溪北路1号"],
        former_names=["旧名有限公司"],
        restricted=True,
    )
    make_certificate(status="cancelled", status_date=date(2026, 1, 2), status_reason="到期未换证")
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    assert invoke(app, "export-certificates", str(first)).exit_code == 0
    reimport = invoke(app, "import-certificates", str(first))
    assert "0 created, 0 updated, 2 unchanged" in reimport.stdout
    wipe_database()
    assert invoke(app, "import-certificates", str(first)).exit_code == 0
    assert invoke(app, "export-certificates", str(second)).exit_code == 0
    assert second.read_bytes() == first.read_bytes()
    assert not list(tmp_path.glob("*.partial"))


def test_export_to_xlsx(app, tmp_path: Path, make_certificate):
    make_certificate(certificate_number="02722Q10234R3M")
    path = tmp_path / "register.xlsx"
    result = invoke(app, "export-certificates", str(path))
    assert result.exit_code == 0
    assert "Exported 1 certificates" in result.stdout
    sheet = load_workbook(path, read_only=True).worksheets[0]
    header, first = list(sheet.iter_rows(values_only=True))
    assert header[0] == "certificate_number" and first[0] == "02722Q10234R3M"
    assert first[header.index("issue_date")].date() == date(2025, 3, 1)  # a real date cell


def test_import_audits_is_all_or_nothing_and_idempotent(app, tmp_path: Path, make_certificate):
    make_certificate(certificate_number="02722Q10234R3M")
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "certificate_number,audit_type,audit_date\n"
        "02722Q10234R3M,surveillance,2026-03-01\n"
        "NOPE12345,surveillance,2026-03-01\n",
        encoding="utf-8",
    )
    result = invoke(app, "import-audits", str(bad))
    assert result.exit_code == 1
    assert "line 3: certificate_number: no certificate NOPE12345 in the register" in result.stderr
    good = tmp_path / "good.csv"
    good.write_text(
        "certificate_number,audit_type,audit_date\n02722Q10234R3M,surveillance,2026-03-01\n",
        encoding="utf-8",
    )
    assert "1 audits added" in invoke(app, "import-audits", str(good)).stdout
    assert "0 audits added, 1 already stored" in invoke(app, "import-audits", str(good)).stdout


def test_missing_file_is_a_usage_error(app, tmp_path: Path):
    result = invoke(app, "import-certificates", str(tmp_path / "nope.csv"))
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_large_file_shows_progress_on_stderr(app, tmp_path: Path):
    path = tmp_path / "register.csv"
    path.write_bytes(csv_bytes([row(certificate_number=f"02722Q{n:05d}R1M") for n in range(2500)]))
    result = invoke(app, "import-certificates", str(path))
    assert result.exit_code == 0, result.output
    assert "checking rows: 2500/2500" in result.stderr
    assert "writing: 2500/2500" in result.stderr
    assert "2500 created" in result.stdout
