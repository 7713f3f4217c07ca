"""search_index on its own: matching, filters, facets, ordering, sync state and locking."""

import os
from dataclasses import replace
from datetime import date
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search_index import (
    CertificateDoc,
    Filters,
    IndexBusyError,
    SyncState,
    open_index,
    parse_query,
)

TODAY = date(2026, 11, 25)
HUAHONG = CertificateDoc(
    key="02722Q10234R3M", certificate_number="02722Q10234R3M", scheme="QMS", status="valid",
    expiry_date=date(2028, 2, 28), issue_date=date(2025, 3, 1),
    holder_name_zh="上海华虹电子有限公司", holder_name_en="Shanghai Huahong Electronics Co., Ltd.",
    former_names=("上海虹光微电子有限责任公司",), credit_code="91310115MA1H00001X",
    scope_zh="集成电路（芯片）的设计和销售", scope_en="Design and sale of integrated circuits",
    standard="GB/T 19001-2016/ISO 9001:2015", province="上海市", city="上海市")
BEIJING = CertificateDoc(
    key="02726E10403R0", certificate_number="027-26-E-10403-R0", scheme="EMS",
    status="suspended", expiry_date=date(2026, 1, 31), issue_date=date(2023, 2, 1),
    holder_name_zh="北京东方机械股份有限公司",
    holder_name_en="Beijing Dongfang Machinery Co., Ltd.",
    scope_zh="机械零部件的加工", scope_en="Machining of mechanical parts", province="北京市",
    city="北京市")
WUXI = CertificateDoc(
    key="SQIFW20250003", certificate_number="SQI/FW/2025/0003", scheme="REAL_ESTATE_SERVICE",
    status="valid", expiry_date=date(2028, 6, 30), issue_date=date(2025, 7, 1),
    holder_name_zh="无锡华虹物业管理有限公司", scope_zh="物业管理服务", province="江苏省",
    city="无锡市")


@pytest.fixture
def index():
    ix = open_index(":memory:")
    with ix.batch(timeout=1) as batch:
        for doc in (HUAHONG, BEIJING, WUXI):
            batch.upsert(doc)
        batch.set_state(SyncState(last_id=3))
    return ix


def find(index, text, **filters):
    return index.search(parse_query(text), filters=Filters(**filters), today=TODAY).keys


@pytest.mark.parametrize("typed", ["虹电", "华虹电子", "華虹電子", "华虹电子有限责任公司",
                                   "上海華虹電子股份有限公司", "Huahong", "ELECTRONICS",
                                   "electronic", "electornics", "Shangahi Huahong",
                                   "集成电路", "芯片", "integrated circuit", "ISO 9001"])
def test_huahong_is_found_however_typed(index, typed):
    assert find(index, typed)[0] == HUAHONG.key


@pytest.mark.parametrize("typed", ["02722q10234r3m", "027 22 Q 10234 R3M", "027-22-Q-10234-R3M",
                                   "10234", "02722Q"])
def test_certificate_number_finds_its_certificate(index, typed):
    assert find(index, typed) == [HUAHONG.key]


def test_number_with_slashes_finds_its_certificate(index):
    assert find(index, "sqi fw 2025 0003") == [WUXI.key]
    assert find(index, "SQI/FW/2025/0003") == [WUXI.key]


def test_credit_code_finds_its_holder_as_an_exact_hit(index):
    results = index.search(parse_query("91310115ma1h00001x"), filters=Filters(), today=TODAY)
    assert results.keys == [HUAHONG.key]
    assert results.exact_keys == {HUAHONG.key}


def test_former_name_finds_the_renamed_holder(index):
    assert find(index, "虹光微电子") == [HUAHONG.key]


def test_a_single_character_matches_names(index):
    assert set(find(index, "华")) == {HUAHONG.key, WUXI.key}


def test_words_that_match_nothing_find_nothing(index):
    assert find(index, "量子计算") == []
    assert find(index, "xylophone") == []


def test_every_word_typed_must_match(index):
    assert find(index, "华虹 物业") == [WUXI.key]


def test_status_filter_derives_expired_from_the_day(index):
    assert find(index, "", status="expired") == [BEIJING.key]
    assert find(index, "", status="suspended") == []
    earlier = index.search(parse_query(""), filters=Filters(status="suspended"),
                           today=date(2025, 12, 1))
    assert earlier.keys == [BEIJING.key]


def test_scheme_and_province_filters_narrow_results(index):
    assert find(index, "华虹", scheme="QMS") == [HUAHONG.key]
    assert find(index, "华虹", province="江苏省") == [WUXI.key]
    assert find(index, "华虹", scheme="EMS") == []


