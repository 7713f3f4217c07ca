"""Check a whole supplier list (CSV/XLSX) against the register: `/verify-list`."""

import io
import re
from dataclasses import dataclass, field, replace
from datetime import date
from typing import BinaryIO

from portal.domain.codes import fold_width
from portal.domain.verdict import Level, Verdict, decide
from portal.models import Certificate
from portal.register import tables
from portal.register.public import PublicCertificate
from portal.services import verification

MAX_ROWS = 1000
MAX_BYTES = 2 * 1024 * 1024
LIMITS = replace(tables.PUBLIC_LIMITS, rows=MAX_ROWS)
# What the table reader's refusals mean for a supplier list.
_LIST_ERRORS = {"empty": "empty", "encoding": "encoding", "xls": "unreadable",
                "unreadable": "unreadable", "csv": "unreadable"}

# Header names people use for each kind of column (compared after folding case and spaces).
NUMBER_HEADERS = {"certificate_number", "certificatenumber", "certificate", "number", "cert_no",
                  "证书编号", "证书号", "证书号码", "编号"}
CREDIT_HEADERS = {"credit_code", "creditcode", "uscc", "统一社会信用代码", "信用代码"}
NAME_HEADERS = {"name", "holder_name", "holder_name_zh", "holder_name_en", "company", "supplier",
                "organisation", "organization", "企业名称", "单位名称", "公司名称", "名称",
                "供应商", "供应商名称", "获证组织"}


class ListError(ValueError):
    """The uploaded list cannot be read; the message says why (English, translated by views)."""

    def __init__(self, code: str, detail: str = "", line: int = 0) -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail  # "limit": the reader's message, already translated
        self.line = line


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
    name_match: str | None = None  # "match" | "probable" | "no_match"; None without a name
    counterfeit: bool = False
    verdict: Verdict = field(default_factory=lambda: decide(status=None))
    did_you_mean: str | None = None  # the register number (or credit code) one slip away

    @property
    def level(self) -> str:
        return self.verdict.level.value

    @property
    def rejected(self) -> bool:
        return self.verdict.level is Level.REJECT

    @property
    def name_mismatch(self) -> bool:
        """Tell whether the row's company is not the holder of the certificate it names."""
        return self.name_match == "no_match"


def _norm_header(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", fold_width(text).strip().lower()).strip("_")


def read_rows(stream: BinaryIO, filename: str) -> list[tuple[int, dict[str, str]]]:
    """Read (line, {kind: value}) from a CSV or XLSX supplier list.

    The register's own reader (`portal.register.tables`) with the public limits; CSV may also
    be GB18030, as Excel for Chinese Windows saves it. Lines are the file's own line numbers.
    """
    raw = stream.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise ListError("too_large")
    if not raw.strip():
        raise ListError("empty")
    try:
        table = tables.read_table(io.BytesIO(raw), filename, limits=LIMITS, gb18030=True)
    except tables.TableError as exc:
        if exc.code == "limit" and exc.message is tables.TOO_MANY_ROWS:
            raise ListError("too_many_rows") from None
        if exc.code == "limit":
            raise ListError("limit", exc.translated(), line=exc.line) from None
        raise ListError(_LIST_ERRORS.get(exc.code, "unreadable"), exc.english()[:200]) from None
    header = [_norm_header(h) for h in table.header]
    columns: dict[str, int] = {}
    for i, name in enumerate(header):
        for kind, names in (("number", NUMBER_HEADERS), ("credit_code", CREDIT_HEADERS),
                            ("name", NAME_HEADERS)):
            if name in names and kind not in columns:
                columns[kind] = i
    records = table.rows
    if not columns:  # no header row: certificate numbers, then (optionally) company names
        columns = {"number": 0}
        records = [(table.header_line, table.header), *table.rows]
        if any(len(cells) > 1 and cells[1] for _, cells in records):
            columns["name"] = 1
    if len(records) > MAX_ROWS:
        raise ListError("too_many_rows", str(len(records)))
    return [(line, {kind: (cells[i] if i < len(cells) else "") for kind, i in columns.items()})
            for line, cells in records]


def check_rows(rows: list[tuple[int, dict[str, str]]], today: date) -> list[CheckedRow]:
    """Match every row by certificate number, then credit code, then exact name.

    A name given beside a number or credit code is the company as printed on the supplier's
    paper: it is compared with the holder (verification.check_items), and a row naming another
    company is flagged as a mismatch, never reported as a plain match.
    """
    items = [verification.Item(certificate_number=values.get("number") or None,
                               credit_code=values.get("credit_code") or None,
                               holder_name=values.get("name") or None) for _, values in rows]
    projected: dict[int, PublicCertificate] = {}

    def public(cert: Certificate) -> PublicCertificate:
        if cert.id not in projected:
            projected[cert.id] = PublicCertificate.of(cert, today)
        return projected[cert.id]

    out: list[CheckedRow] = []
    for (line, values), result in zip(rows, verification.check_items(items, today),
                                      strict=True):
        matched_by = {"holder_name": "name"}.get(result.matched_by or "", result.matched_by)
        out.append(CheckedRow(
            line=line, number=values.get("number", ""), credit_code=values.get("credit_code", ""),
            name=values.get("name", ""),
            matches=[Match(public(cert), matched_by or "") for cert in result.certificates],
            name_match=result.verdict.result.value if result.verdict else None,
            counterfeit=result.counterfeit,
            verdict=result.outcome or decide(status=None), did_you_mean=result.did_you_mean))
    return out


def summary(rows: list[CheckedRow]) -> dict[str, dict[str, int]]:
    """Return {"levels": {level: rows}, "reasons": {reason: rows}} for the result's summary."""
    levels = {level.value: 0 for level in Level}
    reasons: dict[str, int] = {}
    for row in rows:
        levels[row.level] += 1
        for reason in row.verdict.reasons:
            reasons[reason.value] = reasons.get(reason.value, 0) + 1
    return {"levels": levels, "reasons": reasons}
