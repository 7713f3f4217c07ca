"""Write the register for IAF CertSearch (IAF MD 28): the upload layouts and the aggregate.

Accredited certification bodies upload their certified clients to IAF CertSearch as
spreadsheets whose sheet and field names must match the template exactly. The current v2.x
template is a workbook of five sheets (Certified Entity, Certification, Standard & Scheme,
Sites, Sector; `write_upload`, at most 10,000 rows a sheet per file, .xlsx only); the older
v1.1 template is one sheet (`write_iaf`, .xlsx or .csv). Every certificate is written with its
public status mapped to an IAF status; a restricted certificate (the holder asked for
confidentiality, ISO/IEC 17021-1 §8.1.2) is written with its name, address and scope withheld
and `Confidential Certified Entity` set, as IAF allows. IAF's own checks (required fields,
lengths, status and scheme mapping, row limits) run before anything is written.
`aggregate` counts certifications and sites per standard, scheme and country at a quarter's
end (MD 28 §5.2).
"""

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, BinaryIO, Final

from openpyxl import Workbook
from sqlalchemy import func, select

from portal.domain.codes import number_key
from portal.domain.schemes import SCHEMES, Category
from portal.domain.status import PublicStatus, public_status
from portal.extensions import db
from portal.models import Certificate, Site
from portal.register.cells import csv_row, xlsx_row
from portal.services.exporting import certificate_records
from portal.services.stats import in_force_on

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


# -- IAF CertSearch v2.x: the multi-sheet upload ------------------------------------------------
# Sheet tabs and field names of the v2.x templates, from the public field-name glossary (issue
# #24's research note). The glossary lists each sheet's own fields; the key that ties a row to
# its certified entity or certification (`Certified Entity Unique ID` on Certification,
# `Certification Identity Number` on Sites) is the same field name as on the sheet it points
# to. Not verified against the template file itself (downloadable only from the dashboard):
# the column order, and the Sites sheet's address-line names (`Site Street`, `Site City`,
# `Site State`, `Site Zipcode/Postcode`, named like the entity's).
SHEET_ENTITY: Final = "Certified Entity"
SHEET_CERTIFICATION: Final = "Certification"
SHEET_STANDARD: Final = "Standard & Scheme"
SHEET_SITES: Final = "Sites"
SHEET_SECTOR: Final = "Sector"
V2_SHEETS: Final[dict[str, tuple[str, ...]]] = {
    SHEET_ENTITY: (
        "Certified Entity Unique ID", "Certified Entity Name", "Certified Entity Trading Name",
        "Certified Entity English Name", "Certified Entity Country/Economy",
        "Certified Entity Street", "Certified Entity City", "Certified Entity State",
        "Certified Entity Zipcode/Postcode", "Confidential Certified Entity"),
    SHEET_CERTIFICATION: (
        "Certified Entity Unique ID", "Certification Identity Number", "Certificate Number",
        "Certification Status", "Certification Type", "Certification Scope",
        "Certification Original Issue Date", "Certification Issue Date",
        "Certification Expiry Date", "Accreditation Status"),
    SHEET_STANDARD: ("Certification Identity Number", "Scheme Name", "Standard Name"),
    SHEET_SITES: ("Certification Identity Number", "Site Country/Economy", "Site Street",
                  "Site City", "Site State", "Site Zipcode/Postcode", "Site Scope"),
    SHEET_SECTOR: ("Certification Identity Number", "Sector Name", "Sector Code"),
}
V2_REQUIRED: Final[dict[str, frozenset[str]]] = {
    SHEET_ENTITY: frozenset({"Certified Entity Unique ID", "Certified Entity Name",
                             "Certified Entity Country/Economy",
                             "Confidential Certified Entity"}),
    SHEET_CERTIFICATION: frozenset({
        "Certified Entity Unique ID", "Certification Identity Number", "Certificate Number",
        "Certification Status", "Certification Type", "Certification Issue Date",
        "Certification Expiry Date", "Accreditation Status"}),
    SHEET_STANDARD: frozenset({"Certification Identity Number", "Scheme Name",
                               "Standard Name"}),
    SHEET_SITES: frozenset({"Certification Identity Number", "Site Country/Economy"}),
    SHEET_SECTOR: frozenset({"Certification Identity Number", "Sector Name"}),
}
V2_MAX_LENGTH: Final[dict[str, int]] = {
    "Certified Entity Unique ID": 45, "Certified Entity Name": 300,
    "Certification Identity Number": 60, "Certificate Number": 60,
}
V2_STATUSES: Final = frozenset({"Active", "Inactive", "Suspended", "Cancelled", "Draft",
                                "Withdrawn", "Expired"})