def test_facets_count_each_value_ignoring_their_own_filter(index):
    results = index.search(parse_query("华虹"), filters=Filters(scheme="QMS"), today=TODAY)
    assert results.total == 1
    assert results.facets.scheme == {"QMS": 1, "REAL_ESTATE_SERVICE": 1}
    assert results.facets.status == {"valid": 1}
    assert results.facets.province == {"上海市": 1}


def test_exact_number_hit_comes_first_even_when_others_match_better(index):
    other = replace(WUXI, key="10234X", certificate_number="10234X",
                    holder_name_zh="10234 10234 物业")
    with index.batch(timeout=1) as batch:
        batch.upsert(other)
    assert find(index, "10234X")[0] == "10234X"
    assert find(index, "02722Q10234R3M")[0] == HUAHONG.key


def test_pages_split_the_results_and_date_sort_puts_newest_first(index):
    first = index.search(parse_query("华虹"), filters=Filters(), today=TODAY, per_page=1,
                         sort="date")
    second = index.search(parse_query("华虹"), filters=Filters(), today=TODAY, per_page=1,
                          page=2, sort="date")
    assert first.keys == [WUXI.key] and second.keys == [HUAHONG.key]
    assert first.total == 2


def test_deleted_and_replaced_documents_stop_matching(index):
    with index.batch(timeout=1) as batch:
        batch.delete(WUXI.key)
        batch.upsert(replace(HUAHONG, holder_name_zh="上海新名字有限公司", former_names=()))
    assert find(index, "物业") == []
    assert find(index, "华虹电子") == []
    assert find(index, "新名字") == [HUAHONG.key]
    assert index.doc_count() == 2


def test_sync_state_is_committed_with_the_documents(index):
    assert index.state() == SyncState(last_id=3)
    with pytest.raises(RuntimeError), index.batch(timeout=1) as batch:
        batch.upsert(replace(HUAHONG, holder_name_zh="不该出现有限公司"))
        batch.set_state(SyncState(last_id=9))
        raise RuntimeError("killed before commit")
    assert index.state() == SyncState(last_id=3)
    assert find(index, "不该出现") == []


def test_a_second_writer_waits_then_reports_busy_instead_of_lock_error(tmp_path):
    first = open_index(str(tmp_path / "ix"))
    second = open_index(str(tmp_path / "ix"))
    with first.batch(timeout=1) as batch:
        batch.upsert(HUAHONG)
        with pytest.raises(IndexBusyError), second.batch(timeout=0.2):
            pass
    assert second.search(parse_query("华虹"), filters=Filters(), today=TODAY).keys == [HUAHONG.key]


def test_rebuild_replaces_everything_and_records_the_state(tmp_path):
    ix = open_index(str(tmp_path / "ix"), procs=2)
    with ix.batch(timeout=1) as batch:
        batch.upsert(BEIJING)
    count = ix.rebuild(iter([HUAHONG, WUXI]), SyncState(last_id=42, gaps={40: 1.0}), timeout=5)
    assert count == 2
    assert sorted(e.key for e in ix.entries()) == sorted([HUAHONG.key, WUXI.key])
    assert ix.state() == SyncState(last_id=42, gaps={40: 1.0})


NASTY = ['"', '"unbalanced', "AND OR NOT", "NOT OR foobar", "( * ? ~ ^ field:", "*", "?*",
         "expiry_date:2020", "key:__meta__", "name:华虹", "a" * 10_000, "\x00\x01\x02", "🙂🙂",
         "华虹🙂电子", "\u202e反转", "'; DROP TABLE certificates; --", "<script>alert(1)</script>",
         "%s%n", "\\", "{}[]", "~1", "^2", "a~", "OR", "*华*", "     ", "\t\n", "ＮＯＴ",
         "91310115MA1H00001", "913101I5MA1H00001X"]


@pytest.mark.parametrize("text", NASTY)
def test_any_text_is_answered_without_an_error(index, text):
    results = index.search(parse_query(text), filters=Filters(), today=TODAY)
    assert results.total >= 0


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_random_text_never_breaks_search(index, text):
    results = index.search(parse_query(text), filters=Filters(status="valid"), today=TODAY)
    assert len(results.keys) <= results.per_page


# -- many documents: totals, facets and ranking computed on bitmasks --------------------------

PLACES = ("上海", "苏州", "杭州", "北京")
PROVINCES = {"上海": "上海市", "苏州": "江苏省", "杭州": "浙江省", "北京": "北京市"}
BRANDS = ("华虹", "东方", "金宝", "星联", "恒盛达")
TRADES = ("电子", "机械", "物业管理", "精密制造")


