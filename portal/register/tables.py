"""Read a table from a CSV or XLSX file: streaming, bounded, with physical line numbers.

One reader serves the register import (CLI and back office) and the public bulk check
(`/verify-list`). It reads a header row and the data rows after it; blank rows are left out
but every row keeps the number it has in the file (line 4 of a CSV, row 4 of a sheet), so
messages point at the line a person sees in their editor or spreadsheet.

Encoding rule: CSV is UTF-8, with or without a byte order mark. With `gb18030=True` (the public
bulk check only) a file that is not UTF-8 is read as GB18030, the encoding in which Excel for
Chinese Windows saves "CSV". The register import refuses anything but UTF-8: GB18030 decodes
almost any bytes, so a file in a third encoding would be imported as wrong text without a
word, while a supplier list read wrongly only finds no match.

Workbooks are read with openpyxl in read-only (streaming) mode, ignoring the size the sheet
declares in its `<dimension>` record (a 2 KB file may claim 16,384 columns by 20,000 rows);
reading stops with a `TableError` at the row, line, column and cell limits, at a time budget,
and before opening a workbook whose members unpack to more than a set size.

Cells are text with surrounding spaces removed, except text an export protected with a
leading apostrophe (`portal.register.cells`), which is taken exactly as exported.
"""

import csv
import io
import time
import zipfile
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from datetime import time as day_time
from typing import Any, BinaryIO

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook

from portal.register.cells import QUOTE, is_neutralised, ooxml_unescape, restore

# A progress callback: (phase, done, total); the reader reports phase "read" for workbooks.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Limits:
    """How much of a file the reader accepts before it refuses the file."""

    rows: int  # data rows (non-blank rows after the header)
    lines: int  # lines of a CSV or rows of a sheet, blank ones included
    columns: int  # cells in one row, up to the last non-empty one
    cells: int  # non-empty cells in the whole file
    seconds: float  # time spent reading
    unpacked_bytes: int  # what the members of an XLSX file unpack to, together


# The CLI import: a register of a quarter of a million certificates is far beyond this body's.
IMPORT_LIMITS = Limits(rows=250_000, lines=500_000, columns=100, cells=6_000_000,
                       seconds=600, unpacked_bytes=1024 * 1024 * 1024)
# The back-office preview runs inside a web request.
UPLOAD_LIMITS = replace(IMPORT_LIMITS, seconds=25, unpacked_bytes=400 * 1024 * 1024)
# `/verify-list`: anyone may upload; at most 1,000 rows are checked.
PUBLIC_LIMITS = Limits(rows=1000, lines=5000, columns=50, cells=20_000, seconds=5,
                       unpacked_bytes=20 * 1024 * 1024)

_CHECK_EVERY = 64  # rows between looks at the clock

# Problem texts (msgids); parameters are numbers or text from the file.
NOT_UTF8 = _l('the file is not UTF-8 text; in Excel save it as "CSV UTF-8" or as .xlsx')
NOT_UTF8_OR_GB18030 = _l("the file is neither UTF-8 nor GB18030 text")
XLS_OLD = _l('old .xls workbooks cannot be read; save the file as .xlsx or "CSV UTF-8"')
UNREADABLE_XLSX = _l("the workbook cannot be read: %(detail)s")
BAD_CSV = _l("the file is not valid CSV: %(detail)s")
EMPTY_FILE = _l("the file is empty; the first row must name the columns")
TOO_MANY_ROWS = _l("the file has more than %(limit)s rows; split it into smaller files")
TOO_MANY_LINES = _l("the file has more than %(limit)s lines, blank ones included; "
                    "remove the blank rows or split the file")
TOO_MANY_COLUMNS = _l("the row has more than %(limit)s columns")
TOO_MANY_VALUES = _l("the file has more than %(limit)s filled cells; split it into smaller files")
TOO_SLOW = _l("reading the file took more than %(seconds)s seconds; split it into smaller files")
UNPACKS_TOO_LARGE = _l("the workbook unpacks to more than %(limit)s MB; "
                       "save it again as .xlsx or as CSV, or split it")


class TableError(ValueError):
    """The file cannot be read as a table (or is larger than the limits allow)."""

    def __init__(self, code: str, line: int, message: Any, **params: Any) -> None:
        self.code = code  # "xls", "unreadable", "encoding", "csv", "empty" or "limit"
        self.line = line
        self.message = message
        self.params = params
        super().__init__(f"line {line}: {self.english()}")

    def english(self) -> str:
        """Return the problem in English (CLI, logs)."""
        with force_locale("en"):
            return str(self.message) % self.params

    def translated(self) -> str:
        """Return the problem in the current request's language."""
        return str(self.message) % self.params


@dataclass
class Table:
    header_line: int
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (line number in the file, cells); blank rows left out


