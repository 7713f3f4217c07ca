"""Check a whole supplier list (CSV/XLSX) against the register: `/verify-list`."""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO

from openpyxl import Workbook, load_workbook
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from portal.domain.codes import fold_width, normalise_credit_code, number_key
from portal.extensions import db
from portal.models import Certificate
from portal.register.public import PublicCertificate

MAX_ROWS = 1000
MAX_BYTES = 2 * 1024 * 1024

# Header names people use for each kind of column (compared after folding case and spaces).
NUMBER_HEADERS = {"certificate_number", "certificatenumber", "certificate", "number", "cert_no",
                  "证书编号", "证书号", "证书号码", "编号"}
CREDIT_HEADERS = {"credit_code", "creditcode", "uscc", "统一社会信用代码", "信用代码"}
NAME_HEADERS = {"name", "holder_name", "holder_name_zh", "holder_name_en", "company", "supplier",
                "organisation", "organization", "企业名称", "单位名称", "公司名称", "名称",
                "供应商", "供应商名称", "获证组织"}


class ListError(ValueError):
    """The uploaded list cannot be read; the message says why (English, translated by views)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


@dataclass
class Match:
    certificate: PublicCertificate  # what the list's reader may see of it
    matched_by: str  # "certificate_number" | "credit_code" | "name"


@dataclass
class CheckedRow:
    line: int
    number: str
    credit_code: str
    name: str
    matches: list[Match] = field(default_factory=list)


def _norm_header(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", fold_width(text).strip().lower()).strip("_")


def _norm_name(text: str) -> str:
    folded = fold_width(text).strip().lower()
    return re.sub(r"[\s()（）·.,，]+", "", folded)


def read_rows(stream: BinaryIO, filename: str) -> list[tuple[int, dict[str, str]]]:
    """Read (line, {kind: value}) from a CSV or XLSX supplier list."""
    raw = stream.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise ListError("too_large")
    if not raw.strip():
        raise ListError("empty")
    if filename.lower().endswith(".xlsx"):
        try:
            sheet = load_workbook(io.BytesIO(raw), read_only=True, data_only=True).active
            table = [["" if c is None else str(c) for c in row]
                     for row in sheet.iter_rows(values_only=True)]
        except Exception as exc:  # openpyxl raises many types for a broken file
            raise ListError("unreadable", str(exc)[:200]) from exc
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = raw.decode("gb18030")  # Excel in China saves CSV in GBK
            except UnicodeDecodeError as exc:
                raise ListError("encoding") from exc
        table = list(csv.reader(io.StringIO(text)))
    table = [row for row in table if any(cell.strip() for cell in row)]
    if not table:
        raise ListError("empty")
    header = [_norm_header(h) for h in table[0]]
    columns: dict[str, int] = {}
    for i, name in enumerate(header):
        for kind, names in (("number", NUMBER_HEADERS), ("credit_code", CREDIT_HEADERS),
                            ("name", NAME_HEADERS)):
            if name in names and kind not in columns:
                columns[kind] = i
    start = 1
    if not columns:  # no header row: one column of certificate numbers
        columns, start = {"number": 0}, 0
    rows: list[tuple[int, dict[str, str]]] = []
    for line, row in enumerate(table[start:], start=start + 1):
        values = {kind: (row[i].strip() if i < len(row) else "") for kind, i in columns.items()}
        rows.append((line, values))
    if len(rows) > MAX_ROWS:
        raise ListError("too_many_rows", str(len(rows)))
    return rows


_FULL = (selectinload(Certificate.sites), selectinload(Certificate.events),
         selectinload(Certificate.audits))


def check_rows(rows: list[tuple[int, dict[str, str]]], today: date) -> list[CheckedRow]:
    """Match every row by certificate number, then credit code, then exact name."""
    keys = {number_key(v["number"]) for _, v in rows if v.get("number")}
    codes = {normalise_credit_code(v["credit_code"]) for _, v in rows if v.get("credit_code")}
    names = {_norm_name(v["name"]) for _, v in rows if v.get("name")}
    by_key: dict[str, Certificate] = {}
    by_code: dict[str, list[Certificate]] = {}
    if keys:
        query = select(Certificate).where(Certificate.number_key.in_(keys)).options(*_FULL)
        for cert in db.session.scalars(query):
            by_key[cert.number_key] = cert
    if codes:
        query = select(Certificate).where(Certificate.credit_code.in_(codes),
                                          Certificate.restricted.is_(False)).options(*_FULL)
        for cert in db.session.scalars(query):
            by_code.setdefault(cert.credit_code, []).append(cert)
    by_name: dict[str, list[Certificate]] = {}
    if names:
        # Exact (normalised) names only: a near match is not a verification.
        raw_names = {v["name"].strip() for _, v in rows if v.get("name")}
        query = select(Certificate).where(
            Certificate.restricted.is_(False),
            or_(Certificate.holder_name_zh.in_(raw_names), Certificate.holder_name_en.in_(raw_names))
        ).options(*_FULL)
        for cert in db.session.scalars(query):
            for candidate in (cert.holder_name_zh, cert.holder_name_en):
                by_name.setdefault(_norm_name(candidate), []).append(cert)
    projected: dict[int, PublicCertificate] = {}

    def match(cert: Certificate, matched_by: str) -> Match:
        public = projected.get(cert.id)
        if public is None:
            public = projected[cert.id] = PublicCertificate.of(cert, today)
        return Match(public, matched_by)

    out: list[CheckedRow] = []
    for line, values in rows:
        row = CheckedRow(line=line, number=values.get("number", ""),
                         credit_code=values.get("credit_code", ""), name=values.get("name", ""))
        if row.number and number_key(row.number) in by_key:
            row.matches = [match(by_key[number_key(row.number)], "certificate_number")]
        elif row.credit_code and normalise_credit_code(row.credit_code) in by_code:
            row.matches = [match(c, "credit_code")
                           for c in by_code[normalise_credit_code(row.credit_code)]]
        elif row.name and _norm_name(row.name) in by_name:
            seen: set[int] = set()
            row.matches = [match(c, "name") for c in by_name[_norm_name(row.name)]
                           if not (c.id in seen or seen.add(c.id))]
        out.append(row)
    return out


def to_xlsx(rows: list[CheckedRow], labels: dict[str, str], headers: list[str]) -> bytes:
    """Write the checked list as an XLSX workbook (one line per match, or per unmatched row)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "verification"
    sheet.append(headers)
    for row in rows:
        if not row.matches:
            sheet.append([row.line, row.number, row.credit_code, row.name, labels["not_found"],
                          "", "", "", "", ""])
        for match in row.matches:
            cert = match.certificate
            holder = cert.holder.name_zh if cert.holder else ""
            sheet.append([row.line, row.number, row.credit_code, row.name,
                          labels[match.matched_by], cert.certificate_number, holder, cert.scheme,
                          labels[cert.status.value], cert.expiry_date.isoformat()])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
