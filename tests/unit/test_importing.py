"""Certificate and audit import: every row checked first, then all or nothing (docs/contract.md §2)."""

import csv
import io
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from portal import clock
from portal.domain.codes import make_credit_code
from portal.domain.records import CERTIFICATE_COLUMNS
from portal.domain.status import CertificateStatus
from portal.extensions import db
from portal.models import (
    Audit,
    AuditLogEntry,
    Certificate,
    CertificateEvent,
    EventKind,
    SearchChange,
    Site,
)
from portal.services import certificates as certificate_service
from portal.services import exporting, importing
from tests.factories import certificate_data
from tests.import_support import CODE, csv_bytes, row, wipe_database

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def plan(content: bytes, filename: str = "certificates.csv") -> importing.ImportPlan:
    return importing.plan_certificate_import(io.BytesIO(content), filename)


def run(content: bytes, filename: str = "certificates.csv") -> importing.ImportResult:
    result = plan(content, filename)
    assert result.ok, [str(e) for e in result.errors]
    return importing.apply_certificate_import(result, actor="cli:test", now=NOW)


def messages(result: importing.ImportPlan | importing.AuditImportPlan) -> list[str]:
    return [str(e) for e in result.errors]


def table_counts() -> dict[str, int]:
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Certificate, Site, CertificateEvent, SearchChange, AuditLogEntry, Audit)
    }


def stored(number: str) -> Certificate:
    db.session.expire_all()
    cert = certificate_service.get_by_number(number)
    assert cert is not None
    return cert


def test_import_creates_certificates_with_every_field_history_and_logs(app):
    result = run(
        csv_bytes(
            [
                row(
                    sites="江苏省苏州市星湖街1号;浙江省杭州市江南大道2号",
                    former_names="上海华虹电子厂",
                    restricted="TRUE",
                ),
                row(
                    certificate_number="027-26-Q-10403-R0",
                    credit_code="",
                    status="suspended",
                    status_date="2026-06-01",
                    status_reason="未按期接受监督审核",
                    scope_zh="生产\n销售",
                    initial_issue_date="",
                ),
            ]
        )
    )
    assert result == importing.ImportResult(created=2, updated=0, unchanged=0)
    first = stored("02722Q10234R3M")
    assert first.site_addresses == ["江苏省苏州市星湖街1号", "浙江省杭州市江南大道2号"]
    assert first.former_names == ["上海华虹电子厂"]
    assert first.restricted is True
    assert first.credit_code == CODE
    assert [(e.kind, e.status, e.effective_date) for e in first.events] == [
        (EventKind.ISSUED, CertificateStatus.VALID, date(2019, 3, 1))
    ]
    second = stored("02726Q10403R0")
    assert second.certificate_number == "027-26-Q-10403-R0"
    assert second.scope_zh == "生产\n销售"
    assert second.status is CertificateStatus.SUSPENDED
    assert [(e.status, e.effective_date, e.public_reason) for e in second.status_history] == [
        (CertificateStatus.VALID, date(2025, 3, 1), ""),
        (CertificateStatus.SUSPENDED, date(2026, 6, 1), "未按期接受监督审核"),
    ]
    counts = table_counts()
    assert counts["search_changes"] == 2
    entries = db.session.scalars(select(AuditLogEntry).order_by(AuditLogEntry.id)).all()
    assert [(e.action, e.actor, e.entity_id) for e in entries] == [
        ("certificate.create", "cli:test", "02722Q10234R3M"),
        ("certificate.create", "cli:test", "027-26-Q-10403-R0"),
    ]
    assert entries[1].after == certificate_service.snapshot(second)


