"""Complaint and appeal rules: kinds, stages and their order, references, time limits.

Pure Python (no Flask): ISO/IEC 17021-1 §9.7–9.8 and ISO/IEC 17065 §7.13 describe the process
received → acknowledged → under investigation → decided → closed. A case that is not a
complaint about certification activities may be closed straight after it is received, with a
published explanation.
"""

import re
from collections.abc import Collection, Iterable, Mapping
from datetime import date, timedelta
from enum import StrEnum
from typing import Final


class ComplaintKind(StrEnum):
    COMPLAINT = "complaint"
    APPEAL = "appeal"


class ComplaintAbout(StrEnum):
    CERTIFIED_ORGANIZATION = "certified_organization"
    CERTIFICATION_BODY = "certification_body"


class ComplaintStage(StrEnum):
    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    UNDER_INVESTIGATION = "under_investigation"
    DECIDED = "decided"
    CLOSED = "closed"


Stage = ComplaintStage
STAGE_ORDER: Final[tuple[ComplaintStage, ...]] = tuple(ComplaintStage)
ALLOWED: Final[Mapping[ComplaintStage, frozenset[ComplaintStage]]] = {
    Stage.RECEIVED: frozenset({Stage.ACKNOWLEDGED, Stage.CLOSED}),  # closed: not accepted
    Stage.ACKNOWLEDGED: frozenset({Stage.UNDER_INVESTIGATION}),
    Stage.UNDER_INVESTIGATION: frozenset({Stage.DECIDED}),
    Stage.DECIDED: frozenset({Stage.CLOSED}),
    Stage.CLOSED: frozenset(),  # final
}


class StageError(ValueError):
    """A stage change that the complaint workflow does not allow."""


def ensure_can_move(current: ComplaintStage, target: ComplaintStage) -> None:
    """Raise StageError unless a case at `current` may move to `target`."""
    if target not in ALLOWED[current]:
        raise StageError(f"{current} -> {target} is not allowed")


class FakeReportKind(StrEnum):
    COUNTERFEIT_CERTIFICATE = "counterfeit_certificate"
    LOOKALIKE_SITE = "lookalike_site"
    OTHER = "other"


class FakeReportStatus(StrEnum):
    NEW = "new"
    ALERT_PUBLISHED = "alert_published"
    NO_ACTION = "no_action"  # triaged: genuine certificate, duplicate or not enough to act on


# C0 and C1 control characters and DEL: PostgreSQL refuses NUL in text, and none of them
# belongs in a name, a subject or an e-mail. Tab and line breaks are kept in multi-line text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029]")


def clean_text(value: object, *, multiline: bool = False) -> object:
    """Return typed text without control characters, trimmed; other values unchanged.

    Line breaks become `\\n` in multi-line text and spaces elsewhere.
    """
    if not isinstance(value, str):
        return value
    text = _CONTROL.sub("", _LINE_BREAKS.sub("\n", value))
    if not multiline:
        text = text.replace("\n", " ").replace("\t", " ")
    return text.strip()


REFERENCE_PREFIX: Final = "TS"
_REFERENCE = re.compile(r"^TS-(\d{4})-(\d{6})$")


def format_reference(year: int, sequence: int) -> str:
    """Return the public reference of the `sequence`th case of `year` (TS-2026-000123)."""
    return f"{REFERENCE_PREFIX}-{year:04d}-{sequence:06d}"


def normalise_reference(raw: str) -> str | None:
    """Return `raw` as a well-formed reference (case and spaces forgiven), or None."""
    value = re.sub(r"\s+", "", raw or "").upper().replace("—", "-").replace("–", "-")
    return value if _REFERENCE.match(value) else None


def add_working_days(start: date, days: int, holidays: Collection[date] = ()) -> date:
    """Return the date `days` working days (Monday–Friday, not `holidays`) after `start`."""
    current = start
    left = days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in holidays:
            left -= 1
    return current


ACKNOWLEDGE_WORKING_DAYS: Final = 5


def acknowledge_due(received: date, holidays: Collection[date] = ()) -> date:
    """Return the last day to acknowledge a case received on `received`."""
    return add_working_days(received, ACKNOWLEDGE_WORKING_DAYS, holidays)


def parse_holidays(values: Iterable[str]) -> frozenset[date]:
    """Read public holidays given as ISO dates (`2026-10-01`); raise ValueError on others."""
    return frozenset(date.fromisoformat(v.strip()) for v in values if v.strip())


def resolution_due(received: date, target_days: int) -> date:
    """Return the target date for a decision on a case received on `received`."""
    return received + timedelta(days=target_days)
