"""The status state machine of docs/contract.md §2."""

from datetime import date

import pytest

from portal.domain.status import (
    ALLOWED,
    CertificateStatus,
    PublicStatus,
    TransitionError,
    can_move,
    ensure_can_move,
    parse_status,
    public_status,
)

S = CertificateStatus
SPEC_ALLOWED = {(S.VALID, S.SUSPENDED), (S.SUSPENDED, S.VALID), (S.VALID, S.WITHDRAWN),
                (S.SUSPENDED, S.WITHDRAWN), (S.VALID, S.CANCELLED), (S.SUSPENDED, S.CANCELLED)}


@pytest.mark.parametrize("current", list(S))
@pytest.mark.parametrize("target", list(S))
def test_transition_table_matches_spec(current, target):
    assert can_move(current, target) == ((current, target) in SPEC_ALLOWED)
    if (current, target) in SPEC_ALLOWED:
        ensure_can_move(current, target)
    else:
        with pytest.raises(TransitionError):
            ensure_can_move(current, target)


@pytest.mark.parametrize("target", list(S))
def test_withdrawn_and_cancelled_are_final(target):
    assert target not in ALLOWED[S.WITHDRAWN]
    assert target not in ALLOWED[S.CANCELLED]


def test_expired_is_derived_from_expiry_date_for_certificates_in_force():
    expiry = date(2025, 1, 31)
    assert public_status(S.VALID, expiry, date(2025, 1, 31)) is PublicStatus.VALID
    assert public_status(S.VALID, expiry, date(2025, 2, 1)) is PublicStatus.EXPIRED
    assert public_status(S.SUSPENDED, expiry, date(2025, 2, 1)) is PublicStatus.EXPIRED
    assert public_status(S.WITHDRAWN, expiry, date(2025, 2, 1)) is PublicStatus.WITHDRAWN
    assert public_status(S.CANCELLED, expiry, date(2026, 2, 1)) is PublicStatus.CANCELLED


def test_expired_cannot_be_stored():
    with pytest.raises(ValueError):
        parse_status("expired")
    assert parse_status(" Suspended ") is S.SUSPENDED