def test_bulk_create_writes_the_same_rows_as_the_certificate_service(app):
    def rows_of(cert: Certificate) -> dict[str, Any]:
        log = db.session.scalars(
            select(AuditLogEntry).where(AuditLogEntry.entity_id == cert.certificate_number)
        ).all()
        return {
            "snapshot": {
                k: v
                for k, v in certificate_service.snapshot(cert).items()
                if k != "certificate_number"
            },
            "stored": (cert.status_date, cert.is_demo, cert.created_at, cert.updated_at),
            "events": [
                (
                    e.kind,
                    e.status,
                    e.effective_date,
                    e.public_reason,
                    e.internal_note,
                    e.actor,
                    e.recorded_at,
                    e.issue_number,
                    e.details,
                )
                for e in cert.events
            ],
            "log": [
                (
                    e.action,
                    e.actor,
                    e.at,
                    e.before,
                    e.entity_type,
                    {k: v for k, v in e.after.items() if k != "certificate_number"},
                )
                for e in log
            ],
            "changes": db.session.scalar(
                select(func.count())
                .select_from(SearchChange)
                .where(SearchChange.number_key == cert.number_key)
            ),
        }

    for status in ("valid", "suspended", "withdrawn"):
        fields = {
            "status": status,
            "sites": ["苏州市星湖街1号", "杭州市江南大道2号"],
            "former_names": ["旧名有限公司"],
            "status_reason": "原因",
            "status_date": date(2026, 1, 5) if status != "valid" else None,
        }
        data = certificate_data(certificate_number=f"SVC{status}1", **fields)
        by_service = certificate_service.create_certificate(data, actor="a", now=NOW)
        copy = replace(
            data,
            certificate_number=f"BLK{status}1",
            sites=list(data.sites),
            former_names=list(data.former_names),
        )
        importing.bulk_create_certificates([copy], actor="a", now=NOW)
        db.session.commit()
        by_bulk = stored(f"BLK{status}1")
        by_service = stored(f"SVC{status}1")
        assert rows_of(by_bulk) == rows_of(by_service)


def test_bad_rows_are_all_reported_and_nothing_is_written(app, make_certificate):
    kept = make_certificate(certificate_number="02722Q10001R1M", scope_zh="原有范围")
    before = table_counts()
    content = csv_bytes(
        [
            row(certificate_number="02722Q10001R1M", scope_zh="新范围"),  # line 2: good update
            row(certificate_number="02722Q10002R1M", scheme="ABC"),  # line 3
            row(certificate_number="02722Q10003R1M"),  # line 4: good create
            row(certificate_number="02722Q10004R1M", issue_date="2025/03/01"),  # line 5
            row(certificate_number="02722Q10005R1M", holder_name_zh=""),  # line 6
            row(certificate_number="02722Q10006R1M", status="active"),  # line 7
        ]
    )
    result = plan(content)
    assert not result.ok
    assert messages(result) == [
        ("line 3: scheme: unknown scheme ABC; use one of QMS, EMS, OHSMS, SRMS, OTHER_MS, "
        "GREEN_PRODUCT, VOLUNTARY_PRODUCT, REAL_ESTATE_SERVICE"),
        "line 5: issue_date: 2025/03/01 is not a date in the form YYYY-MM-DD",
        "line 6: holder_name_zh: required, but empty",
        "line 7: status: unknown status active; use one of valid, suspended, withdrawn, cancelled",
    ]
    with pytest.raises(importing.ImportRefused):
        importing.apply_certificate_import(result, actor="cli:test", now=NOW)
    assert table_counts() == before
    assert stored(kept.certificate_number).scope_zh == "原有范围"


def test_line_numbers_count_physical_lines_of_multiline_values(app):
    content = csv_bytes(
        [
            row(scope_zh="第一行\n第二行\n第三行"),
            row(certificate_number="02722Q20000R1M", expiry_date="2020-01-01"),
        ]
    )
    assert messages(plan(content)) == [
        "line 5: expiry_date: 2020-01-01 must be after issue_date 2025-03-01"
    ]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            {"initial_issue_date": "2026-01-01"},
            "initial_issue_date: 2026-01-01 is after issue_date 2025-03-01",
        ),
        (
            {"expiry_date": "2025-03-01"},
            "expiry_date: 2025-03-01 must be after issue_date 2025-03-01",
        ),
        ({"expiry_date": "2027-02-29"}, "expiry_date: 2027-02-29 is not a day of the calendar"),
        (
            {"status": "withdrawn", "status_date": "2018-12-31"},
            "status_date: 2018-12-31 is before the certificate was first issued (2019-03-01)",
        ),
        (
            {"status": "expired"},
            ("status: expired is derived from expiry_date and is never imported; "
            "give the stored status (valid or suspended)"),
        ),
        ({"restricted": "yes"}, "restricted: yes: use true or false"),
        (
            {"certificate_number": "Q-?"},
            ("certificate_number: Q-? is not a certificate number: use "
            "4 to 40 letters and digits (at least one digit), "
            "optionally separated by -, / or spaces"),
        ),
        ({"province": "省" * 51}, "province: too long: 51 characters, at most 50"),
        (
            {"initial_issue_date": "0001-01-01"},
            ("initial_issue_date: 0001-01-01 is outside the years a certificate can carry "
            "(1990 to 2099)"),
        ),
        (
            {"expiry_date": "9999-12-31"},
            "expiry_date: 9999-12-31 is outside the years a certificate can carry (1990 to 2099)",
        ),
        (
            {"expiry_date": "2035-03-02"},
            "expiry_date: 2035-03-02 is more than 10 years after issue_date 2025-03-01",
        ),
    ],
)
def test_each_rule_names_the_column_and_the_problem(app, values, expected):
    assert messages(plan(csv_bytes([row(**values)]))) == [f"line 2: {expected}"]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("91350100M000100Y4Z", "check digit should be 3, not Z"),
        ("91350100M000100Y44", "check digit should be 3, not 4"),
        ("91350100M000100Y4", "must be 18 characters, got 17"),
        ("91350100M0001O0Y43", "characters not allowed: O (I, O, Z, S and V are never used)"),
        ("91ABCDEFM000100Y43", "characters 3-8 must be the six-digit administrative division code"),
    ],
)
def test_credit_code_problems_say_what_is_wrong(app, code, expected):
    assert messages(plan(csv_bytes([row(credit_code=code)]))) == [
        f"line 2: credit_code: {code}: {expected}"
    ]


