"""Complaint rules without a database: stage order, references, working days, files."""

from datetime import date

import pytest

from portal.domain.complaints import (
    ALLOWED,
    ComplaintStage,
    StageError,
    acknowledge_due,
    add_working_days,
    clean_text,
    ensure_can_move,
    format_reference,
    normalise_reference,
    parse_holidays,
)

S = ComplaintStage
EXPECTED = {
    (S.RECEIVED, S.ACKNOWLEDGED), (S.RECEIVED, S.CLOSED),
    (S.ACKNOWLEDGED, S.UNDER_INVESTIGATION), (S.UNDER_INVESTIGATION, S.DECIDED),
    (S.DECIDED, S.CLOSED),
}


@pytest.mark.parametrize("current", list(S))
@pytest.mark.parametrize("target", list(S))
def test_stage_table_allows_only_the_documented_moves(current, target):
    if (current, target) in EXPECTED:
        ensure_can_move(current, target)
    else:
        with pytest.raises(StageError):
            ensure_can_move(current, target)


def test_closed_is_final():
    assert ALLOWED[S.CLOSED] == frozenset()


def test_reference_format():
    assert format_reference(2026, 123) == "TS-2026-000123"


@pytest.mark.parametrize(("raw", "expected"), [
    ("TS-2026-000123", "TS-2026-000123"),
    (" ts-2026-000123 ", "TS-2026-000123"),
    ("TS–2026–000123", "TS-2026-000123"),
    ("TS-2026-123", None),
    ("2026-000123", None),
    ("TS-2026-000123' OR 1=1", None),
    ("", None),
])
def test_reference_is_normalised_or_refused(raw, expected):
    assert normalise_reference(raw) == expected


def test_working_days_skip_weekends():
    friday = date(2026, 11, 27)
    assert add_working_days(friday, 1) == date(2026, 11, 30)  # Monday
    assert acknowledge_due(friday) == date(2026, 12, 4)  # five working days later
    assert acknowledge_due(date(2026, 11, 28)) == date(2026, 12, 4)  # filed on a Saturday


def test_public_holidays_are_not_working_days():
    national_day = parse_holidays(["2026-10-01", " 2026-10-02", "2026-10-05", ""])
    assert acknowledge_due(date(2026, 9, 30), national_day) == date(2026, 10, 12)


def test_bad_holiday_is_refused():
    with pytest.raises(ValueError):
        parse_holidays(["2026-13-01"])


@pytest.mark.parametrize(("raw", "multiline", "expected"), [
    ("  王\x00小明\x1b ", False, "王小明"),
    ("a\r\nb\rc\u2028d", True, "a\nb\nc\nd"),
    ("a\r\nb\tc", False, "a b c"),
    ("keep\ttabs\x7f\x85", True, "keep\ttabs"),
    ("\x00\x01\x02", False, ""),
])
def test_typed_text_loses_control_characters(raw, multiline, expected):
    assert clean_text(raw, multiline=multiline) == expected


def test_values_that_are_not_text_are_left_alone():
    assert clean_text(None) is None
    assert clean_text(["a\x00"]) == ["a\x00"]
