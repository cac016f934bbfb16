"""TagService: the tag rules applied to an image's tags, and the tag counts."""

from __future__ import annotations

import pytest

from imageapi.db.uow import Database
from imageapi.errors import ImageNotFound
from imageapi.errors import TagNotFound
from imageapi.services.tags import MAX_TAGS_PER_IMAGE
from imageapi.services.tags import InvalidTag
from imageapi.services.tags import TagService
from tests.rows import add_image
from tests.rows import add_user


@pytest.fixture
def tags(db: Database) -> TagService:
    return TagService(db)


@pytest.fixture
def user_id(db: Database) -> str:
    return add_user(db).id


@pytest.fixture
def image_id(db: Database, user_id: str) -> str:
    return add_image(db, user_id)


def test_replace_trims_and_deduplicates_keeping_the_first_spelling(
    tags, user_id, image_id
):
    assert tags.replace(user_id, image_id, [" Cat ", "cat", "Dog", "CAT"]) == [
        "Cat",
        "Dog",
    ]
    assert tags.list_for(user_id, image_id) == ["Cat", "Dog"]


def test_replace_with_nothing_empties_the_set(tags, user_id, image_id):
    tags.replace(user_id, image_id, ["a", "b"])
    assert tags.replace(user_id, image_id, []) == []
    assert tags.list_for(user_id, image_id) == []


def test_add_says_whether_the_tag_was_new_whatever_its_case(tags, user_id, image_id):
    assert tags.add(user_id, image_id, "Beach") == (["Beach"], True)
    assert tags.add(user_id, image_id, "BEACH") == (["Beach"], False)
    assert tags.add(user_id, image_id, "sea") == (["Beach", "sea"], True)


def test_add_refuses_a_tag_past_the_per_image_maximum(tags, user_id, image_id):
    full = [f"t{number}" for number in range(MAX_TAGS_PER_IMAGE)]
    tags.replace(user_id, image_id, full)
    with pytest.raises(InvalidTag, match=f"at most {MAX_TAGS_PER_IMAGE}"):
        tags.add(user_id, image_id, "one-more")
    assert tags.add(user_id, image_id, "T0") == (full, False)


def test_invalid_tags_are_refused_and_change_nothing(tags, user_id, image_id):
    tags.replace(user_id, image_id, ["keep"])
    for bad in (["ok", "no<html>"], [""], ["x" * 65], [7]):
        with pytest.raises(InvalidTag) as refused:
            tags.replace(user_id, image_id, bad)
        assert refused.value.status == 422
    assert tags.list_for(user_id, image_id) == ["keep"]


def test_remove_matches_case_insensitively_and_names_a_missing_tag(
    tags, user_id, image_id
):
    tags.replace(user_id, image_id, ["Cat", "Dog"])
    assert tags.remove(user_id, image_id, " cat ") == ["Dog"]
    with pytest.raises(TagNotFound, match="has no tag 'cat'"):
        tags.remove(user_id, image_id, "cat")


def test_another_users_image_is_not_found(db, tags, image_id):
    stranger = add_user(db).id
    for attempt in (
        lambda: tags.list_for(stranger, image_id),
        lambda: tags.replace(stranger, image_id, ["x"]),
        lambda: tags.add(stranger, image_id, "x"),
        lambda: tags.remove(stranger, image_id, "x"),
    ):
        with pytest.raises(ImageNotFound):
            attempt()


def test_a_tag_is_one_per_user_and_keeps_its_first_spelling(db, tags, user_id):
    first, second = add_image(db, user_id), add_image(db, user_id)
    tags.replace(user_id, first, ["Holiday"])
    assert tags.replace(user_id, second, ["HOLIDAY", "work"]) == ["Holiday", "work"]
    assert tags.counts(user_id, None) == [("Holiday", 2), ("work", 1)]


def test_counts_are_per_user_and_filter_by_prefix_whatever_the_case(
    db, tags, user_id, image_id
):
    other = add_user(db).id
    tags.replace(other, add_image(db, other), ["Holiday"])
    tags.replace(user_id, image_id, ["Holiday", "home", "work"])
    assert tags.counts(user_id, "HO") == [("Holiday", 1), ("home", 1)]
    assert tags.counts(user_id, "100%") == []
    # A tag no image uses any more is not counted.
    tags.replace(user_id, image_id, ["work"])
    assert tags.counts(user_id, None) == [("work", 1)]
