"""Certificate status rules (docs/contract.md §2): the one place that owns the transitions."""

from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Final


class CertificateStatus(StrEnum):
    """A status that is stored; `expired` is never stored (see `PublicStatus`)."""

    VALID = "valid"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"


class PublicStatus(StrEnum):
    """The status the public sees: the stored one, or `expired` derived from the dates."""

    VALID = "valid"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


S = CertificateStatus
ALLOWED: Final[Mapping[CertificateStatus, frozenset[CertificateStatus]]] = {
    S.VALID: frozenset({S.SUSPENDED, S.WITHDRAWN, S.CANCELLED}),
    S.SUSPENDED: frozenset({S.VALID, S.WITHDRAWN, S.CANCELLED}),
    S.WITHDRAWN: frozenset(),  # final
    S.CANCELLED: frozenset(),  # final
}
FINAL: Final = frozenset({S.WITHDRAWN, S.CANCELLED})
MAX_SUSPENSION_DAYS: Final = 183  # "at most 6 months"


class TransitionError(ValueError):
    """A status change that the workflow does not allow."""

    def __init__(self, current: CertificateStatus, target: CertificateStatus) -> None:
        super().__init__(f"{current} -> {target} is not allowed")
        self.current = current
        self.target = target


def parse_status(value: str) -> CertificateStatus:
    """Return the stored status named by `value`; `expired` is refused (it is derived)."""
    try:
        return CertificateStatus(value.strip().lower())
    except ValueError:
        raise ValueError(f"unknown status {value!r}") from None


def can_move(current: CertificateStatus, target: CertificateStatus) -> bool:
    """Tell whether `current` may change to `target`."""
    return target in ALLOWED[current]


def ensure_can_move(current: CertificateStatus, target: CertificateStatus) -> None:
    """Raise `TransitionError` unless `current` may change to `target`."""
    if not can_move(current, target):
        raise TransitionError(current, target)


def public_status(stored: CertificateStatus, expiry_date: date, today: date) -> PublicStatus:
    """Derive what the public sees: `expired` once the expiry date has passed while in force."""
    if stored in (S.VALID, S.SUSPENDED) and expiry_date < today:
        return PublicStatus.EXPIRED
    return PublicStatus(stored.value)
