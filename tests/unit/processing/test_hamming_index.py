"""Multi-index hashing finds exactly what a brute-force scan finds."""

from __future__ import annotations

from math import comb

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from imageapi.processing.hamming_index import BAND_BITS
from imageapi.processing.hamming_index import MAX_RADIUS
from imageapi.processing.hamming_index import HammingIndex
from imageapi.processing.hamming_index import band_values
from imageapi.processing.hamming_index import hamming
from imageapi.processing.hamming_index import neighbours
from imageapi.processing.hamming_index import probes

hashes = st.integers(min_value=0, max_value=(1 << 64) - 1)
radii = st.integers(min_value=0, max_value=MAX_RADIUS)


@st.composite
def libraries(draw) -> tuple[list[int], int]:
    """Stored hashes and a query, many of them a few bits from the query."""
    query = draw(hashes)
    flips = st.lists(st.integers(0, 63), max_size=MAX_RADIUS + 4)
    near = [
        query ^ sum({1 << bit for bit in bits})
        for bits in draw(st.lists(flips, max_size=30))
    ]
    far = draw(st.lists(hashes, max_size=30))
    return near + far, query


def brute_force(stored: list[int], query: int, radius: int) -> list[tuple[int, int]]:
    return sorted(
        (key, hamming(query, value))
        for key, value in enumerate(stored)
        if hamming(query, value) <= radius
    )


@settings(max_examples=300, deadline=None)
@given(libraries(), radii)
def test_search_returns_exactly_the_brute_force_answer(library, radius):
    stored, query = library
    index = HammingIndex()
    for key, value in enumerate(stored):
        index.add(key, value)

    found = index.search(query, radius)

    assert sorted(found) == brute_force(stored, query, radius)
    assert [d for _, d in found] == sorted(d for _, d in found)  # nearest first


@settings(max_examples=100, deadline=None)
@given(libraries(), radii)
def test_search_forgets_removed_and_replaced_hashes(library, radius):
    stored, query = library
    index = HammingIndex()
    for key, value in enumerate(stored):
        index.add(key, value)
    for key in range(0, len(stored), 2):
        index.remove(key)
    for key in range(1, len(stored), 4):
        index.add(key, query)  # replaces the key's earlier hash
        stored[key] = query

    kept = {key: value for key, value in enumerate(stored) if key % 2}
    expected = sorted(
        (key, hamming(query, value))
        for key, value in kept.items()
        if hamming(query, value) <= radius
    )
    assert sorted(index.search(query, radius)) == expected
    assert len(index) == len(kept)


@settings(deadline=None)
@given(hashes)
def test_band_values_put_the_hash_back_together(value):
    bands = band_values(value)

    assert len(bands) == 4
    assert sum(band << (BAND_BITS * (3 - i)) for i, band in enumerate(bands)) == value


@pytest.mark.parametrize(("radius", "count"), [(0, 1), (1, 17), (2, 137), (3, 697)])
def test_neighbours_enumerate_every_value_within_the_radius(radius, count):
    found = neighbours(0b1010, radius)

    assert (
        len(found)
        == len(set(found))
        == count
        == sum(comb(BAND_BITS, k) for k in range(radius + 1))
    )
    assert found[0] == 0b1010
    assert all(hamming(value, 0b1010) <= radius for value in found)


@pytest.mark.parametrize(
    ("radius", "sizes"),
    [
        (0, [1, 0, 0, 0]),
        (2, [1, 1, 1, 0]),
        (10, [137, 137, 137, 17]),
        (11, [137, 137, 137, 137]),
        (12, [697, 137, 137, 137]),
    ],
)
def test_probes_spread_the_radius_over_the_bands(radius, sizes):
    assert [len(values) for values in probes(0, radius)] == sizes


@pytest.mark.parametrize("radius", [-1, MAX_RADIUS + 1])
def test_probes_refuse_radii_the_index_cannot_serve(radius):
    with pytest.raises(ValueError):
        probes(0, radius)
