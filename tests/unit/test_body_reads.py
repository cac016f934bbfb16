"""Places for body reads: per client address, in all, given back at the end."""

from __future__ import annotations

import io
import threading

import pytest

from imageapi.errors import ServiceUnavailable
from imageapi.errors import TooManyRequests
from imageapi.middleware.body_reads import BodyReadPlaces
from imageapi.middleware.body_reads import PlacedBody


def test_an_address_past_its_share_gets_429_and_others_go_on():
    places = BodyReadPlaces(limit=3, per_address=2)
    places.take("10.0.0.1")
    places.take("10.0.0.1")
    with pytest.raises(TooManyRequests, match="from your address"):
        places.take("10.0.0.1")
    places.take("10.0.0.2")
    with pytest.raises(ServiceUnavailable):
        places.take("10.0.0.3")
    places.give_back("10.0.0.1")
    places.take("10.0.0.3")


def test_no_share_per_address_when_it_is_0():
    places = BodyReadPlaces(limit=3, per_address=0)
    for _ in range(3):
        places.take("10.0.0.1")
    with pytest.raises(ServiceUnavailable):
        places.take("10.0.0.1")


def placed(data: bytes, places: BodyReadPlaces, length: int | None) -> PlacedBody:
    working = threading.Semaphore(1)
    working.acquire()  # as BodyReadGuard holds it around the app
    return PlacedBody(io.BytesIO(data), places, working, "10.0.0.1", length)


def test_the_place_is_given_back_once_the_announced_length_is_read():
    places = BodyReadPlaces(limit=1, per_address=1)
    body = placed(b"0123456789", places, 10)
    assert body.read(4) == b"0123"
    with pytest.raises(TooManyRequests):
        places.take("10.0.0.1")
    assert body.read(6) == b"456789"
    places.take("10.0.0.1")  # free again, before the request is over


def test_a_chunked_body_gives_the_place_back_at_its_end():
    places = BodyReadPlaces(limit=1, per_address=1)
    body = placed(b"0123456789", places, None)
    assert body.read(8) == b"01234567"
    assert body.read(8) == b"89"  # short: the end
    places.take("10.0.0.1")


def test_a_body_never_read_takes_no_place():
    places = BodyReadPlaces(limit=1, per_address=1)
    body = placed(b"0123456789", places, 10)
    body.finish()
    places.take("10.0.0.1")
    assert body.read(4) == b"0123"  # read after the end: no place needed