def read_table(stream: BinaryIO, filename: str, *, limits: Limits = IMPORT_LIMITS,
               gb18030: bool = False, progress: Progress | None = None) -> Table:
    """Read the header row and the data rows of a CSV or XLSX file within `limits`.

    Raises:
        TableError: the file cannot be read, is empty, or exceeds a limit; `line` says where.
    """
    raw = stream.read()
    name = filename.lower()
    if name.endswith(".xls") or raw[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise TableError("xls", 1, XLS_OLD)
    started = time.monotonic()
    if name.endswith((".xlsx", ".xlsm")) or raw[:4] == b"PK\x03\x04":
        records = _xlsx_records(raw, limits, progress)
    else:
        records = _csv_records(raw, gb18030)
    try:
        return _collect(records, limits, started)
    finally:
        records.close()  # a refused workbook is closed at once


def _collect(records: Iterator[tuple[int, list[str]]], limits: Limits,
             started: float) -> Table:
    header_line, header = 0, None
    rows: list[tuple[int, list[str]]] = []
    cells = 0
    for line, values in records:
        if line > limits.lines:
            raise TableError("limit", line, TOO_MANY_LINES, limit=limits.lines)
        if line % _CHECK_EVERY == 0 and time.monotonic() - started > limits.seconds:
            raise TableError("limit", line, TOO_SLOW, seconds=limits.seconds)
        if len(values) > limits.columns:
            while values and not values[-1]:
                values.pop()
            if len(values) > limits.columns:
                raise TableError("limit", line, TOO_MANY_COLUMNS, limit=limits.columns)
        filled = sum(1 for value in values if value)
        if not filled:
            continue
        cells += filled
        if cells > limits.cells:
            raise TableError("limit", line, TOO_MANY_VALUES, limit=limits.cells)
        if header is None:
            header_line, header = line, values
        elif len(rows) == limits.rows:
            raise TableError("limit", line, TOO_MANY_ROWS, limit=limits.rows)
        else:
            rows.append((line, values))
    if header is None:
        raise TableError("empty", 1, EMPTY_FILE)
    return Table(header_line, header, rows)


def cell_text(value: Any) -> str:
    """Return a cell as the text the register reads (dates as YYYY-MM-DD, booleans as words)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return restore(value) if is_neutralised(value) else value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == day_time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _csv_text(cell: str) -> str:
    """`cell_text` for a CSV cell (always text): the import's hot loop, a call per cell."""
    if cell[:1] == QUOTE and is_neutralised(cell):
        return cell[1:]
    return cell.strip()


def _decode(raw: bytes, gb18030: bool) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        if not gb18030:
            raise TableError("encoding", line, NOT_UTF8) from None
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise TableError("encoding", line, NOT_UTF8_OR_GB18030) from None


def _csv_records(raw: bytes, gb18030: bool) -> Generator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(_decode(raw, gb18030), newline=""), strict=True)
    last = 0
    try:
        for cells in reader:
            # A quoted value may span lines: report the line the record starts on.
            yield last + 1, [_csv_text(c) for c in cells]
            last = reader.line_num
    except csv.Error as exc:
        raise TableError("csv", reader.line_num, BAD_CSV, detail=str(exc)) from None


def _xlsx_records(raw: bytes, limits: Limits,
                  progress: Progress | None) -> Generator[tuple[int, list[str]]]:
    try:
        unpacked = sum(member.file_size for member in zipfile.ZipFile(io.BytesIO(raw)).infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise TableError("unreadable", 1, UNREADABLE_XLSX, detail=str(exc)[:200]) from None
    if unpacked > limits.unpacked_bytes:
        raise TableError("limit", 1, UNPACKS_TOO_LARGE,
                         limit=limits.unpacked_bytes // (1024 * 1024))
    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        sheet = book.worksheets[0]
    except Exception as exc:  # openpyxl raises many kinds for a broken file  # noqa: BLE001
        raise TableError("unreadable", 1, UNREADABLE_XLSX, detail=str(exc)[:200]) from None
    try:
        # The declared size is only a claim: used for the progress total, never for reading
        # (openpyxl would pad every row to the declared width and add the declared rows).
        total = min(getattr(sheet, "max_row", None) or 0, limits.lines)
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, [cell_text(ooxml_unescape(v) if isinstance(v, str) else v)
                         for v in values]
            if total:  # openpyxl reads some 50,000 cells a second: say how far it got
                _report(progress, "read", min(line, total), total)
    except TableError:
        raise
    except Exception as exc:  # a broken sheet inside a readable zip  # noqa: BLE001
        raise TableError("unreadable", 1, UNREADABLE_XLSX, detail=str(exc)[:200]) from None
    finally:
        book.close()


def _report(progress: Progress | None, phase: str, done: int, total: int) -> None:
    if progress is not None and (done == total or done % 1000 == 0):
        progress(phase, done, total)
