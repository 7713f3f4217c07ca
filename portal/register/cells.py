"""How text goes into spreadsheet cells and comes back out, unchanged and harmless.

Formulas (OWASP "CSV injection"): a cell that starts with `=`, `+`, `-`, `@`, a tab or a
carriage return may run as a formula when an export is opened in Excel, LibreOffice or WPS.
Every export (CSV and XLSX) writes such text with a leading apostrophe (`'=1+2`), which
spreadsheets show as plain text. Text that itself starts with an apostrophe followed by one of
those characters (or by another apostrophe) gets one more apostrophe, so that `restore` undoes
`neutralise` exactly: importing an export gives back the very values that were exported,
while an ordinary value such as `'t Hooft` is written and read unchanged.

XLSX text: XML turns a carriage return into a line feed when read, and some control
characters cannot appear in XML at all. Workbooks spell them `_x000D_` (the OOXML escape,
which Excel writes and reads too; a literal `_x000D_` is spelt `_x005F_x000D_`):
`ooxml_escape` on writing, `ooxml_unescape` on reading. XLSX cells are written as explicit
text cells, never as formulas.
"""

import re
from collections.abc import Iterable
from typing import Any

from openpyxl.cell import WriteOnlyCell

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
_AFTER_QUOTE = (*FORMULA_START, QUOTE)
_OOXML_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
# Characters XML cannot keep as they are (a CR reads back as LF; most others are illegal).
_OOXML_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]")


def neutralise(text: str) -> str:
    """Return `text` as an export writes it: quoted when a spreadsheet could run it."""
    if text.startswith(FORMULA_START) or is_neutralised(text):
        return QUOTE + text
    return text


def is_neutralised(cell: str) -> bool:
    """Tell whether `cell` is text that `neutralise` quoted (so `restore` unquotes it)."""
    return len(cell) > 1 and cell[0] == QUOTE and cell[1] in _AFTER_QUOTE


def restore(cell: str) -> str:
    """Undo `neutralise`: `restore(neutralise(text)) == text` for every text."""
    return cell[1:] if is_neutralised(cell) else cell


def ooxml_escape(text: str) -> str:
    """Spell `text` for an XLSX cell so that it reads back exactly (see module docstring)."""
    if "_x" in text:
        text = _OOXML_ESCAPED.sub(lambda m: "_x005F" + m.group(0), text)
    return _OOXML_UNSAFE.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)


def ooxml_unescape(text: str) -> str:
    """Read the `_xHHHH_` escapes of an XLSX cell's text."""
    if "_x" not in text:
        return text
    return _OOXML_ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)


def csv_row(values: Iterable[Any]) -> list[Any]:
    """Return `values` ready for `csv.writer.writerow`: text neutralised, others as they are."""
    return [neutralise(value) if isinstance(value, str) else value for value in values]


def xlsx_row(sheet: Any, values: Iterable[Any]) -> list[Any]:
    """Return `values` ready for `sheet.append` on a write-only `sheet`: text neutralised,
    escaped and typed as text (never a formula), other values (numbers, dates) as they are."""
    out: list[Any] = []
    for value in values:
        if isinstance(value, str):
            cell = WriteOnlyCell(sheet, ooxml_escape(neutralise(value)))
            cell.data_type = "s"
            out.append(cell)
        else:
            out.append(value)
    return out
