"""search_index.bitset: document sets as int bitmasks, checked against plain sets."""

import struct
from array import array

from hypothesis import given
from hypothesis import strategies as st

from search_index import bitset

doc_sets = st.sets(st.integers(min_value=0, max_value=5000), max_size=300)


@given(doc_sets)
def test_ids_round_trip_through_a_mask(ids):
    mask = bitset.from_ids(sorted(ids))
    assert mask == sum(1 << d for d in ids)
    assert bitset.to_ids(mask) == sorted(ids)
    assert mask.bit_count() == len(ids)


def test_empty_and_generator_inputs():
    assert bitset.from_ids([]) == 0
    assert bitset.to_ids(0) == []
    assert bitset.from_ids(d for d in (3, 70, 64)) == (1 << 3) | (1 << 64) | (1 << 70)
    assert bitset.to_ids(1 << 100_000) == [100_000]


@given(st.lists(st.integers(min_value=0, max_value=5), max_size=400))
def test_code_masks_group_documents_by_code(codes):
    expected = [sum(1 << d for d, c in enumerate(codes) if c == code) for code in range(6)]
    assert bitset.code_masks(bytes(codes), 6) == expected
    assert bitset.code_masks(array("H", codes), 6) == expected  # more than 256 values


@given(st.lists(st.integers(min_value=0, max_value=2**32 - 1), max_size=200),
       st.integers(min_value=0, max_value=2**32 - 1))
def test_less_than_compares_big_endian_numbers(values, limit):
    raw = b"".join(struct.pack(">I", v) for v in values)
    planes = [raw[i::4][::-1] for i in range(4)]
    expected = sum(1 << d for d, v in enumerate(values) if v < limit)
    assert bitset.less_than(planes, struct.pack(">I", limit)) == expected


def test_less_than_on_dates():
    days = [20240101, 20261124, 20261125, 20261126, 0, 20991231]
    raw = b"".join(struct.pack(">I", v) for v in days)
    planes = [raw[i::4][::-1] for i in range(4)]
    assert bitset.to_ids(bitset.less_than(planes, struct.pack(">I", 20261125))) == [0, 1, 4]