def test_credit_code_is_stored_normalised(app):
    run(csv_bytes([row(credit_code=" 9135 0100 m000100y43 ")]))
    assert stored("02722Q10234R3M").credit_code == CODE


def test_duplicate_numbers_in_one_file_are_refused(app):
    content = csv_bytes(
        [
            row(),
            row(certificate_number="02722q10234r3m"),
            row(certificate_number="027 22 Q 10234 R3M"),
        ]
    )
    assert messages(plan(content)) == [
        "line 3: certificate_number: the same certificate is already on line 2",
        "line 4: certificate_number: the same certificate is already on line 2",
    ]


def test_unknown_repeated_and_missing_columns_are_refused(app):
    content = b"certificate_number,scheme,holder_nmae_zh,colour,scheme\nX1,QMS,a,b,QMS\n"
    result = plan(content)
    assert result.rows == []
    text = messages(result)
    assert "line 1: holder_nmae_zh: unknown column; did you mean holder_name_zh?" in text
    assert any(
        t.startswith("line 1: colour: unknown column; the columns are: certificate_number, scheme,")
        for t in text
    )
    assert "line 1: scheme: the column appears twice" in text
    for column in ("standard", "holder_name_zh", "scope_zh", "issue_date", "expiry_date", "status"):
        assert f"line 1: {column}: required column is missing" in text


def test_optional_columns_may_be_left_out_and_header_is_case_insensitive(app):
    columns = (
        "Certificate_Number",
        "scheme",
        "standard",
        "holder_name_zh",
        "scope_zh",
        "issue_date",
        "expiry_date",
        "status",
    )
    data = row()
    content = csv_bytes([{c: data[c.lower()] for c in columns}], columns=columns)
    assert run(content).created == 1
    cert = stored("02722Q10234R3M")
    assert (cert.credit_code, cert.sites, cert.restricted) == ("", [], False)


def test_columns_left_out_keep_their_stored_values(app):
    run(
        csv_bytes(
            [row(sites="苏州市星湖街1号", former_names="旧名有限公司", status_reason="r")],
        )
    )
    columns = ("certificate_number", "scheme", "standard", "holder_name_zh", "scope_zh")
    columns += ("issue_date", "expiry_date", "status")
    short = csv_bytes([row(scope_zh="新范围", status="suspended")], columns=columns)
    result = plan(short)
    assert result.rows[0].changes == {
        "scope_zh": ("集成电路的设计和销售", "新范围"),
        "status": ("valid", "suspended"),
        "status_date": (None, clock.today().isoformat()),  # no status_date given: today
        "status_reason": ("r", ""),
    }
    importing.apply_certificate_import(result, actor="cli:test", now=NOW)
    cert = stored("02722Q10234R3M")
    assert (cert.scope_zh, cert.holder_name_en, cert.credit_code) == (
        "新范围",
        "Shanghai Huahong Electronics Co., Ltd.",
        CODE,
    )
    assert (cert.site_addresses, cert.former_names) == (["苏州市星湖街1号"], ["旧名有限公司"])
    assert cert.status_history[-1].effective_date == cert.status_date == clock.today()
    assert [r.action for r in plan(short).rows] == ["unchanged"]


