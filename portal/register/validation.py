"""The rules a certificate's fields must meet: `check_certificate(values) -> (record, problems)`.

Every writer of the register checks a certificate here: the CSV/XLSX import (one row at a
time, adding the line number), the staff create and edit forms (problems shown beside each
field). `values` are texts keyed by the column names of the register file (`sites` and
`former_names` `;`-separated, `restricted` "true"/"false"); the record comes back only when
there is no problem.

Problem texts are English msgids marked with `_l`: `FieldProblem.english()` for the CLI and
logs, `FieldProblem.translated()` in the current request's language.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from portal.domain.codes import (
    CREDIT_CODE_CHARSET,
    credit_code_problem,
    is_well_formed_number,
    normalise_credit_code,
    suggest_credit_code,
)
from portal.domain.records import CERTIFICATE_COLUMNS, REQUIRED_COLUMNS, CertificateData
from portal.domain.schemes import SCHEME_CODES, parse_scheme
from portal.domain.status import CertificateStatus
from portal.models import Certificate, Site

LIST_SEPARATORS = re.compile(r"[;；]")  # full-width too: staff type Chinese in Excel
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Dates outside these years are typing slips or placeholders (0001-01-01, 9999-12-31): the
# body was founded in 1992 and no certificate is valid for more than a few years.
EARLIEST_DATE = date(1990, 1, 1)
LATEST_DATE = date(2099, 12, 31)
MAX_VALIDITY_YEARS = 10
_TRUE = frozenset({"true"})
_FALSE = frozenset({"false", ""})
_TEXT_COLUMNS = ("standard", "holder_name_zh", "holder_name_en", "address_zh", "address_en",
                 "province", "city", "scope_zh", "scope_en", "status_reason", "accreditation")

# Problem texts (msgids). Parameters are values from the file or form.
REQUIRED = _l("required, but empty")
TOO_LONG = _l("too long: %(length)s characters, at most %(limit)s")
NUL_CHARACTER = _l("contains a NUL character")
BAD_NUMBER = _l(
    "%(value)s is not a certificate number: use 4 to 40 letters and digits "
    "(at least one digit), optionally separated by -, / or spaces"
)
UNKNOWN_SCHEME = _l("unknown scheme %(value)s; use one of %(schemes)s")
UNKNOWN_STATUS = _l("unknown status %(value)s; use one of valid, suspended, withdrawn, cancelled")
EXPIRED_STATUS = _l(
    "expired is derived from expiry_date and is never imported; give the stored "
    "status (valid or suspended)"
)
BAD_DATE = _l("%(value)s is not a date in the form YYYY-MM-DD")
NO_SUCH_DAY = _l("%(value)s is not a day of the calendar")
INITIAL_AFTER_ISSUE = _l("%(value)s is after issue_date %(issue)s")
EXPIRY_NOT_AFTER_ISSUE = _l("%(value)s must be after issue_date %(issue)s")
IMPLAUSIBLE_DATE = _l("%(value)s is outside the years a certificate can carry "
                      "(%(first)s to %(last)s)")
VALIDITY_TOO_LONG = _l("%(value)s is more than %(years)s years after issue_date %(issue)s")
STATUS_BEFORE_ISSUE = _l("%(value)s is before the certificate was first issued (%(first)s)")
BAD_CREDIT_LENGTH = _l("%(value)s: must be 18 characters, got %(length)s")
BAD_CREDIT_CHARS = _l(
    "%(value)s: characters not allowed: %(chars)s (I, O, Z, S and V are never used)"
)
BAD_CREDIT_REGION = _l(
    "%(value)s: characters 3-8 must be the six-digit administrative division code"
)
BAD_CHECK_DIGIT = _l("%(value)s: check digit should be %(expected)s, not %(found)s")
BAD_BOOLEAN = _l("%(value)s: use true or false")

_english_cache: dict[int, str] = {}


def english(message: Any) -> str:
    """Return a msgid constant's English text (cached: rendering a lazy string costs)."""
    key = id(message)
    if key not in _english_cache:
        with force_locale("en"):
            _english_cache[key] = str(message)
    return _english_cache[key]


@dataclass(frozen=True)
class FieldProblem:
    """One rule a field breaks: the column, a msgid constant and its parameters."""

    column: str
    message: Any
    params: tuple[tuple[str, Any], ...] = ()

    def english(self) -> str:
        """Return the problem in English (CLI, logs, tests)."""
        return english(self.message) % dict(self.params)

    def translated(self) -> str:
        """Return the problem in the current request's language."""
        return str(self.message) % dict(self.params)


def _column_limits() -> dict[str, int]:
    limits = {}
    for column in Certificate.__table__.columns:
        length = getattr(column.type, "length", None)
        if length and column.name in CERTIFICATE_COLUMNS:
            limits[column.name] = length
    limits["sites"] = Site.__table__.c.address.type.length
    limits["former_names"] = Certificate.__table__.c.holder_name_zh.type.length
    return limits


LIMITS = _column_limits()


