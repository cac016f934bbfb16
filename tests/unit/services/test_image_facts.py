"""A worker's memory of image facts: read once, owner-checked, bounded."""

from __future__ import annotations

import dataclasses

import pytest

from imageapi.errors import ImageNotFound
from imageapi.services.image_facts import ImageFacts
from tests.rows import add_user
from tests.unit.services.test_images import upload


class CountingDatabase:
    """The test database, counting the read transactions opened through it."""

    def __init__(self, db) -> None:
        self._db = db
        self.reads = 0

    def read(self):
        self.reads += 1
        return self._db.read()


def test_an_image_is_read_once_then_served_from_memory(db, images):
    image = upload(images, add_user(db).id)
    counting = CountingDatabase(db)
    facts = ImageFacts(counting)
    first = facts.get(image.user_id, image.id)
    again = facts.get(image.user_id, image.id)
    assert first == again == dataclasses.replace(image, tags=())
    assert counting.reads == 1
    facts.reread(image.user_id, image.id)  # after a storage miss
    assert counting.reads == 2


def test_another_user_never_gets_a_remembered_image(db, images):
    image = upload(images, add_user(db).id)
    intruder = add_user(db)
    facts = ImageFacts(db)
    facts.get(image.user_id, image.id)
    with pytest.raises(ImageNotFound):
        facts.get(intruder.id, image.id)


def test_a_deleted_image_is_a_404_once_asked_again(db, images):
    image = upload(images, add_user(db).id)
    facts = ImageFacts(db)
    facts.get(image.user_id, image.id)
    images.delete(image.user_id, image.id)
    with pytest.raises(ImageNotFound):
        facts.reread(image.user_id, image.id)


def test_memory_keeps_the_most_recently_used(db, images):
    owner = add_user(db).id
    first, second, third = (upload(images, owner) for _ in range(3))
    counting = CountingDatabase(db)
    facts = ImageFacts(counting, capacity=2)
    for image in (first, second, first, third):  # second is the oldest use
        facts.get(owner, image.id)
    assert counting.reads == 3
    facts.get(owner, first.id)
    assert counting.reads == 3
    facts.get(owner, second.id)
    assert counting.reads == 4
