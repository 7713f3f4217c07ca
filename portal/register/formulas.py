"""Keep spreadsheet programs from running cell text as a formula, reversibly.

OWASP "CSV injection": a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return
may run as a formula when a CSV or XLSX export is opened in Excel, LibreOffice or WPS. Every
export writes such text with a leading apostrophe (`'=1+2`), which spreadsheets show as
plain text. Text that itself starts with an apostrophe followed by one of those characters
(or by another apostrophe) gets one more apostrophe, so that `restore` can undo `neutralise`
exactly: importing an export gives back the very values that were exported, while an ordinary
value such as `'t Hooft` is written and read unchanged.
"""

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
_AFTER_QUOTE = (*FORMULA_START, QUOTE)


def neutralise(text: str) -> str:
    """Return `text` as an export writes it: quoted when a spreadsheet could run it."""
    if text.startswith(FORMULA_START) or (text.startswith(QUOTE) and text[1:2] in _AFTER_QUOTE
                                          and len(text) > 1):
        return QUOTE + text
    return text


def is_neutralised(cell: str) -> bool:
    """Tell whether `cell` is text that `neutralise` quoted (so `restore` unquotes it)."""
    return len(cell) > 1 and cell[0] == QUOTE and cell[1] in _AFTER_QUOTE


def restore(cell: str) -> str:
    """Undo `neutralise`: `restore(neutralise(text)) == text` for every text."""
    return cell[1:] if is_neutralised(cell) else cell
