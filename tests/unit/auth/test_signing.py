"""Signing and checking public URLs, without a server."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qsl

import pytest

from imageapi.auth import signing
from imageapi.auth.signing import SignedRequest

SECRET = "s" * 48
REQUEST = SignedRequest(
    image_id="img1",
    owner="alice",
    generation=3,
    expires=1_900_000_000,
    source_format="jpeg",
    params=signing.canonical([("width", "256"), ("format", "auto")]),
)


def received(query: str, image_id: str = "img1"):
    return signing.read(image_id, parse_qsl(query, keep_blank_values=True))


def test_a_signed_query_reads_back_and_verifies():
    request, given = received(signing.query_string(SECRET, REQUEST))
    assert request == REQUEST
    assert signing.verify(SECRET, request, given)


def test_parameter_order_does_not_matter_but_every_value_does():
    query = signing.query_string(SECRET, REQUEST)
    pairs = parse_qsl(query)
    request, given = signing.read("img1", reversed(pairs))
    assert signing.verify(SECRET, request, given)
    changes = {
        "image": replace(REQUEST, image_id="img2"),
        "owner": replace(REQUEST, owner="bob"),
        "generation": replace(REQUEST, generation=4),
        "expires": replace(REQUEST, expires=REQUEST.expires + 1),
        "source": replace(REQUEST, source_format="png"),
        "params": replace(REQUEST, params=(("width", "257"),)),
        "added": replace(REQUEST, params=(*REQUEST.params, ("blur", "1"))),
    }
    given = signing.signature(SECRET, REQUEST)
    for name, changed in changes.items():
        assert not signing.verify(SECRET, changed, given), name


def test_keys_differ_per_user_generation_and_secret():
    keys = {
        signing.user_key(SECRET, "alice", 0),
        signing.user_key(SECRET, "alice", 1),
        signing.user_key(SECRET, "bob", 0),
        signing.user_key("t" * 48, "alice", 0),
    }
    assert len(keys) == 4
    assert not signing.verify("t" * 48, REQUEST, signing.signature(SECRET, REQUEST))


@pytest.mark.parametrize(
    "query",
    [
        "width=1",  # nothing signed
        "owner=a&generation=1&expires=2&source_format=jpeg",  # no signature
        "owner=a&generation=x&expires=2&source_format=jpeg&signature=s",
        "owner=a&generation=1&expires=-2&source_format=jpeg&signature=s",
        "owner=a&owner=b&generation=1&expires=2&source_format=jpeg&signature=s",
    ],
)
def test_malformed_signed_fields_are_refused(query):
    with pytest.raises(signing.MalformedSignedUrl):
        received(query)


def test_a_foreign_signature_string_is_just_false():
    assert not signing.verify(SECRET, REQUEST, "é" * 43)
