"""Transparency statistics of docs/contract.md §6, computed live from the register for any year.

`statistics(year)` is what pages and the API call: it recomputes the table whenever the
register has changed and otherwise answers from a small per-app cache. "Changed" is read from
the database on every call (three `max(id)` lookups on primary keys): every certificate write
adds a search change-log row in its own transaction, status history and audits are only ever
appended, so a new row in any of the three is the only way the table can change.
"""

import threading
from collections import Counter, OrderedDict
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from portal import clock
from portal.domain.schemes import CATEGORIES, SCHEMES
from portal.domain.status import CertificateStatus
from portal.extensions import db
from portal.models import Audit, AuditType, Certificate, CertificateEvent, EventKind, SearchChange

COLUMNS: tuple[str, ...] = ("valid", "newly_issued", "surveillance_audits", "suspended",
                            "withdrawn", "cancelled")
FIRST_YEAR = 1992  # the body was founded in 1992
CACHED_TABLES = 32  # (year, register version) pairs kept per app
_CACHE_KEY = "portal.stats_cache"
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class StatsRow:
    scheme: str | None  # None for a category subtotal
    category: str
    valid: int
    newly_issued: int
    surveillance_audits: int
    suspended: int
    withdrawn: int
    cancelled: int

    def values(self) -> tuple[int, ...]:
        return tuple(getattr(self, column) for column in COLUMNS)


@dataclass(frozen=True)
class YearStatistics:
    year: int
    rows: list[StatsRow]  # one per scheme, in SCHEMES order
    subtotals: list[StatsRow]  # one per category, in CATEGORIES order

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON shape of `GET /api/v1/stats`."""
        return {
            "year": self.year,
            "columns": list(COLUMNS),
            "rows": [asdict(row) for row in self.rows],
            "subtotals": [{k: v for k, v in asdict(row).items() if k != "scheme"}
                          for row in self.subtotals],
        }


def _first_issue() -> Any:
    return func.coalesce(Certificate.initial_issue_date, Certificate.issue_date)


def _valid_on(day: date) -> Counter[str]:
    """Count per scheme the certificates in force on `day` (status and validity as of then)."""
    return Counter(in_force_on(day).values())


def in_force_on(day: date) -> dict[int, str]:
    """Return {certificate id: scheme} of the certificates in force on `day` (as of then)."""
    ranked = (select(CertificateEvent.certificate_id, CertificateEvent.status,
                     func.row_number().over(
                         partition_by=CertificateEvent.certificate_id,
                         order_by=(CertificateEvent.effective_date.desc(),
                                   CertificateEvent.id.desc())).label("rank"))
              .where(CertificateEvent.status.is_not(None), CertificateEvent.effective_date <= day)
              .subquery())
    rows = db.session.execute(
        select(Certificate.id, Certificate.scheme, Certificate.expiry_date)
        .join(ranked, (ranked.c.certificate_id == Certificate.id) & (ranked.c.rank == 1))
        .where(ranked.c.status == CertificateStatus.VALID.value, _first_issue() <= day)).all()
    # A renewal recorded after `day` replaced the expiry date that applied on `day`.
    earlier_expiry: dict[int, date] = {}
    renewals = db.session.execute(
        select(CertificateEvent.certificate_id, CertificateEvent.details)
        .where(CertificateEvent.kind == EventKind.RENEWED, CertificateEvent.effective_date > day)
        .order_by(CertificateEvent.effective_date.desc(), CertificateEvent.id.desc())).all()
    for certificate_id, details in renewals:  # the earliest renewal after `day` wins
        previous = (details or {}).get("previous_expiry_date")
        if previous:
            earlier_expiry[certificate_id] = date.fromisoformat(previous)
    return {certificate_id: scheme for certificate_id, scheme, expiry in rows
            if earlier_expiry.get(certificate_id, expiry) >= day}


def compute_statistics(year: int) -> YearStatistics:
    """Compute the report's table for `year`: one row per scheme and category subtotals."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    valid = _valid_on(end)
    newly = Counter(dict(db.session.execute(
        select(Certificate.scheme, func.count()).where(_first_issue().between(start, end))
        .group_by(Certificate.scheme)).all()))
    surveillance = Counter(dict(db.session.execute(
        select(Certificate.scheme, func.count()).join(Audit.certificate)
        .where(Audit.audit_type == AuditType.SURVEILLANCE, Audit.audit_date.between(start, end))
        .group_by(Certificate.scheme)).all()))
    changes: Counter[tuple[str, str]] = Counter()
    for scheme, status, count in db.session.execute(
            select(Certificate.scheme, CertificateEvent.status, func.count())
            .join(CertificateEvent.certificate)
            .where(CertificateEvent.kind == EventKind.STATUS,
                   CertificateEvent.effective_date.between(start, end))
            .group_by(Certificate.scheme, CertificateEvent.status)).all():
        changes[(scheme, CertificateStatus(status).value)] += count
    rows = [StatsRow(scheme=s.code, category=s.category.value, valid=valid[s.code],
                     newly_issued=newly[s.code], surveillance_audits=surveillance[s.code],
                     suspended=changes[(s.code, "suspended")],
                     withdrawn=changes[(s.code, "withdrawn")],
                     cancelled=changes[(s.code, "cancelled")]) for s in SCHEMES]
    subtotals = []
    for category in CATEGORIES:
        members = [row for row in rows if row.category == category.value]
        sums = {column: sum(getattr(row, column) for row in members) for column in COLUMNS}
        subtotals.append(StatsRow(scheme=None, category=category.value, **sums))
    return YearStatistics(year=year, rows=rows, subtotals=subtotals)


def register_version() -> tuple[int, int, int]:
    """Return the newest change-log, history and audit ids: they move on every change."""
    newest = db.session.execute(select(
        select(func.max(SearchChange.id)).scalar_subquery(),
        select(func.max(CertificateEvent.id)).scalar_subquery(),
        select(func.max(Audit.id)).scalar_subquery())).one()
    return (newest[0] or 0, newest[1] or 0, newest[2] or 0)


def statistics(year: int) -> YearStatistics:
    """Return the table for `year`, recomputed only when the register has changed."""
    key = (year, register_version())
    cache: OrderedDict[tuple[int, tuple[int, int, int]], YearStatistics] = \
        current_app.extensions.setdefault(_CACHE_KEY, OrderedDict())
    with _cache_lock:
        found = cache.get(key)
        if found is not None:
            cache.move_to_end(key)
            return found
    computed = compute_statistics(year)
    with _cache_lock:
        cache[key] = computed
        while len(cache) > CACHED_TABLES:
            cache.popitem(last=False)
    return computed


def available_years() -> list[int]:
    """Return the years from the first certificate's issue to this year, ascending."""
    first = db.session.scalar(select(func.min(_first_issue())))
    if first is None:
        return []
    return list(range(max(first.year, FIRST_YEAR), clock.today().year + 1))


def default_year() -> int:
    """Return the last full calendar year (the report's convention)."""
    return clock.today().year - 1
