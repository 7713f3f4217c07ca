"""The printed-name matcher: Chinese-aware, company forms, former names, typos."""

from datetime import date

import pytest

from portal.domain.codes import one_edit_keys
from portal.domain.names import (
    MatchReason,
    NameKind,
    NameMatch,
    RegisteredName,
    compare_name,
    edit_distance,
)

HOLDER = [
    RegisteredName("上海华虹电子测试有限公司", NameKind.ZH),
    RegisteredName("Shanghai Huahong Electronics Test Co., Ltd.", NameKind.EN),
    RegisteredName("上海华虹仪器有限公司", NameKind.FORMER, date(2024, 5, 6)),
]


@pytest.mark.parametrize("printed", [
    "上海华虹电子测试有限公司",
    "上海華虹電子測試有限公司",  # traditional characters
    "上海华虹电子测试有限公司　",  # full-width space
    " 上海 华虹 电子测试 有限公司 ",
    "上海华虹电子测试有限责任公司",  # the same company form in other words
    "上海华虹电子测试",  # the form left out
    "SHANGHAI HUAHONG ELECTRONICS TEST LIMITED",
    "shanghai huahong electronics test co ltd",
    "Ｓｈａｎｇｈａｉ　Ｈｕａｈｏｎｇ　Ｅｌｅｃｔｒｏｎｉｃｓ　Ｔｅｓｔ Co., Ltd.",
])
def test_same_company_written_differently_matches(printed):
    assert compare_name(printed, HOLDER).result is NameMatch.MATCH


def test_bracketed_region_matches_without_brackets():
    names = [RegisteredName("华虹（上海）电子有限公司", NameKind.ZH)]
    assert compare_name("华虹(上海)电子有限公司", names).result is NameMatch.MATCH
    assert compare_name("华虹上海电子有限公司", names).result is NameMatch.MATCH


def test_former_name_matches_and_says_when_it_changed():
    verdict = compare_name("上海华虹仪器有限公司", HOLDER)
    assert verdict.result is NameMatch.MATCH
    assert verdict.former and verdict.matched.until == date(2024, 5, 6)


def test_other_company_form_is_probable():
    verdict = compare_name("上海华虹电子测试股份有限公司", HOLDER)
    assert (verdict.result, verdict.reason) == (NameMatch.PROBABLE, MatchReason.FORM_DIFFERS)


@pytest.mark.parametrize("printed", ["上海华虹电子测式有限公司", "Shanghai Huahong Electronic Test Co., Ltd."])
def test_one_slip_is_probable(printed):
    verdict = compare_name(printed, HOLDER)
    assert (verdict.result, verdict.reason) == (NameMatch.PROBABLE, MatchReason.TYPO)


@pytest.mark.parametrize("printed", [
    "苏州另一家电子有限公司", "华虹", "Another Company Ltd.", "", "有限公司", "上海华虹电子测试二厂有限公司",
])
def test_other_names_do_not_match(printed):
    assert compare_name(printed, HOLDER).result is NameMatch.NO_MATCH


def test_different_numbers_in_a_name_are_never_a_typo():
    names = [RegisteredName("上海华虹第一电子有限公司", NameKind.ZH)]
    assert compare_name("上海华虹第二电子有限公司", names).result is NameMatch.NO_MATCH
    names = [RegisteredName("Huahong Plant 2 Co., Ltd.", NameKind.EN)]
    assert compare_name("Huahong Plant 3 Co., Ltd.", names).result is NameMatch.NO_MATCH


def test_edit_distance_counts_a_swap_as_one():
    assert edit_distance("abcd", "abdc") == 1
    assert edit_distance("abcd", "abcd") == 0
    assert edit_distance("abcd", "wxyz", limit=2) == 3


def test_one_edit_keys_cover_every_kind_of_slip():
    keys = one_edit_keys("02724Q10856R3M")
    assert "02724Q10865R3M" in keys  # transposition
    assert "02724Q1085R3M" in keys  # deletion
    assert "02724Q108563R3M" in keys  # insertion
    assert "02724Q10857R3M" in keys  # substitution
    assert "02724Q10856R3M" not in keys
