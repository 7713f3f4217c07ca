"""Guards on back-office input that no form can express: NUL bytes and page numbers.

Bad input must get an answer (a form error, a 400 or a 404), never a 500: PostgreSQL refuses
text containing NUL, and SQLite and PostgreSQL both fail on integers beyond 64 bits.
"""

from flask import request

# Far beyond any real list; keeps OFFSET within a 64-bit integer on every database.
MAX_PAGE = 100_000
# Database ids are 32-bit on PostgreSQL: larger ones in a URL can name nothing (404).
MAX_ID = 2**31 - 1


def has_nul_byte() -> bool:
    """Tell whether the query string, the form or the URL of this request holds a NUL byte."""
    pairs = [*request.args.items(multi=True), *request.form.items(multi=True)]
    pairs += [(name, value) for name, value in (request.view_args or {}).items()
              if isinstance(value, str)]
    return any("\x00" in name or "\x00" in value for name, value in pairs)


def page_number() -> int:
    """Return the `page` query argument as a page number from 1 to MAX_PAGE."""
    page = request.args.get("page", 1, type=int) or 1
    return min(max(page, 1), MAX_PAGE)