def test_csv_with_byte_order_mark_and_crlf_lines_is_read(app):
    content = csv_bytes([row(), row(certificate_number="02722Q10235R3M")], bom=True)
    content = content.replace(b"\n", b"\r\n")
    assert run(content).created == 2


def test_file_that_is_not_utf8_is_refused_with_a_hint(app):
    content = csv_bytes([row()]).decode().encode("gb18030")
    assert messages(plan(content)) == [
        'line 2: file: the file is not UTF-8 text; in Excel save it as "CSV UTF-8" or as .xlsx'
    ]


def test_row_with_more_values_than_columns_is_refused(app):
    content = csv_bytes([row()]).replace(b"false\n", b"false,,extra\n")
    assert messages(plan(content)) == [
        "line 2: row: the row has 24 values but the header names 22 columns"
    ]


@pytest.mark.parametrize(
    ("content", "filename", "expected"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "register.xls", "old .xls workbooks"),
        (b"PK\x03\x04 not really a workbook", "register.xlsx", "the workbook cannot be read"),
    ],
)
def test_unreadable_workbooks_are_refused(app, content, filename, expected):
    (error,) = plan(content, filename).errors
    assert (error.line, error.column) == (1, "file")
    assert error.problem.startswith(expected)


def test_empty_file_is_refused(app):
    assert messages(plan(b"\xef\xbb\xbf\n\n")) == [
        "line 1: file: the file is empty; the first row must name the columns"
    ]


def test_xlsx_is_imported_with_date_cells_and_row_numbers(app):
    book = Workbook()
    sheet = book.active
    sheet.append(list(CERTIFICATE_COLUMNS))
    good = row()
    sheet.append([date(2025, 3, 1) if c == "issue_date" else good[c] for c in CERTIFICATE_COLUMNS])
    sheet.append([])  # blank rows are skipped but still counted
    sheet.append(
        [
            row(certificate_number="02722Q10236R3M", credit_code="91350100M000100Y44")[c]
            for c in CERTIFICATE_COLUMNS
        ]
    )
    out = io.BytesIO()
    book.save(out)
    result = plan(out.getvalue(), "register.xlsx")
    assert messages(result) == [
        "line 4: credit_code: 91350100M000100Y44: check digit should be 3, not 4"
    ]
    sheet.delete_rows(4)
    out = io.BytesIO()
    book.save(out)
    assert run(out.getvalue(), "register.xlsx").created == 1
    assert stored("02722Q10234R3M").issue_date == date(2025, 3, 1)


def test_withdrawn_certificate_cannot_be_made_valid_again(app, make_certificate):
    make_certificate(certificate_number="02722Q10001R1M")
    make_certificate(
        certificate_number="02722Q10002R1M", status="withdrawn", status_date=date(2026, 5, 1)
    )
    before = table_counts()
    content = csv_bytes(
        [
            row(certificate_number="02722Q10001R1M", status="suspended"),
            row(certificate_number="02722Q10002R1M", status="valid"),
        ]
    )
    assert messages(plan(content)) == [
        "line 3: status: cannot change the stored status withdrawn to valid: withdrawn is final"
    ]
    assert table_counts() == before


def test_suspension_by_import_records_a_history_event(app, make_certificate):
    make_certificate(**{"certificate_number": "02722Q10234R3M", **_factory_fields(row())})
    content = csv_bytes(
        [row(status="suspended", status_date="2026-11-20", status_reason="未按期接受监督审核")]
    )
    result = plan(content)
    assert [(r.action, r.changes) for r in result.rows] == [
        (
            "update",
            {
                "status": ("valid", "suspended"),
                "status_date": (None, "2026-11-20"),
                "status_reason": ("", "未按期接受监督审核"),
            },
        )
    ]
    assert importing.apply_certificate_import(result, actor="cli:test", now=NOW).updated == 1
    cert = stored("02722Q10234R3M")
    assert cert.status is CertificateStatus.SUSPENDED
    event = cert.status_history[-1]
    assert (event.status, event.effective_date, event.public_reason, event.actor) == (
        CertificateStatus.SUSPENDED,
        date(2026, 11, 20),
        "未按期接受监督审核",
        "cli:test",
    )
    log = db.session.scalars(select(AuditLogEntry).order_by(AuditLogEntry.id.desc())).first()
    assert (log.action, log.before["status"], log.after["status"]) == (
        "certificate.update",
        "valid",
        "suspended",
    )