YES_NO: Final = frozenset({"Yes", "No"})
MAX_ROWS_PER_FILE: Final = 10_000  # IAF refuses a file with more data rows in a sheet
MAX_FILE_BYTES: Final = 20 * 1024 * 1024
# The register's schemes as IAF CertSearch scheme names; a scheme missing here is refused.
IAF_SCHEME: Final[dict[str, str]] = {
    "QMS": "Quality Management Systems",
    "EMS": "Environmental Management Systems",
    "OHSMS": "Occupational Health and Safety Management Systems",
    "SRMS": "Social Responsibility Management Systems",
    "OTHER_MS": "Other Management Systems",
    "GREEN_PRODUCT": "Product Certification",
    "VOLUNTARY_PRODUCT": "Product Certification",
    "REAL_ESTATE_SERVICE": "Service Certification",
}
_ISO_STANDARD = re.compile(r"ISO(?:/IEC)?\s*\d+(?:-\d+)?(?::\d{4})?")


@dataclass(frozen=True)
class SheetProblem:
    """A cell IAF would refuse: where it is (file, sheet, spreadsheet row), which field, why."""

    file_number: int
    sheet: str
    row: int  # the spreadsheet's row number: the header is row 1
    certificate_number: str
    field: str
    problem: str

    def __str__(self) -> str:
        return (f"file {self.file_number}, sheet {self.sheet!r}, row {self.row} "
                f"(certificate {self.certificate_number}): {self.field}: {self.problem}")


