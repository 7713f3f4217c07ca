"""One rule for every cell the open-data exports write (CSV and XLSX)."""

from typing import Any, Final

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection, OWASP).
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Return `value` so that a spreadsheet shows it as text, never runs it as a formula."""
    # TODO(#13): call the register's shared formula-escaping function once it lands.
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
