"""Certificate-number normalisation and GB 32100-2015 credit codes."""

import pytest

from portal.domain.codes import (
    credit_code_problem,
    is_valid_credit_code,
    is_well_formed_number,
    make_credit_code,
    number_key,
    suggest_credit_code,
)


@pytest.mark.parametrize("raw", ["02722Q10234R3M", "02722q10234r3m", " 02722 Q10234 R3M ",
                                 "027-22-Q-10234-R3M", "027/22/Q/10234/R3M", "０２７２２Ｑ１０２３４Ｒ３Ｍ"])
def test_number_key_ignores_case_width_spaces_and_separators(raw):
    assert number_key(raw) == "02722Q10234R3M"


def test_number_key_of_slash_numbers():
    assert number_key("SQI/FW/2025/0003") == number_key("sqi-fw-2025-0003") == "SQIFW20250003"


@pytest.mark.parametrize("raw,ok", [("02722Q10234R3M", True), ("027-26-Q-10403-R0", True),
                                    ("SQI/FW/2025/0003", True), ("hello", False), ("12", False),
                                    ("<script>", False), ("", False), ("ABCDEFGH", False)])
def test_well_formed_numbers(raw, ok):
    assert is_well_formed_number(raw) is ok


def test_standard_example_credit_code_is_valid():
    assert is_valid_credit_code("91350100M000100Y43")
    assert credit_code_problem("91350100m000100y43") is None


def test_wrong_check_digit_is_invalid_and_explained():
    assert not is_valid_credit_code("91350100M000100Y4Z")
    assert "check digit should be 3" in credit_code_problem("91350100M000100Y42")
    assert suggest_credit_code("91350100M000100Y42") == "91350100M000100Y43"


@pytest.mark.parametrize("raw,problem", [("9135010", "18 characters"),
                                         ("91350100M000100YI3", "not allowed"),
                                         ("91ABCDEFM000100Y43", "administrative division")])
def test_malformed_credit_codes_are_explained(raw, problem):
    assert problem in credit_code_problem(raw)


def test_make_credit_code_completes_check_digit():
    assert make_credit_code("91350100M000100Y4") == "91350100M000100Y43"