class IafUploadError(ValueError):
    """The v2 upload would be refused by IAF CertSearch; nothing was written."""

    def __init__(self, problems: list[SheetProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def standard_name(standard: str) -> str:
    """Return the ISO name IAF lists a standard under ("GB/T 19001-2016/ISO 9001:2015" -> ISO)."""
    found = _ISO_STANDARD.search(standard or "")
    return " ".join(found.group(0).split()) if found else (standard or "").strip()


def certification_rows(record: dict[str, Any], today: date) -> dict[str, list[dict[str, str]]]:
    """Return one certificate's rows of every v2 sheet ({sheet: [row, ...]})."""
    flat = iaf_row(record, today)
    restricted = bool(record["restricted"])
    identity = flat["Certification Identity Number"]
    entity = flat["Certified Entity Unique ID"]
    scope = flat["Certification Scope"]
    site_rows = [{
        "Certification Identity Number": identity, "Site Country/Economy": COUNTRY,
        "Site Street": "" if restricted else address, "Site City": "", "Site State": "",
        "Site Zipcode/Postcode": "", "Site Scope": scope,
    } for address in record.get("sites") or []]
    return {
        SHEET_ENTITY: [{
            "Certified Entity Unique ID": entity,
            "Certified Entity Name": flat["Certified Entity Name"],
            "Certified Entity Trading Name": "",
            "Certified Entity English Name": flat["Certified Entity English Name"],
            "Certified Entity Country/Economy": COUNTRY,
            "Certified Entity Street": flat["Certified Entity Street"],
            "Certified Entity City": flat["Certified Entity City"],
            "Certified Entity State": flat["Certified Entity State"],
            "Certified Entity Zipcode/Postcode": "",
            "Confidential Certified Entity": flat["Confidential Certified Entity"],
        }],
        SHEET_CERTIFICATION: [{"Certified Entity Unique ID": entity} | {
            name: flat[name] for name in V2_SHEETS[SHEET_CERTIFICATION][1:]}],
        SHEET_STANDARD: [{
            "Certification Identity Number": identity,
            "Scheme Name": IAF_SCHEME.get(record["scheme"], ""),
            "Standard Name": standard_name(record["standard"]),
        }],
        SHEET_SITES: site_rows,
        SHEET_SECTOR: [],  # the register keeps no IAF/EA sector codes (yet)
    }


def check_sheet_row(sheet: str, row: dict[str, str], *, scheme: str = "") -> list[str]:
    """Return "field: problem" for each cell of `row` IAF would refuse on `sheet`."""
    problems = [f"{name}: required by IAF but empty" for name in V2_SHEETS[sheet]
                if name in V2_REQUIRED[sheet] and not row.get(name)]
    for name, limit in V2_MAX_LENGTH.items():
        value = row.get(name, "")
        if name in V2_SHEETS[sheet] and len(value) > limit:
            problems.append(f"{name}: {len(value)} characters, IAF allows {limit}")
    status = row.get("Certification Status")
    if sheet == SHEET_CERTIFICATION and status and status not in V2_STATUSES:
        problems.append(f"Certification Status: {status!r} is not an IAF status")
    for name in IAF_DATE_COLUMNS & set(V2_SHEETS[sheet]):
        value = row.get(name, "")
        if value and not (len(value) == 8 and value.isdigit()):
            problems.append(f"{name}: {value!r} is not YYYYMMDD")
    confidential = row.get("Confidential Certified Entity")
    if sheet == SHEET_ENTITY and confidential and confidential not in YES_NO:
        problems.append(f"Confidential Certified Entity: {confidential!r} is not Yes or No")
    if sheet == SHEET_STANDARD and not row.get("Scheme Name") and scheme:
        problems = [p for p in problems if not p.startswith("Scheme Name:")]
        problems.append(f"Scheme Name: scheme {scheme!r} has no IAF CertSearch scheme name")
    return problems


@dataclass
class UploadFile:
    """The rows of one upload file, sheet by sheet, with each row's certificate number."""

    number: int
    rows: dict[str, list[tuple[str, dict[str, str]]]]

    def fits(self, extra: dict[str, list[dict[str, str]]]) -> bool:
        return all(len(self.rows[s]) + len(extra[s]) <= MAX_ROWS_PER_FILE for s in V2_SHEETS)


def plan_upload(today: date, progress: Progress | None = None) -> list[UploadFile]:
    """Split the register into upload files of at most MAX_ROWS_PER_FILE rows a sheet.

    A certificate's rows stay in one file (IAF ties them by their keys within the file).
    """
    files = [UploadFile(1, {sheet: [] for sheet in V2_SHEETS})]
    seen_entities: set[str] = set()
    for done, record in enumerate(certificate_records(), start=1):
        rows = certification_rows(record, today)
        if not files[-1].fits(rows):
            files.append(UploadFile(len(files) + 1, {sheet: [] for sheet in V2_SHEETS}))
            seen_entities = set()
        entity = rows[SHEET_ENTITY][0]["Certified Entity Unique ID"]
        if entity in seen_entities:  # one entity row per organisation and file
            rows[SHEET_ENTITY] = []
        seen_entities.add(entity)
        for sheet, sheet_rows in rows.items():
            files[-1].rows[sheet] += [(record["certificate_number"], r) for r in sheet_rows]
        if progress is not None and done % 1000 == 0:
            progress("check", done, done)
    return files


def check_upload(files: list[UploadFile], schemes: dict[str, str] | None = None
                 ) -> list[SheetProblem]:
    """Return every cell of the planned files that IAF would refuse, with file, sheet and row."""
    problems: list[SheetProblem] = []
    schemes = schemes or {}
    for upload in files:
        for sheet, rows in upload.rows.items():
            if len(rows) > MAX_ROWS_PER_FILE:
                problems.append(SheetProblem(upload.number, sheet, MAX_ROWS_PER_FILE + 2, "-",
                                             "rows", f"more than {MAX_ROWS_PER_FILE} rows"))
            for index, (number, row) in enumerate(rows, start=2):
                for text in check_sheet_row(sheet, row, scheme=schemes.get(number, "")):
                    name, _, why = text.partition(": ")
                    problems.append(SheetProblem(upload.number, sheet, index, number, name, why))
    return problems


def upload_paths(path: Path, count: int) -> list[Path]:
    """Return the file names of `count` upload files: FILE itself, or FILE-1, FILE-2, …"""
    if count == 1:
        return [path]
    return [path.with_name(f"{path.stem}-{n}{path.suffix}") for n in range(1, count + 1)]


def write_upload(path: Path, *, today: date, progress: Progress | None = None) -> list[Path]:
    """Write the v2 multi-sheet upload as FILE (or FILE-1.xlsx, FILE-2.xlsx, … past 10,000 rows).

    Every cell is checked first; if IAF would refuse one, IafUploadError lists them all (file,
    sheet, row, field) and nothing is written. Files are written beside and renamed when done.
    """
    files = plan_upload(today, progress)
    schemes = dict(db.session.execute(select(Certificate.certificate_number, Certificate.scheme)
                                      ).all())
    problems = check_upload(files, schemes)
    if problems:
        raise IafUploadError(problems)
    paths = upload_paths(path, len(files))
    partials = [p.with_name(p.name + ".partial") for p in paths]
    try:
        for upload, partial in zip(files, partials, strict=True):
            book = Workbook(write_only=True)
            for sheet_name, columns in V2_SHEETS.items():
                sheet = book.create_sheet(sheet_name)
                sheet.append(xlsx_row(sheet, columns))
                for _number, row in upload.rows[sheet_name]:
                    sheet.append(xlsx_row(sheet, [row[c] for c in columns]))
            book.save(partial)
            if partial.stat().st_size > MAX_FILE_BYTES:
                raise IafUploadError([SheetProblem(upload.number, "-", 0, "-", "file size",
                                                   "larger than IAF's 20 MB")])
            if progress is not None:
                progress("write", upload.number, len(files))
    except BaseException:
        for partial in partials:
            partial.unlink(missing_ok=True)
        raise
    for partial, final in zip(partials, paths, strict=True):
        partial.replace(final)
    return paths


# -- MD 28 §5.2: quarterly aggregate counts -----------------------------------------------------
AGGREGATE_COLUMNS: Final = ("Quarter", "Standard Name", "Scheme Name", "Country/Economy",
                            "Certifications", "Sites")


def quarter_end(quarter: str) -> date:
    """Return the last day of a quarter written YYYY-Qn (raises ValueError otherwise)."""
    match = re.fullmatch(r"(\d{4})-?Q([1-4])", quarter.strip().upper())
    if not match:
        raise ValueError(f"{quarter!r} is not a quarter like 2026-Q4")
    year, number = int(match.group(1)), int(match.group(2))
    return (date(year + 1, 1, 1) if number == 4 else date(year, 3 * number + 1, 1)) - \
        timedelta(days=1)


def quarter_of(day: date) -> str:
    """Return the quarter `day` falls in, as YYYY-Qn."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def aggregate(quarter: str) -> list[dict[str, Any]]:
    """Count the certifications in force at the quarter's end, and their sites, per standard,
    scheme (the register keeps no IAF sector codes) and country: IAF MD 28 §5.2's aggregate."""
    end = quarter_end(quarter)
    ids = in_force_on(end)
    counts: dict[tuple[str, str, str], list[int]] = {}
    if ids:
        site_counts = dict(db.session.execute(
            select(Site.certificate_id, func.count(Site.id)).group_by(Site.certificate_id)
        ).all())
        for cert_id, standard in db.session.execute(
                select(Certificate.id, Certificate.standard)):
            if cert_id not in ids:
                continue
            key = (standard_name(standard), IAF_SCHEME.get(ids[cert_id], ids[cert_id]), COUNTRY)
            total = counts.setdefault(key, [0, 0])
            total[0] += 1
            total[1] += 1 + site_counts.get(cert_id, 0)  # the registered address is a site too
    return [dict(zip(AGGREGATE_COLUMNS, (quarter_of(end), *key, *total), strict=True))
            for key, total in sorted(counts.items())]


def write_aggregate(path: Path, quarter: str) -> int:
    """Write the quarter's aggregate counts to `path` (.xlsx or .csv); return the row count."""
    rows = aggregate(quarter)
    partial = path.with_name(path.name + ".partial")
    try:
        if path.suffix.lower() == ".xlsx":
            book = Workbook(write_only=True)
            sheet = book.create_sheet("Aggregate")
            sheet.append(xlsx_row(sheet, AGGREGATE_COLUMNS))
            for row in rows:
                sheet.append(xlsx_row(sheet, [row[c] for c in AGGREGATE_COLUMNS]))
            book.save(partial)
        else:
            with partial.open("w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(AGGREGATE_COLUMNS)
                for row in rows:
                    writer.writerow(csv_row(row[c] for c in AGGREGATE_COLUMNS))
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(path)
    return len(rows)
