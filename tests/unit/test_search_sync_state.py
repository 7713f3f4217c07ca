"""How far the change log is applied: out-of-order commits leave gaps that are re-read."""

from portal.services.search import GAP_TIMEOUT, advance
from search_index import SyncState


def test_applying_consecutive_ids_moves_the_mark_without_gaps():
    assert advance(SyncState(last_id=3), [4, 5, 6], now=100.0) == SyncState(last_id=6)


def test_ids_skipped_become_gaps_until_seen():
    state = advance(SyncState(last_id=3), [4, 7], now=100.0)
    assert state == SyncState(last_id=7, gaps={5: 100.0, 6: 100.0})
    later = advance(state, [6, 8], now=101.0)
    assert later == SyncState(last_id=8, gaps={5: 100.0})


def test_a_gap_is_given_up_after_the_timeout():
    state = SyncState(last_id=7, gaps={5: 100.0})
    assert advance(state, [8], now=100.0 + GAP_TIMEOUT + 1) == SyncState(last_id=8)


def test_state_round_trips_through_json():
    state = SyncState(last_id=9, gaps={4: 1.5})
    assert SyncState.from_json(state.to_json()) == state