def test_status_change_dated_before_the_stored_one_is_refused(app, make_certificate):
    make_certificate(
        **{"certificate_number": "02722Q10234R3M", **_factory_fields(row())},
        status="suspended",
        status_date=date(2026, 6, 1),
    )
    content = csv_bytes([row(status="withdrawn", status_date="2026-05-01")])
    assert messages(plan(content)) == [
        "line 2: status_date: 2026-05-01 is before the stored status change of 2026-06-01"
    ]


def test_plan_that_no_longer_fits_the_register_writes_nothing(app, make_certificate):
    cert = make_certificate(**{"certificate_number": "02722Q10234R3M", **_factory_fields(row())})
    result = plan(
        csv_bytes(
            [
                row(certificate_number="02722Q30000R1M"),
                row(status="suspended", status_date="2026-11-20"),
            ]
        )
    )
    assert result.ok
    certificate_service.change_status(
        cert,
        CertificateStatus.WITHDRAWN,
        effective=date(2026, 11, 21),
        reason="r",
        actor="staff",
        now=NOW,
    )
    db.session.commit()
    before = table_counts()
    with pytest.raises(importing.ImportRefused) as refused:
        importing.apply_certificate_import(result, actor="cli:test", now=NOW)
    assert [str(e) for e in refused.value.errors] == [
        "line 3: status: cannot change the stored status withdrawn to suspended: withdrawn is final"
    ]
    assert table_counts() == before


def test_planning_writes_nothing_and_reports_each_action(app, make_certificate):
    make_certificate(**{"certificate_number": "02722Q10001R1M", **_factory_fields(row())})
    make_certificate(**{"certificate_number": "02722Q10002R1M", **_factory_fields(row())})
    before = table_counts()
    result = plan(
        csv_bytes(
            [
                row(certificate_number="02722Q10001R1M"),
                row(certificate_number="02722Q10002R1M", city="苏州市"),
                row(certificate_number="02722Q10003R1M"),
            ]
        )
    )
    assert [(r.line, r.action) for r in result.rows] == [
        (2, "unchanged"),
        (3, "update"),
        (4, "create"),
    ]
    assert result.rows[1].changes == {"city": ("上海市", "苏州市")}
    assert table_counts() == before


def test_problems_are_translated_for_the_back_office(app):
    content = csv_bytes([row(credit_code="91350100M000100Y44", status="expired")])
    with app.test_request_context("/?lang=zh"):  # as when staff upload the file
        errors = plan(content).errors
        texts = [e.translated() for e in errors]
    assert [str(e) for e in errors] == [
        "line 2: credit_code: 91350100M000100Y44: check digit should be 3, not 4",
        ("line 2: status: expired is derived from expiry_date and is never imported; give the "
        "stored status (valid or suspended)"),
    ]
    assert texts == [
        "91350100M000100Y44：校验码应为 3，而不是 4",
        ("“过期”（expired）由有效期截止日期推算得出，不能导入；请填写证书实际所处的状态"
        "（valid 或 suspended）"),
    ]


def _factory_fields(values: dict[str, str]) -> dict[str, Any]:
    """Turn CSV row values into make_certificate keyword arguments."""
    return {
        "holder_name_zh": values["holder_name_zh"],
        "holder_name_en": values["holder_name_en"],
        "credit_code": values["credit_code"],
        "address_zh": values["address_zh"],
        "address_en": values["address_en"],
        "scope_zh": values["scope_zh"],
        "scope_en": values["scope_en"],
        "province": values["province"],
        "city": values["city"],
        "initial_issue_date": date(2019, 3, 1),
        "issue_date": date(2025, 3, 1),
        "expiry_date": date(2028, 2, 28),
    }


# Round trip ---------------------------------------------------------------------------------


def _register(make_certificate) -> None:
    make_certificate(
        certificate_number="SQI/FW/2025/0003",
        scheme="REAL_ESTATE_SERVICE",
        sites=["上海市徐汇区漕溪北路1号", "上海市闵行区莘庄2号"],
        former_names=["上海旧名物业有限公司"],
        restricted=True,
        scope_zh="物业管理服务\n（含保洁）",
        initial_issue_date=None,
    )
    make_certificate(
        certificate_number="027-26-Q-10403-R0",
        status="suspended",
        status_date=date(2026, 9, 1),
        status_reason="未按期接受监督审核",
        credit_code="",
        holder_name_en="",
    )
    cert = make_certificate(certificate_number="02722Q10234R3M")
    certificate_service.change_status(
        cert,
        CertificateStatus.WITHDRAWN,
        effective=date(2026, 10, 1),
        reason="严重不符合",
        actor="staff",
        now=NOW,
    )
    db.session.commit()


