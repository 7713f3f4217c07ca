"""Surveillance currency: when a certificate's next audit is due and whether it is overdue.

CNCA-QMS-01:2025 §5.4.1.4 (and the sibling EMS and OHSMS rules): the first surveillance audit
within 12 months of the certification decision, then at most 12 months after the last
surveillance audit; an overdue surveillance audit means suspension. §5.8.2: the
recertification audit takes place before expiry. The certification decision of the current
cycle is the certificate's `issue_date` (an effective date is never before the decision,
ISO/IEC 17021-1 §8.2.2), so a renewal starts a new cycle. Product certificates have no
surveillance audits in this register (docs/contract.md §6): `surveillance_of` gives None.
"""

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final

from portal.domain.schemes import BY_CODE, Category

# The most months allowed between the decision (or the last surveillance audit) and the next.
INTERVAL_MONTHS: Final = 12
# A surveillance limit this close to expiry is met by the recertification audit instead (the
# third audit of a three-year cycle); the 12-month limit still binds when it comes first.
RECERTIFICATION_WINDOW_MONTHS: Final = 3
# Categories whose certificates are kept by surveillance audits.
WITH_SURVEILLANCE: Final = frozenset({Category.MANAGEMENT, Category.SERVICE})
# Stored statuses under which audits are still owed (withdrawn and cancelled are final).
LIVE_STATUSES: Final = frozenset({"valid", "suspended"})
SURVEILLANCE: Final = "surveillance"
RECERTIFICATION: Final = "recertification"


class NextAudit(StrEnum):
    """Which audit the certificate owes next."""

    SURVEILLANCE = "surveillance"
    RECERTIFICATION = "recertification"


@dataclass(frozen=True)
class AuditDate:
    """One audit as the rule needs it: its type (docs/contract.md §2 names) and date."""

    audit_type: str
    audit_date: date


@dataclass(frozen=True)
class Surveillance:
    """Where a certificate stands in its surveillance cycle on one day."""

    last_audit_date: date | None  # the latest audit of any type on or before the day
    next_due_date: date | None  # None: nothing is owed (final, expired, or recertified)
    next_audit: NextAudit | None  # what is owed by `next_due_date`
    overdue: bool  # the day is after `next_due_date` and the audit has not taken place

    @property
    def recertification_due(self) -> bool:
        """Tell whether the next audit owed is the recertification audit (before expiry)."""
        return self.next_audit is NextAudit.RECERTIFICATION

    def due_within(self, days: int, today: date) -> bool:
        """Tell whether the next audit is overdue or due within `days` days of `today`."""
        if self.next_due_date is None:
            return False
        return self.overdue or (self.next_due_date - today).days <= days


def add_months(day: date, months: int) -> date:
    """Return the same day `months` later, the month's last day when it has no such day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def has_surveillance(scheme: str) -> bool:
    """Tell whether certificates of `scheme` are kept by surveillance audits."""
    found = BY_CODE.get(scheme)
    return found is not None and found.category in WITH_SURVEILLANCE


def surveillance_of(scheme: str, *, status: str, issue_date: date, expiry_date: date,
                    audits: Iterable[AuditDate], today: date) -> Surveillance | None:
    """Return the surveillance currency of one certificate on `today`, None without surveillance.

    Audits dated after `today` are not counted (a date typed ahead is not an audit held).
    """
    if not has_surveillance(scheme):
        return None
    held = sorted((a for a in audits if a.audit_date <= today), key=lambda a: a.audit_date)
    last = held[-1].audit_date if held else None
    if status not in LIVE_STATUSES or today > expiry_date:
        return Surveillance(last, None, None, overdue=False)
    cycle = [a for a in held if a.audit_date > issue_date]
    if any(a.audit_type == RECERTIFICATION for a in cycle):
        # Recertified, awaiting the new decision: the next cycle starts with that decision.
        return Surveillance(last, None, None, overdue=False)
    surveillances = [a.audit_date for a in cycle if a.audit_type == SURVEILLANCE]
    since = surveillances[-1] if surveillances else issue_date
    due, kind = add_months(since, INTERVAL_MONTHS), NextAudit.SURVEILLANCE
    if due > add_months(expiry_date, -RECERTIFICATION_WINDOW_MONTHS):
        due, kind = min(due, expiry_date), NextAudit.RECERTIFICATION
    return Surveillance(last, due, kind, overdue=today > due)
