"""Reading the certificate history past a cursor without skipping late commits.

Webhooks and list-watch digests are produced from `certificate_events` by id. On PostgreSQL a
transaction takes its id when it inserts and can commit after a transaction that took a
higher id, so "every id above the last one seen" would skip it for good. As the search index
sync does (services/search.py, `SyncState`), each reader keeps its highest id seen and the
ids below it not seen yet (gaps, with the time first missed); gaps are read again on every run
until they appear or `GAP_TIMEOUT` passes (an id of a rolled-back transaction never appears).
"""

from datetime import datetime
from typing import Final, Protocol

from sqlalchemy import ColumnElement, or_

from portal.models import CertificateEvent
from portal.services.search import advance
from search_index import SyncState

# Runs come from cron every few minutes: a gap is read again for at least two runs.
GAP_TIMEOUT: Final = 15 * 60.0  # seconds


class Cursor(Protocol):
    """A row that keeps a change-log cursor (webhooks, list watches)."""

    last_event_id: int
    event_gaps: dict[str, float]


def state_of(owner: Cursor) -> SyncState:
    return SyncState(last_id=owner.last_event_id,
                     gaps={int(k): float(v) for k, v in (owner.event_gaps or {}).items()})


def unseen(owner: Cursor) -> ColumnElement[bool]:
    """Return the condition on `CertificateEvent.id` of entries `owner` has not read yet."""
    state = state_of(owner)
    condition = CertificateEvent.id > state.last_id
    if state.gaps:
        condition = or_(condition, CertificateEvent.id.in_(sorted(state.gaps)))
    return condition


def move(owner: Cursor, seen: list[int], now: datetime) -> None:
    """Move `owner`'s cursor past the ids `seen` (every entry read, relevant or not)."""
    state = advance(state_of(owner), seen, now.timestamp(), timeout=GAP_TIMEOUT)
    owner.last_event_id = state.last_id
    owner.event_gaps = {str(k): v for k, v in sorted(state.gaps.items())}
