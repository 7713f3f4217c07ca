"""Plain values passed between the portal and the search index."""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from search_index.text import ParsedQuery

STATUSES: Final = ("valid", "suspended", "withdrawn", "cancelled", "expired")


class IndexBusyError(RuntimeError):
    """Another process holds the index write lock longer than we were willing to wait."""


class IndexUnavailableError(RuntimeError):
    """The index folder cannot be read or written: missing, read-only, or full.

    The OSError the system gave is the `__cause__`; the message names it in one line.
    """


def public_status(stored: str, expiry: int, today: int) -> str:
    """Derive the public status from the stored one and the expiry day (YYYYMMDD ints)."""
    if stored in ("valid", "suspended") and expiry < today:
        return "expired"
    return stored


@dataclass(frozen=True, slots=True)
class CertificateDoc:
    """What the index knows about one (non-restricted) certificate."""

    key: str  # the normalised certificate number (portal.domain.codes.number_key)
    certificate_number: str
    scheme: str
    status: str  # the stored status; `expired` is derived at query time from expiry_date
    expiry_date: date
    issue_date: date
    holder_name_zh: str
    holder_name_en: str = ""
    former_names: tuple[str, ...] = ()
    credit_code: str = ""
    scope_zh: str = ""
    scope_en: str = ""
    standard: str = ""
    province: str = ""
    city: str = ""

    def digest(self) -> str:
        """Return a short hash of everything indexed, to compare the index with the database."""
        parts = [self.key, self.certificate_number, self.scheme, self.status,
                 self.expiry_date.isoformat(), self.issue_date.isoformat(), self.holder_name_zh,
                 self.holder_name_en, "\x1f".join(self.former_names), self.credit_code,
                 self.scope_zh, self.scope_en, self.standard, self.province, self.city]
        return hashlib.blake2b("\x1e".join(parts).encode(), digest_size=12).hexdigest()


@dataclass(frozen=True)
class Filters:
    """Exact-value filters; `status` is a public status (with `expired`)."""

    scheme: str | None = None
    status: str | None = None
    province: str | None = None
    standard: str | None = None  # a family (`ISO 9001`) or a version (`ISO 9001:2015`)

    @property
    def active(self) -> bool:
        return bool(self.scheme or self.status or self.province or self.standard)


@dataclass(frozen=True)
class Facets:
    """Counts per value among the matches; each facet ignores its own filter."""

    scheme: dict[str, int] = field(default_factory=dict)
    status: dict[str, int] = field(default_factory=dict)
    province: dict[str, int] = field(default_factory=dict)
    standard: dict[str, int] = field(default_factory=dict)  # families and versions


@dataclass(frozen=True)
class SearchResults:
    """One page of matches: index keys best first, plus totals and facet counts."""

    query: ParsedQuery
    page: int = 1
    per_page: int = 20
    keys: list[str] = field(default_factory=list)
    total: int = 0
    total_exact: bool = True  # False: at least `total` (the Whoosh index always counts all)
    facets: Facets | None = None  # None when nothing was searched for
    exact_keys: frozenset[str] = frozenset()  # exact certificate-number / credit-code hits
    extra_words: frozenset[str] = frozenset()  # typo corrections that matched (to highlight)


@dataclass(frozen=True)
class IndexEntry:
    """One indexed certificate as check-index sees it."""

    key: str
    digest: str


@dataclass(frozen=True)
class SyncState:
    """How far the change log is applied: every id ≤ last_id except the open `gaps`.

    A gap is an id below `last_id` not seen yet: on PostgreSQL a transaction can take id 10,
    commit after the one that took id 11, and so appear later. Gaps are re-read until seen or
    until they are older than the gap timeout (a rolled-back transaction never appears).
    """

    last_id: int = 0
    gaps: dict[int, float] = field(default_factory=dict)  # id -> first time (epoch s) missed

    def to_json(self) -> str:
        return json.dumps({"last_id": self.last_id,
                           "gaps": {str(k): v for k, v in sorted(self.gaps.items())}})

    @classmethod
    def from_json(cls, raw: str) -> "SyncState":
        data: dict[str, Any] = json.loads(raw)
        return cls(last_id=int(data.get("last_id", 0)),
                   gaps={int(k): float(v) for k, v in data.get("gaps", {}).items()})

    def __hash__(self) -> int:
        return hash((self.last_id, tuple(sorted(self.gaps.items()))))
