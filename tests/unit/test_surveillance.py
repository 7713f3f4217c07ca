"""Surveillance due dates (issue #24): 12 months from the decision, then from each surveillance
audit; the recertification audit before expiry; nothing for product certificates."""

from datetime import date

import pytest

from portal.domain.surveillance import (
    AuditDate,
    NextAudit,
    add_months,
    surveillance_of,
)

DECISION = date(2024, 3, 15)
EXPIRY = date(2027, 3, 14)
INITIAL = AuditDate("initial", date(2024, 2, 20))


def currency(*audits, today, scheme="QMS", status="valid", issue=DECISION, expiry=EXPIRY):
    return surveillance_of(scheme, status=status, issue_date=issue, expiry_date=expiry,
                           audits=audits, today=today)


def test_first_surveillance_is_due_twelve_months_after_the_decision():
    s = currency(INITIAL, today=date(2024, 9, 1))
    assert s.last_audit_date == date(2024, 2, 20)
    assert s.next_due_date == date(2025, 3, 15)
    assert s.next_audit is NextAudit.SURVEILLANCE
    assert not s.overdue and not s.recertification_due


def test_exactly_twelve_months_after_the_decision_is_still_in_time():
    assert currency(INITIAL, today=date(2025, 3, 15)).overdue is False


def test_twelve_months_and_one_day_after_the_decision_is_overdue():
    s = currency(INITIAL, today=date(2025, 3, 16))
    assert s.overdue is True
    assert s.next_due_date == date(2025, 3, 15)


def test_an_audit_on_the_last_day_keeps_the_certificate_current():
    audit = AuditDate("surveillance", date(2025, 3, 15))
    s = currency(INITIAL, audit, today=date(2025, 3, 16))
    assert s.overdue is False
    assert s.last_audit_date == date(2025, 3, 15)
    assert s.next_due_date == date(2026, 3, 15)


def test_the_next_surveillance_is_counted_from_the_last_one_not_the_decision():
    first = AuditDate("surveillance", date(2025, 1, 10))  # early: the interval runs from here
    assert currency(INITIAL, first, today=date(2025, 6, 1)).next_due_date == date(2026, 1, 10)
    assert currency(INITIAL, first, today=date(2026, 1, 10)).overdue is False
    assert currency(INITIAL, first, today=date(2026, 1, 11)).overdue is True


def test_a_late_surveillance_audit_restarts_the_interval_from_its_own_date():
    late = AuditDate("surveillance", date(2025, 4, 20))
    s = currency(INITIAL, late, today=date(2025, 5, 1))
    assert s.overdue is False and s.next_due_date == date(2026, 4, 20)


def test_after_the_second_surveillance_the_recertification_is_due_by_expiry():
    audits = (INITIAL, AuditDate("surveillance", date(2025, 3, 1)),
              AuditDate("surveillance", date(2026, 3, 10)))
    s = currency(*audits, today=date(2026, 6, 1))
    assert s.next_audit is NextAudit.RECERTIFICATION and s.recertification_due
    assert s.next_due_date == date(2027, 3, 10)  # the 12-month limit comes before expiry
    assert currency(*audits, today=date(2027, 3, 11)).overdue is True


def test_the_recertification_is_due_by_expiry_when_that_comes_first():
    audits = (INITIAL, AuditDate("surveillance", date(2025, 3, 1)),
              AuditDate("surveillance", date(2026, 4, 10)))
    s = currency(*audits, today=date(2026, 6, 1))
    assert s.recertification_due and s.next_due_date == EXPIRY
    assert currency(*audits, today=EXPIRY).overdue is False
    assert s.overdue is False


def test_a_surveillance_audit_is_still_owed_well_before_expiry():
    audits = (INITIAL, AuditDate("surveillance", date(2025, 3, 1)),
              AuditDate("surveillance", date(2025, 11, 1)))  # two early: the limit is 2026-11
    s = currency(*audits, today=date(2026, 1, 1))
    assert s.next_audit is NextAudit.SURVEILLANCE and s.next_due_date == date(2026, 11, 1)


def test_a_recertification_audit_in_the_cycle_owes_nothing_until_the_new_decision():
    audits = (INITIAL, AuditDate("surveillance", date(2025, 3, 1)),
              AuditDate("surveillance", date(2026, 3, 1)),
              AuditDate("recertification", date(2027, 1, 20)))
    s = currency(*audits, today=date(2027, 2, 1))
    assert s.next_due_date is None and s.overdue is False
    assert s.last_audit_date == date(2027, 1, 20)


def test_a_renewed_certificate_counts_from_its_new_decision():
    """After recertification the issue date is the new decision: the old audits do not count."""
    audits = (INITIAL, AuditDate("surveillance", date(2025, 3, 1)),
              AuditDate("surveillance", date(2026, 3, 1)),
              AuditDate("recertification", date(2027, 1, 20)))
    s = currency(*audits, today=date(2027, 6, 1), issue=date(2027, 3, 1),
                 expiry=date(2030, 2, 28))
    assert s.next_due_date == date(2028, 3, 1)
    assert s.next_audit is NextAudit.SURVEILLANCE
    assert s.last_audit_date == date(2027, 1, 20)


def test_audits_dated_after_today_are_not_counted():
    planned = AuditDate("surveillance", date(2025, 3, 1))
    s = currency(INITIAL, planned, today=date(2025, 2, 1))
    assert s.next_due_date == date(2025, 3, 15) and s.last_audit_date == date(2024, 2, 20)


@pytest.mark.parametrize("scheme", ["GREEN_PRODUCT", "VOLUNTARY_PRODUCT", "NOT_A_SCHEME"])
def test_schemes_without_surveillance_have_none(scheme):
    assert currency(INITIAL, today=date(2025, 6, 1), scheme=scheme) is None


@pytest.mark.parametrize("scheme", ["QMS", "EMS", "OHSMS", "SRMS", "OTHER_MS",
                                    "REAL_ESTATE_SERVICE"])
def test_management_and_service_schemes_have_surveillance(scheme):
    assert currency(INITIAL, today=date(2025, 6, 1), scheme=scheme) is not None


@pytest.mark.parametrize("status", ["withdrawn", "cancelled"])
def test_a_final_certificate_owes_no_audit(status):
    s = currency(INITIAL, today=date(2026, 1, 1), status=status)
    assert s.next_due_date is None and s.overdue is False
    assert s.last_audit_date == date(2024, 2, 20)


def test_an_expired_certificate_owes_no_audit():
    s = currency(INITIAL, today=date(2027, 3, 15))
    assert s.next_due_date is None and s.overdue is False


def test_a_suspended_certificate_stays_overdue_until_audited():
    assert currency(INITIAL, today=date(2025, 5, 1), status="suspended").overdue is True


def test_due_within_counts_overdue_and_the_days_ahead():
    s = currency(INITIAL, today=date(2025, 2, 13))  # due 2025-03-15: 30 days ahead
    assert s.due_within(30, date(2025, 2, 13)) is True
    assert s.due_within(29, date(2025, 2, 13)) is False
    late = currency(INITIAL, today=date(2025, 4, 1))
    assert late.due_within(0, date(2025, 4, 1)) is True


def test_twelve_months_after_the_last_day_of_february_of_a_leap_year():
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 12, 31), 12) == date(2025, 12, 31)