def years_after(day: date, years: int) -> date:
    """Return the same day `years` later (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def check_certificate(
    values: Mapping[str, str],
) -> tuple[CertificateData | None, list[FieldProblem]]:
    """Check every field of one certificate; return the record (None on any problem) and
    every problem found, in the order of the fields."""
    checker = FieldChecker(values)
    record = checker.certificate()
    return record, checker.problems


class FieldChecker:
    """Turn the texts of one certificate into CertificateData, collecting every problem."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = values
        self.problems: list[FieldProblem] = []

    def fail(self, column: str, message: Any, **params: Any) -> None:
        self.problems.append(FieldProblem(column, message, tuple(params.items())))

    def text(self, column: str) -> str:
        value = self.values.get(column, "")
        if not value and column in REQUIRED_COLUMNS:
            self.fail(column, REQUIRED)
        elif "\x00" in value:
            self.fail(column, NUL_CHARACTER)
        elif (
            column in LIMITS
            and column not in ("sites", "former_names", "credit_code")
            and len(value) > LIMITS[column]
        ):
            self.fail(column, TOO_LONG, length=len(value), limit=LIMITS[column])
        return value

    def items(self, column: str) -> list[str]:
        value = self.text(column)
        items = [item.strip() for item in LIST_SEPARATORS.split(value)] if value else []
        items = [item for item in items if item]
        for item in items:
            if len(item) > LIMITS[column]:
                self.fail(column, TOO_LONG, length=len(item), limit=LIMITS[column])
        return items

    def day(self, column: str) -> date | None:
        value = self.text(column)
        if not value:
            return None
        if not _ISO_DATE.fullmatch(value):
            self.fail(column, BAD_DATE, value=value)
            return None
        try:
            day = date.fromisoformat(value)
        except ValueError:
            self.fail(column, NO_SUCH_DAY, value=value)
            return None
        if not EARLIEST_DATE <= day <= LATEST_DATE:  # e.g. 0001-01-01 typed for "unknown"
            self.fail(column, IMPLAUSIBLE_DATE, value=value, first=EARLIEST_DATE.year,
                      last=LATEST_DATE.year)
            return None
        return day

    def certificate(self) -> CertificateData | None:
        number = self.text("certificate_number")
        if number and not is_well_formed_number(number):
            self.fail("certificate_number", BAD_NUMBER, value=number)
        scheme = self.text("scheme")
        if scheme:
            try:
                scheme = parse_scheme(scheme)
            except ValueError:
                self.fail("scheme", UNKNOWN_SCHEME, value=scheme, schemes=", ".join(SCHEME_CODES))
        status = self._status()
        credit_code = self._credit_code()
        restricted = self.text("restricted").lower()
        if restricted not in _TRUE | _FALSE:
            self.fail("restricted", BAD_BOOLEAN, value=self.values.get("restricted", ""))
        texts = {name: self.text(name) for name in _TEXT_COLUMNS}
        sites = self.items("sites")
        former_names = self.items("former_names")
        initial, issued, expiry = (
            self.day("initial_issue_date"),
            self.day("issue_date"),
            self.day("expiry_date"),
        )
        status_date = self.day("status_date")
        if initial and issued and initial > issued:
            self.fail("initial_issue_date", INITIAL_AFTER_ISSUE, value=initial.isoformat(),
                      issue=issued.isoformat())
        if issued and expiry and expiry <= issued:
            self.fail("expiry_date", EXPIRY_NOT_AFTER_ISSUE, value=expiry.isoformat(),
                      issue=issued.isoformat())
        if issued and expiry and expiry > years_after(issued, MAX_VALIDITY_YEARS):
            self.fail("expiry_date", VALIDITY_TOO_LONG, value=expiry.isoformat(),
                      years=MAX_VALIDITY_YEARS, issue=issued.isoformat())
        first = initial or issued
        if status_date and first and status_date < first:
            self.fail("status_date", STATUS_BEFORE_ISSUE, value=status_date.isoformat(),
                      first=first.isoformat())
        if self.problems or status is None or issued is None or expiry is None:
            return None
        return CertificateData(
            certificate_number=number,
            scheme=scheme,
            issue_date=issued,
            expiry_date=expiry,
            status=status,
            credit_code=credit_code,
            sites=sites,
            initial_issue_date=initial,
            status_date=status_date,
            former_names=former_names,
            restricted=restricted in _TRUE,
            **texts,
        )

    def _status(self) -> CertificateStatus | None:
        value = self.text("status")
        if not value:
            return None
        if value.lower() == "expired":
            self.fail("status", EXPIRED_STATUS)
            return None
        try:
            return CertificateStatus(value.lower())
        except ValueError:
            self.fail("status", UNKNOWN_STATUS, value=value)
            return None

    def _credit_code(self) -> str:
        raw = self.text("credit_code")
        if not raw:
            return ""
        code = normalise_credit_code(raw)
        if credit_code_problem(code) is None:
            return code
        bad = sorted({ch for ch in code if ch not in CREDIT_CODE_CHARSET})
        fixed = suggest_credit_code(code)
        if len(code) != 18:
            self.fail("credit_code", BAD_CREDIT_LENGTH, value=raw, length=len(code))
        elif fixed:  # only the 18th character is wrong
            self.fail("credit_code", BAD_CHECK_DIGIT, value=raw, expected=fixed[17], found=code[17])
        elif bad:
            self.fail("credit_code", BAD_CREDIT_CHARS, value=raw, chars=" ".join(bad))
        else:
            self.fail("credit_code", BAD_CREDIT_REGION, value=raw)
        return code
