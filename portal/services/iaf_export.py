"""Write the register in the IAF CertSearch certification upload layout (IAF MD 28).

Accredited certification bodies upload their certified clients to IAF CertSearch as a
spreadsheet whose field names and column order must match the template exactly. Every
certificate is written with its public status mapped to an IAF status; a restricted
certificate (the holder asked for confidentiality, ISO/IEC 17021-1 §8.1.2) is written with its
name, address and scope withheld and `Confidential Certified Entity` set, as IAF allows.
"""

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, BinaryIO, Final

from openpyxl import Workbook
from sqlalchemy import func, select

from portal.domain.codes import number_key
from portal.domain.schemes import SCHEMES, Category
from portal.domain.status import PublicStatus, public_status
from portal.extensions import db
from portal.models import Certificate
from portal.register.cells import csv_row, xlsx_row
from portal.services.exporting import certificate_records

# The IAF CertSearch certification upload, one sheet. Source: IAF CertSearch field-name
# glossary, "Certification Template for Certification Body" and "Certified Entity Data Fields"
# (support.iafcertsearch.org, template version 1.1, read 2026-12). IAF rejects a file whose field
# names or order differ from the template: compare this list with the template downloaded from
# the IAF CertSearch dashboard before the first upload, and change it here only.
# Checked again 2026-12 against the public glossary pages (the template file itself is only
# downloadable from the dashboard): the first ten names, in this order, are those of
# support.iafcertsearch.org/docs/field-name-glossary/certification-template-for-certification-body;
# every other name here is an "Input Field: Excel" name of the version 1.1 glossary pages
# (.../certification-fields-glossary/version-1.1/...). Not verified: the order after
# "Certified Entity Name", and the optional "Certified Entity Zipcode/Postcode" and "Certified
# Entity Trading Name" the glossary also lists (not written). Templates 2.0 and 2.1 split the
# upload into several sheet tabs (Certified Entity, Certification, Certification Sector).
IAF_COLUMNS: Final[tuple[str, ...]] = (
    "Certification Identity Number",
    "Certificate Number",
    "Certification Status",
    "Accreditation Status",
    "Certification Type",
    "Certification Scope",
    "Certification Original Issue Date",
    "Certification Issue Date",
    "Certification Expiry Date",
    "Certified Entity Name",
    "Certified Entity English Name",
    "Certified Entity Unique ID",
    "Certified Entity Street",
    "Certified Entity City",
    "Certified Entity State",
    "Certified Entity Country/Economy",
    "Standard",
    "Accreditation Body",
    "Confidential Certified Entity",
)
# Mandatory in the glossary: an empty cell makes IAF refuse the row ("Missing Required Field").
IAF_REQUIRED: Final = frozenset({
    "Certification Identity Number", "Certificate Number", "Certification Status",
    "Accreditation Status", "Certification Type", "Certification Issue Date",
    "Certification Expiry Date", "Certified Entity Name", "Certified Entity Unique ID",
    "Certified Entity Country/Economy", "Standard",
})
IAF_DATE_COLUMNS: Final = frozenset({
    "Certification Original Issue Date", "Certification Issue Date", "Certification Expiry Date",
})
IAF_STATUS: Final[dict[PublicStatus, str]] = {
    PublicStatus.VALID: "Active",
    PublicStatus.SUSPENDED: "Suspended",
    PublicStatus.WITHDRAWN: "Withdrawn",
    PublicStatus.CANCELLED: "Cancelled",
    PublicStatus.EXPIRED: "Expired",
}
IAF_TYPE: Final[dict[Category, str]] = {
    Category.MANAGEMENT: "Management System", Category.PRODUCT: "Product",
    Category.SERVICE: "Service",
}
COUNTRY: Final = "China"
WITHHELD: Final = "Confidential"  # what IAF shows for a certified entity marked confidential
_CATEGORY = {s.code: s.category for s in SCHEMES}

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class IafProblem:
    """A row IAF would refuse: which certificate, which column, what is wrong."""

    certificate_number: str
    column: str
    problem: str

    def __str__(self) -> str:
        return f"certificate {self.certificate_number}: {self.column}: {self.problem}"