@pytest.mark.parametrize("filename", ["register.csv", "register.xlsx"])
def test_export_then_import_is_lossless(app, make_certificate, filename):
    _register(make_certificate)
    first = io.BytesIO()
    assert exporting.export_certificates(first, filename) == 3
    again = plan(first.getvalue(), filename)
    assert [r.action for r in again.rows] == ["unchanged"] * 3
    wipe_database()
    assert run(first.getvalue(), filename).created == 3
    second = io.BytesIO()
    exporting.export_certificates(second, filename)
    if filename.endswith(".csv"):
        assert second.getvalue() == first.getvalue()
    else:
        assert _cells(second.getvalue()) == _cells(first.getvalue())


def _cells(content: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True)
    return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]


def test_export_writes_lists_booleans_and_empty_values_as_import_reads_them(app, make_certificate):
    _register(make_certificate)
    out = io.BytesIO()
    exporting.export_certificates(out, "register.csv")
    assert out.getvalue().startswith(b"\xef\xbb\xbf")
    records = list(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    assert [r["certificate_number"] for r in records] == [
        "027-26-Q-10403-R0",
        "02722Q10234R3M",
        "SQI/FW/2025/0003",
    ]
    assert records[0]["credit_code"] == "" and records[0]["status"] == "suspended"
    assert records[1]["status"] == "withdrawn" and records[1]["status_date"] == "2026-10-01"
    assert records[2]["sites"] == "上海市徐汇区漕溪北路1号;上海市闵行区莘庄2号"
    assert records[2]["restricted"] == "true" and records[1]["restricted"] == "false"
    assert records[2]["initial_issue_date"] == ""


# Audits -------------------------------------------------------------------------------------


def audit_plan(text: str) -> importing.AuditImportPlan:
    return importing.plan_audit_import(io.BytesIO(text.encode()), "audits.csv")


def test_audits_are_added_once_even_when_imported_twice(app, make_certificate):
    make_certificate(certificate_number="02722Q10234R3M")
    text = (
        "certificate_number,audit_type,audit_date\n"
        "02722Q10234R3M,surveillance,2026-03-01\n"
        "027-22-q-10234-r3m,Surveillance,2026-03-01\n"
        "02722Q10234R3M,initial,2019-01-15\n"
    )
    result = audit_plan(text)
    assert [r.action for r in result.rows] == ["create", "unchanged", "create"]
    assert importing.apply_audit_import(result, actor="cli:test", now=NOW) == 2
    assert importing.apply_audit_import(audit_plan(text), actor="cli:test", now=NOW) == 0
    cert = stored("02722Q10234R3M")
    assert [(a.audit_type.value, a.audit_date) for a in cert.audits] == [
        ("initial", date(2019, 1, 15)),
        ("surveillance", date(2026, 3, 1)),
    ]


def test_bad_audit_rows_are_all_reported_and_nothing_is_written(app, make_certificate):
    make_certificate(certificate_number="02722Q10234R3M")
    result = audit_plan(
        "certificate_number,audit_type,audit_date\n"
        "02722Q10234R3M,surveillance,2026-03-01\n"
        "02722Q99999R3M,surveillance,2026-03-01\n"
        "02722Q10234R3M,stage 3,2026-13-01\n"
        ",initial,\n"
    )
    assert messages(result) == [
        "line 3: certificate_number: no certificate 02722Q99999R3M in the register",
        ("line 4: audit_type: unknown audit type stage 3; use one of initial, surveillance, "
        "recertification, special"),
        "line 4: audit_date: 2026-13-01 is not a day of the calendar",
        "line 5: certificate_number: required, but empty",
        "line 5: audit_date: required, but empty",
    ]
    with pytest.raises(importing.ImportRefused):
        importing.apply_audit_import(result, actor="cli:test", now=NOW)
    assert table_counts()["audits"] == 0


def test_audit_file_needs_exactly_its_three_columns(app):
    assert messages(audit_plan("certificate_number,audit_type,auditor\n")) == [
        ("line 1: auditor: unknown column; the columns are: certificate_number, audit_type, "
        "audit_date"),
        "line 1: audit_date: required column is missing",
    ]


def test_make_credit_code_rows_are_valid(app):
    # The benchmark builds its codes this way; keep it honest.
    code = make_credit_code("91310000MA0000001")
    assert plan(csv_bytes([row(credit_code=code)])).ok
