"""The tag rule and its regular expression (in the OpenAPI document) agree."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import assume
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from imageapi.services.tags import MAX_TAGS_PER_IMAGE
from imageapi.services.tags import TAG_PATTERN
from imageapi.services.tags import InvalidTag
from imageapi.services.tags import clean_tag
from imageapi.services.tags import clean_tags

PATTERN = re.compile(TAG_PATTERN)


def accepted(value: str) -> bool:
    try:
        clean_tag(value)
    except InvalidTag:
        return False
    return True


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.from_regex(PATTERN), st.text(max_size=70)))
def test_pattern_matches_exactly_the_tags_clean_tag_accepts(value):
    # NFC can turn a letter into a letter plus a combining mark, and case
    # folding can lengthen a tag: the pattern states the rule for text that
    # already is what it will be stored as.
    assume(unicodedata.is_normalized("NFC", value.strip()))
    assume(len(value.strip().casefold()) == len(value.strip()))
    assert bool(PATTERN.match(value)) == accepted(value)


@pytest.mark.parametrize(
    "value", ["cat", " cat ", "ünïcödé", "猫", "a-b_c.d:e/f", "x" * 64]
)
def test_tags_that_follow_the_rule_are_kept(value):
    assert clean_tag(value) == value.strip()


@pytest.mark.parametrize("value", ["", "   ", "x" * 65, "a\tb", "<b>", "a;b", 5])
def test_tags_that_break_the_rule_are_refused(value):
    with pytest.raises(InvalidTag):
        clean_tag(value)


def test_a_tag_whose_case_folded_key_is_too_long_is_refused():
    """Case folding lengthens "ß" to "ss": 64 would not fit the stored key."""
    assert clean_tag("ß" * 32) == "ß" * 32
    with pytest.raises(InvalidTag):
        clean_tag("ß" * 64)


def test_more_tags_than_allowed_are_refused_even_as_duplicates():
    assert len(clean_tags(["Cat", "cat"])) == 1
    with pytest.raises(InvalidTag, match="at most"):
        clean_tags(["cat"] * (MAX_TAGS_PER_IMAGE + 1))
