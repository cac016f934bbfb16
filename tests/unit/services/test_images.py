"""ImageService on MemoryStorage: upload checks, what is stored, listing, delete."""

from __future__ import annotations

import dataclasses
import io

import pytest

from imageapi import domain
from imageapi.config import QuotaConfig
from imageapi.domain import ImageQuery
from imageapi.errors import ImageNotFound
from imageapi.errors import QuotaExceeded
from imageapi.errors import StoredObjectNotFound
from imageapi.errors import UnsupportedImage
from imageapi.services.tags import InvalidTag
from tests.rows import add_user
from tests.samples import png_bytes
from tests.unit.services.conftest import image_service


def upload(images, user_id, data=None, name="photo.png", tags=()):
    received = images.receive(io.BytesIO(data or png_bytes()))
    return images.upload(user_id, received, name, list(tags))


@pytest.fixture
def user_id(db) -> str:
    return add_user(db).id


def test_upload_stores_the_original_and_returns_a_frozen_image(
    images, storage, user_id, clock
):
    data = png_bytes(64, 48)
    image = upload(images, user_id, data, name="../Holiday.png", tags=["Sea", "sea"])
    assert type(image) is domain.Image
    assert (image.name, image.format, image.width, image.height) == (
        "Holiday.png",
        "png",
        64,
        48,
    )
    assert (image.size, image.tags, image.created_at) == (len(data), ("Sea",), clock())
    assert storage.open(image.storage_key).read() == data
    assert images.get(user_id, image.id) == image
    with pytest.raises(dataclasses.FrozenInstanceError):
        image.name = "other"


@pytest.mark.parametrize(
    ("data", "tags", "refusal"),
    [
        (b"not an image at all", [], UnsupportedImage),
        (None, ["no<html>"], InvalidTag),
    ],
)
def test_a_refused_upload_stores_nothing(
    images, storage, user_id, data, tags, refusal, config
):
    with pytest.raises(refusal):
        upload(images, user_id, data, tags=tags)
    assert images.list(user_id, ImageQuery(), 10, None).items == []
    assert storage.stored_keys() == set()
    assert not any((config.data_dir / "uploads").iterdir())


def test_quota_refusal_comes_before_anything_is_stored(
    db, config, storage, clock, user_id
):
    images = image_service(db, config, storage, clock, QuotaConfig(max_images=1))
    upload(images, user_id)
    stored = storage.stored_keys()
    with pytest.raises(QuotaExceeded, match="max_images"):
        upload(images, user_id)
    assert storage.stored_keys() == stored


def test_another_users_image_is_not_found(db, images, user_id):
    image = upload(images, user_id)
    stranger = add_user(db).id
    with pytest.raises(ImageNotFound):
        images.get(stranger, image.id)
    with pytest.raises(ImageNotFound):
        images.delete(stranger, image.id)
    assert images.get(user_id, image.id) == image


def test_delete_removes_the_row_and_every_stored_object(images, storage, user_id):
    uploaded = upload(images, user_id, png_bytes(3072, 20))
    image = images.get(user_id, uploaded.id)  # its job added the pyramid
    levels = {level.key for level in image.pyramid}
    assert levels == {f"pyramid/{image.id}/{side}" for side in (2048, 1024, 512)}
    assert storage.stored_keys() == {image.storage_key, *levels}
    images.delete(user_id, image.id)
    assert storage.stored_keys() == set()
    with pytest.raises(ImageNotFound):
        images.get(user_id, image.id)


def test_listing_pages_newest_first_and_filters_by_tag_key(images, user_id, clock):
    uploaded = []
    for number in range(5):
        clock.advance(seconds=1)
        tags = ["Even"] if number % 2 == 0 else []
        uploaded.append(upload(images, user_id, tags=tags))
    first = images.list(user_id, ImageQuery(), 2, None)
    second = images.list(user_id, ImageQuery(), 2, first.next_cursor)
    last = images.list(user_id, ImageQuery(), 2, second.next_cursor)
    pages = first.items + second.items + last.items
    assert [image.id for image in pages] == [image.id for image in reversed(uploaded)]
    assert last.next_cursor is None
    even = images.list(user_id, ImageQuery(tags=(" EVEN ",)), 10, None)
    assert [image.id for image in even.items] == [
        uploaded[4].id,
        uploaded[2].id,
        uploaded[0].id,
    ]


def test_a_lost_original_is_a_404_naming_the_object(images, storage, user_id):
    image = upload(images, user_id)
    storage.delete(image.storage_key)
    with pytest.raises(StoredObjectNotFound) as missing:
        images.open_content(image)
    assert missing.value.status == 404
    assert missing.value.description == f"No stored object {image.storage_key!r}."