def many_docs(count):
    """Plausible certificates with every combination of place, brand, trade and status."""
    docs = []
    for i in range(count):
        place, brand, trade = PLACES[i % 4], BRANDS[i // 4 % 5], TRADES[i // 20 % 4]
        issued = date(2016 + i % 9, 1 + i * 7 % 12, 1 + i * 13 % 28)
        docs.append(CertificateDoc(
            key=f"M{i:05d}", certificate_number=f"M{i:05d}", scheme=("QMS", "EMS", "OHSMS")[i % 3],
            status=("valid", "valid", "valid", "suspended", "withdrawn")[i * 3 % 5],
            expiry_date=date(issued.year + 3, issued.month, issued.day), issue_date=issued,
            holder_name_zh=f"{place}{brand}{trade}{'集团' * (i % 2)}有限公司",
            scope_zh="电子元件的生产" if i % 3 else "物业管理服务", province=PROVINCES[place],
            city=f"{place}市"))
    return docs


@pytest.fixture(scope="module")
def many():
    docs = many_docs(600)
    ix = open_index(":memory:")
    for start in range(0, 600, 150):  # four segments
        with ix.batch(timeout=1) as batch:
            for doc in docs[start : start + 150]:
                batch.upsert(doc)
    with ix.batch(timeout=1) as batch:  # deletions and replacements in older segments
        for doc in docs[::37]:
            batch.delete(doc.key)
        for doc in docs[5::41]:
            batch.upsert(replace(doc, status="cancelled"))
    live = {d.key: d for d in docs}
    for doc in docs[::37]:
        del live[doc.key]
    for doc in docs[5::41]:  # deleted first, then added back
        live[doc.key] = replace(doc, status="cancelled")
    return ix, live


def public(doc, today=TODAY):
    expiry = int(doc.expiry_date.strftime("%Y%m%d"))
    day = int(today.strftime("%Y%m%d"))
    return "expired" if doc.status in ("valid", "suspended") and expiry < day else doc.status


def counts(docs, attribute):
    found = {}
    for doc in docs:
        value = public(doc) if attribute == "status" else getattr(doc, attribute)
        found[value] = found.get(value, 0) + 1
    return found


def all_keys(ix, text, **kwargs):
    first = ix.search(parse_query(text), filters=Filters(**kwargs.pop("filters", {})),
                      today=TODAY, per_page=100, **kwargs)
    keys = list(first.keys)
    for page in range(2, -(-first.total // 100) + 1):
        keys += ix.search(parse_query(text), filters=Filters(), today=TODAY, per_page=100,
                          page=page, **kwargs).keys
    return first, keys


@pytest.fixture(params=["one by one", "bitmasks"])
def facet_path(request, monkeypatch):
    import search_index.whoosh_backend as backend
    if request.param == "bitmasks":
        monkeypatch.setattr(backend, "FEW_DOCS", 0)
    else:
        monkeypatch.setattr(backend, "FEW_DOCS", 10**9)


def test_totals_and_facets_are_exact_whichever_way_they_are_counted(many, facet_path):
    ix, live = many
    results = ix.search(parse_query("有限公司 电子"), filters=Filters(), today=TODAY)
    electronics = [d for d in live.values() if "电子" in d.holder_name_zh + d.scope_zh]
    assert results.total == len(electronics) and results.total_exact
    assert results.facets.scheme == counts(electronics, "scheme")
    assert results.facets.status == counts(electronics, "status")
    assert results.facets.province == counts(electronics, "province")


def test_filters_alone_count_every_certificate_and_facets_ignore_their_own(many, facet_path):
    ix, live = many
    results = ix.search(parse_query(""), filters=Filters(province="江苏省", status="expired"),
                        today=TODAY)
    chosen = [d for d in live.values() if d.province == "江苏省" and public(d) == "expired"]
    assert results.total == len(chosen)
    in_province = [d for d in live.values() if d.province == "江苏省"]
    expired = [d for d in live.values() if public(d) == "expired"]
    assert results.facets.status == counts(in_province, "status")
    assert results.facets.province == counts(expired, "province")
    assert results.facets.scheme == counts(chosen, "scheme")


@pytest.mark.parametrize("sort", ["relevance", "date"])
@pytest.mark.parametrize("text", ["华虹", "电子", "上海 电子", "集团", "物业"])
def test_ranking_is_the_same_whether_matches_are_sorted_or_taken_run_by_run(many, monkeypatch,
                                                                           text, sort):
    import search_index.whoosh_backend as backend
    ix, _ = many
    monkeypatch.setattr(backend, "SORT_DOCS", 10**9)
    _, sorted_keys = all_keys(ix, text, sort=sort)
    monkeypatch.setattr(backend, "SORT_DOCS", 0)
    monkeypatch.setattr(backend, "ORDER_RUN_MIN", 4)
    monkeypatch.setattr(backend, "ORDER_RUNS", 40)
    runs = []
    original = backend._Segment.newest_runs
    monkeypatch.setattr(backend._Segment, "newest_runs",
                        lambda self: runs.append(self) or original(self))
    fresh = open_index(":memory:")
    fresh.storage, fresh.ix = ix.storage, ix.ix  # the same index, nothing cached yet
    _, run_keys = all_keys(fresh, text, sort=sort)
    assert runs
    assert run_keys == sorted_keys and len(set(sorted_keys)) == len(sorted_keys)


def test_names_holding_every_term_come_first_closest_then_newest(many):
    ix, live = many
    _, keys = all_keys(ix, "华虹 电子")
    docs = [live[k] for k in keys]
    named = [d for d in docs if "华虹" in d.holder_name_zh and "电子" in d.holder_name_zh]
    assert docs[: len(named)] == named and len(named) < len(docs)
    lengths = [len(d.holder_name_zh) for d in named]
    assert lengths == sorted(lengths)
    for shorter, longer in pairwise(named):
        if len(shorter.holder_name_zh) == len(longer.holder_name_zh):
            assert shorter.issue_date >= longer.issue_date
    rest = docs[len(named) :]
    assert [d.issue_date for d in rest] == sorted((d.issue_date for d in rest), reverse=True)


def test_facet_counts_follow_a_new_generation_and_the_day(tmp_path):
    ix = open_index(str(tmp_path / "ix"))
    with ix.batch(timeout=1) as batch:
        batch.upsert(HUAHONG)
        batch.upsert(BEIJING)
    before = ix.search(parse_query(""), filters=Filters(status="valid"), today=TODAY)
    assert before.facets.status == {"valid": 1, "expired": 1}
    with ix.batch(timeout=1) as batch:
        batch.upsert(replace(HUAHONG, status="withdrawn", province="江苏省"))
    after = ix.search(parse_query(""), filters=Filters(status="withdrawn"), today=TODAY)
    assert after.keys == [HUAHONG.key]
    assert after.facets.status == {"withdrawn": 1, "expired": 1}
    assert after.facets.province == {"江苏省": 1}
    earlier = ix.search(parse_query(""), filters=Filters(status="suspended"),
                        today=date(2025, 12, 1))
    assert earlier.keys == [BEIJING.key]
    assert earlier.facets.status == {"withdrawn": 1, "suspended": 1}


def test_near_matches_are_the_documents_matching_most_clauses(many):
    ix, live = many
    keys = ix.suggest_keys(parse_query("华虹 机械 量子"), limit=5)
    assert len(keys) == 5
    for key in keys:
        assert "华虹" in live[key].holder_name_zh and "机械" in live[key].holder_name_zh


def test_threads_can_share_one_index(tmp_path):
    from concurrent.futures import ThreadPoolExecutor
    ix = open_index(str(tmp_path / "ix"))
    docs = many_docs(300)
    for start in range(0, 300, 100):
        with ix.batch(timeout=1) as batch:
            for doc in docs[start : start + 100]:
                batch.upsert(doc)
    texts = ["华虹", "电子", "上海 机械", "物业", "M00123", "集团"] * 20
    expected = {t: find(ix, t) for t in set(texts)}
    fresh = open_index(str(tmp_path / "ix"))  # nothing read yet: threads read it together
    with ThreadPoolExecutor(max_workers=4) as pool:
        found = list(pool.map(lambda t: (t, find(fresh, t)), texts))
    assert all(keys == expected[text] for text, keys in found)


def test_in_memory_indexes_keep_their_scratch_files_apart():
    """Two in-memory indexes (two test processes at once) never share Whoosh's scratch folder,
    which one would delete under the other's feet while committing."""
    first, second = open_index(":memory:"), open_index(":memory:")
    a = first.storage.temp_storage("MAIN.tmp")
    b = second.storage.temp_storage("MAIN.tmp")
    try:
        assert a.folder != b.folder
        a.destroy()
        assert os.path.isdir(b.folder)
    finally:
        b.destroy()


def test_a_search_survives_another_process_merging_away_the_segments_it_reads(tmp_path,
                                                                             monkeypatch):
    """Whoosh opens a segment's stored fields only when first read; a writer in another
    process that merges segments deletes their files when it commits. A search that had
    opened the older generation just before must still answer (it answered 500)."""
    writer = open_index(str(tmp_path / "ix"))
    for doc in (HUAHONG, BEIJING, WUXI):  # three small segments
        with writer.batch(timeout=1) as batch:
            batch.upsert(doc)
    reader = open_index(str(tmp_path / "ix"))  # the other process
    opened = reader._current

    def opened_then_merged_away():
        searcher = opened()
        if not merged:
            merged.append(True)
            writer.rebuild([HUAHONG, BEIJING, WUXI], SyncState(last_id=3), timeout=1)
        return searcher

    merged: list[bool] = []
    monkeypatch.setattr(reader, "_current", opened_then_merged_away)
    assert find(reader, "华虹") == [HUAHONG.key, WUXI.key]
    assert merged  # the segments it read were gone by the time it read them
