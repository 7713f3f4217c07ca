"""Export the register as CSV or XLSX with the import columns, so that a round trip is lossless.

Text that a spreadsheet could run as a formula is written neutralised (`portal.register.cells`)
and the import reads it back exactly; XLSX cells are explicit text cells.
"""

import csv
import io
from collections.abc import Iterator
from datetime import date
from typing import Any, BinaryIO

from openpyxl import Workbook
from sqlalchemy import select

from portal.domain.records import CERTIFICATE_COLUMNS
from portal.domain.status import CertificateStatus
from portal.extensions import db
from portal.models import Certificate, Site
from portal.register.cells import neutralise, xlsx_row

LIST_SEPARATOR = ";"
_BATCH = 2000

_COLUMNS = [getattr(Certificate, name) for name in CERTIFICATE_COLUMNS if name != "sites"]


def certificate_records() -> Iterator[dict[str, Any]]:
    """Yield every certificate as {column: value}, ordered by certificate number."""
    last = None
    while True:
        query = (
            select(Certificate.id, *_COLUMNS).order_by(Certificate.certificate_number).limit(_BATCH)
        )
        if last is not None:
            query = query.where(Certificate.certificate_number > last)
        rows = db.session.execute(query).all()
        if not rows:
            return
        sites: dict[int, list[str]] = {}
        ids = [row.id for row in rows]
        for cert_id, address in db.session.execute(
            select(Site.certificate_id, Site.address)
            .where(Site.certificate_id.in_(ids))
            .order_by(Site.certificate_id, Site.position, Site.id)
        ):
            sites.setdefault(cert_id, []).append(address)
        for row in rows:
            record = dict(row._mapping)
            record["sites"] = sites.get(record.pop("id"), [])
            yield record
        last = rows[-1].certificate_number


def cell_text(value: Any) -> str:
    """Write one value as import reads it: ISO dates, `;`-joined lists, true/false, "" for None.

    The text is not yet neutralised (`cells.neutralise`): the writers do that.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, CertificateStatus):
        return value.value
    if isinstance(value, list):
        return LIST_SEPARATOR.join(value)
    return str(value)


def write_csv(stream: BinaryIO) -> int:
    """Write the register as UTF-8 CSV with a BOM (so Excel reads Chinese); return the rows."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="", write_through=True)
    try:
        writer = csv.writer(text)
        writer.writerow(CERTIFICATE_COLUMNS)
        count = 0
        for record in certificate_records():
            writer.writerow([neutralise(cell_text(record[name])) for name in CERTIFICATE_COLUMNS])
            count += 1
        text.flush()
    finally:
        text.detach()
    return count


def write_xlsx(stream: BinaryIO) -> int:
    """Write the register as an XLSX workbook (dates as date cells, all else text cells)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("certificates")
    sheet.append(list(CERTIFICATE_COLUMNS))
    count = 0
    for record in certificate_records():
        # Dates become date cells (openpyxl formats them yyyy-mm-dd); everything else text.
        sheet.append(xlsx_row(sheet, [
            value if isinstance(value := record[name], date) else cell_text(value)
            for name in CERTIFICATE_COLUMNS]))
        count += 1
    book.save(stream)
    return count


def export_certificates(stream: BinaryIO, filename: str) -> int:
    """Write the register to `stream` as XLSX when `filename` ends in .xlsx, else as CSV."""
    if filename.lower().endswith(".xlsx"):
        return write_xlsx(stream)
    return write_csv(stream)