class IafExportError(ValueError):
    """The export would not be accepted by IAF CertSearch; nothing was written."""

    def __init__(self, problems: list[IafProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def _day(value: date | None) -> str:
    return value.strftime("%Y%m%d") if value else ""  # IAF dates are YYYYMMDD


def iaf_row(record: dict[str, Any], today: date) -> dict[str, str]:
    """Return one certificate (an `exporting.certificate_records` record) as an IAF row."""
    restricted = bool(record["restricted"])
    status = public_status(record["status"], record["expiry_date"], today)
    number = record["certificate_number"]
    entity_id = ("" if restricted else record["credit_code"]) or f"SQI-{number_key(number)}"
    shown = (lambda value: "") if restricted else (lambda value: value or "")
    return {
        "Certification Identity Number": number_key(number),
        "Certificate Number": number,
        "Certification Status": IAF_STATUS[status],
        "Accreditation Status": "Accredited" if record["accreditation"] else "Unaccredited",
        "Certification Type": IAF_TYPE.get(_CATEGORY.get(record["scheme"], Category.MANAGEMENT),
                                           "Management System"),
        "Certification Scope": shown(record["scope_en"] or record["scope_zh"]),
        "Certification Original Issue Date": _day(record["initial_issue_date"]),
        "Certification Issue Date": _day(record["issue_date"]),
        "Certification Expiry Date": _day(record["expiry_date"]),
        "Certified Entity Name": WITHHELD if restricted else record["holder_name_zh"],
        "Certified Entity English Name": shown(record["holder_name_en"]),
        "Certified Entity Unique ID": entity_id,
        "Certified Entity Street": shown(record["address_en"] or record["address_zh"]),
        "Certified Entity City": shown(record["city"]),
        "Certified Entity State": shown(record["province"]),
        "Certified Entity Country/Economy": COUNTRY,
        "Standard": record["standard"] or "",
        "Accreditation Body": record["accreditation"] or "",
        "Confidential Certified Entity": "Yes" if restricted else "No",
    }


def check_row(row: dict[str, str]) -> list[IafProblem]:
    """Return what IAF would refuse in `row` (columns, mandatory cells, dates, status)."""
    number = row.get("Certificate Number", "?")
    problems = [IafProblem(number, c, "not a column of the IAF layout")
                for c in row if c not in IAF_COLUMNS]
    problems += [IafProblem(number, c, "missing") for c in IAF_COLUMNS if c not in row]
    for column in IAF_REQUIRED:
        if not row.get(column):
            problems.append(IafProblem(number, column, "required by IAF but empty"))
    for column in IAF_DATE_COLUMNS:
        value = row.get(column, "")
        if value and not (len(value) == 8 and value.isdigit()):
            problems.append(IafProblem(number, column, f"{value!r} is not YYYYMMDD"))
    if row.get("Certification Status") not in IAF_STATUS.values():
        problems.append(IafProblem(number, "Certification Status",
                                   f"{row.get('Certification Status')!r} is not an IAF status"))
    return problems


def iaf_rows(today: date, progress: Progress | None = None,
             phase: str = "write") -> Iterator[dict[str, str]]:
    """Yield every certificate as an IAF row, in certificate-number order."""
    total = db.session.scalar(select(func.count(Certificate.id))) or 0
    for done, record in enumerate(certificate_records(), start=1):
        yield iaf_row(record, today)
        if progress is not None and (done % 1000 == 0 or done == total):
            progress(phase, done, total)


def check_export(today: date, progress: Progress | None = None) -> list[IafProblem]:
    """Return every problem IAF would refuse in the export of today's register."""
    problems: list[IafProblem] = []
    for row in iaf_rows(today, progress, phase="check"):
        problems += check_row(row)
    return problems


def write_iaf(stream: BinaryIO, filename: str, *, today: date,
              progress: Progress | None = None) -> int:
    """Write the IAF upload to `stream` (XLSX when `filename` ends in .xlsx, else CSV).

    Every row is checked first; if IAF would refuse one, IafExportError lists them all and
    nothing is written.
    """
    problems = check_export(today, progress)
    if problems:
        raise IafExportError(problems)
    count = 0
    if filename.lower().endswith(".xlsx"):
        book = Workbook(write_only=True)
        sheet = book.create_sheet("Certifications")
        sheet.append(xlsx_row(sheet, IAF_COLUMNS))
        for row in iaf_rows(today, progress):
            sheet.append(xlsx_row(sheet, [row[c] for c in IAF_COLUMNS]))
            count += 1
        book.save(stream)
        return count
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="", write_through=True)
    try:
        writer = csv.writer(text)
        writer.writerow(IAF_COLUMNS)
        for row in iaf_rows(today, progress):
            writer.writerow(csv_row(row[c] for c in IAF_COLUMNS))
            count += 1
        text.flush()
    finally:
        text.detach()
    return count
