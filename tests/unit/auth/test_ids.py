"""Identifiers of rows that appear in URLs and on command lines."""

from __future__ import annotations

import re

from imageapi.auth.tokens import new_id


def test_ids_are_url_safe_distinct_and_never_look_like_an_option():
    # One id in 64 would begin with "-" if drawn plainly: among 3,000, about 47.
    ids = [new_id() for _ in range(3000)]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{22}", found) for found in ids)
    assert not [found for found in ids if found.startswith("-")]
