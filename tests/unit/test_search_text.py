"""Query analysis and highlighting of search_index: what a typist would expect to match."""

import pytest

from search_index.text import (
    MAX_QUERY_CHARS,
    analyse,
    highlight_spans,
    number_terms,
    one_edit_stems,
    parse_query,
)


def marked(text: str, query: str) -> list[str]:
    return [piece for piece, hit in highlight_spans(text, parse_query(query)) if hit]


def test_chinese_names_are_cut_into_bigrams_and_unigrams_without_company_forms():
    terms = analyse("上海华虹电子有限公司", name=True)
    assert {"华虹", "虹电", "电子", "华"} <= set(terms)
    assert "有限" not in terms and "公司" not in terms


def test_traditional_and_full_width_text_folds_to_the_same_terms():
    assert set(analyse("華虹電子（上海）", name=True)) == set(analyse("华虹电子(上海)", name=True))
    assert analyse("ＩＳＯ　９００１") == analyse("iso 9001")


def test_brackets_inside_a_chinese_name_do_not_break_its_bigrams():
    assert "虹上" in analyse("华虹（上海）电子", name=True)


def test_english_words_are_lower_cased_stemmed_and_stopwords_dropped():
    assert analyse("Shanghai Huahong ELECTRONICS Co., Ltd.") == ["shanghai", "huahong", "electron"]


@pytest.mark.parametrize("typed", ["有限公司", "有限责任公司", "股份有限公司", "有限", "股份有限"])
def test_company_form_variants_do_not_reach_the_query(typed):
    parsed = parse_query(f"华虹电子{typed}")
    terms = {t for c in parsed.clauses for _, t in c.options}
    assert terms == {"华虹", "虹电", "电子"}


def test_a_query_of_only_a_company_form_is_flagged():
    parsed = parse_query("有限公司")
    assert parsed.is_empty and parsed.only_boilerplate


@pytest.mark.parametrize("typed", ["02722Q10234R3M", "02722q10234r3m", "027 22 Q 10234 R3M",
                                   "027-22-Q-10234-R3M", "027/22/q/10234/r3m",
                                   "０２７２２Ｑ１０２３４Ｒ３Ｍ"])
def test_certificate_numbers_normalise_however_typed(typed):
    assert parse_query(typed).number_key == "02722Q10234R3M"


def test_number_terms_hold_the_key_prefixes_and_pieces():
    terms = number_terms("027-26-Q-10403-R0", "02726Q10403R0")
    assert {"02726Q10403R0", "02726", "10403", "R0", "027"} <= set(terms)


def test_one_edit_stems_find_a_swapped_letter():
    assert "electron" in one_edit_stems("electornics")


def test_user_text_is_capped_and_control_characters_removed():
    parsed = parse_query("a\x00b\x1b" + "x" * 10_000)
    assert len(parsed.text) <= MAX_QUERY_CHARS
    assert "\x00" not in parsed.text


def test_highlight_marks_traditional_query_in_simplified_name():
    assert marked("上海华虹电子有限公司", "華虹電子") == ["华虹电子"]


def test_highlight_marks_stemmed_english_words():
    assert marked("Shanghai Huahong Electronics Co., Ltd.", "electronic") == ["Electronics"]


def test_highlight_crosses_brackets_in_the_text():
    assert marked("华虹（上海）电子", "华虹上海") == ["华虹（上海"]


def test_highlight_marks_every_occurrence_including_overlapping_ones():
    assert marked("华华华虹 华虹", "华华") == ["华华华"]
    assert marked("华虹电子 华虹", "华虹") == ["华虹", "华虹"]
    assert marked("上海华虹电子", "华 华虹电子") == ["华虹电子"]


def test_highlight_keeps_unmatched_text_and_positions_after_brackets():
    spans = highlight_spans("（集团）华虹(上海)电子 ABC", parse_query("上海电子 abc"))
    assert "".join(piece for piece, _ in spans) == "（集团）华虹(上海)电子 ABC"
    assert [piece for piece, hit in spans if hit] == ["上海)电子", "ABC"]
