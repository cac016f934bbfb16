"""RenditionService on MemoryStorage: the derivative cache, and what it refuses."""

from __future__ import annotations

import dataclasses
import io

import pytest

from imageapi import domain
from imageapi.errors import ImageNotFound
from imageapi.errors import InvalidParameter
from imageapi.errors import StoredObjectNotFound
from imageapi.limits import Limits
from imageapi.processing.probe import SourceTooLarge
from imageapi.services.renditions import RenditionService
from tests.rows import add_user
from tests.samples import decode
from tests.samples import jpeg_bytes
from tests.samples import png_bytes
from tests.unit.services.test_images import upload

SMALL = {"width": "16", "format": "png"}


def renditions_for(db, config, storage, clock, **processing) -> RenditionService:
    settings = config.processing.model_copy(update=processing)
    return RenditionService(
        db, storage, settings, config.limits, clock, config.data_dir / "locks"
    )


@pytest.fixture
def renditions(db, config, storage, clock) -> RenditionService:
    return renditions_for(db, config, storage, clock)


@pytest.fixture
def image(db, images) -> domain.Image:
    return upload(images, add_user(db).id)


def test_no_parameters_mean_the_original(renditions, image):
    prepared = renditions.prepare(image.user_id, image.id, {}, accept="")
    assert prepared.options is None
    # Content requests skip the tag query.
    assert prepared.image == dataclasses.replace(image, tags=())


def test_first_request_renders_and_caches_then_hits(renditions, image, storage):
    prepared = renditions.prepare(image.user_id, image.id, SMALL, accept="")
    assert not storage.exists(prepared.storage_key)
    miss = renditions.fetch(prepared)
    assert (miss.cache_hit, miss.content_type) == (False, "image/png")
    assert decode(miss.stream.read()).width == 16
    assert storage.exists(prepared.storage_key)

    again = renditions.prepare(image.user_id, image.id, SMALL, accept="")
    assert again.storage_key == prepared.storage_key  # known without a lookup
    assert again.etag == prepared.etag
    hit = renditions.fetch(again)
    assert hit.cache_hit is True
    assert hit.length == storage.size(again.storage_key) == miss.length


def test_a_cached_file_that_is_gone_is_rendered_again(renditions, image, storage):
    renditions.fetch(renditions.prepare(image.user_id, image.id, SMALL, accept=""))
    prepared = renditions.prepare(image.user_id, image.id, SMALL, accept="")
    storage.delete(prepared.storage_key)
    assert renditions.fetch(prepared).cache_hit is False


def test_deleting_the_image_removes_its_derivatives(renditions, images, image, storage):
    prepared = renditions.prepare(image.user_id, image.id, SMALL, accept="")
    renditions.fetch(prepared)
    images.delete(image.user_id, image.id)
    assert storage.stored_keys() == set()


def test_eviction_drops_least_recently_used_until_the_cache_fits(
    db, config, storage, clock, renditions, image
):
    sizes = {}
    for width in (8, 9, 10):
        clock.advance(minutes=2)
        params = {"width": str(width), "format": "png"}
        prepared = renditions.prepare(image.user_id, image.id, params, accept="")
        sizes[prepared.storage_key] = renditions.fetch(prepared).length
    oldest, *newer = sizes
    budget = sum(sizes[key] for key in newer)
    smaller = renditions_for(db, config, storage, clock, derivative_cache_bytes=budget)
    assert smaller.evict() == 1
    assert not storage.exists(oldest)
    assert all(storage.exists(key) for key in newer)
    assert smaller.evict() == 0


def test_refusals(db, config, storage, clock, renditions, image):
    with pytest.raises(ImageNotFound):
        renditions.prepare(add_user(db).id, image.id, SMALL, accept="")
    with pytest.raises(InvalidParameter, match="width"):
        renditions.prepare(image.user_id, image.id, {"width": "-1"}, accept="")
    strict = RenditionService(
        db,
        storage,
        config.processing,
        Limits(max_pixels=100),
        clock,
        config.data_dir / "locks",
    )
    with pytest.raises(SourceTooLarge):
        strict.prepare(image.user_id, image.id, SMALL, accept="")


def test_a_lost_original_is_a_404_naming_the_object(renditions, image, storage):
    prepared = renditions.prepare(image.user_id, image.id, SMALL, accept="")
    for key in (image.storage_key, *(level.key for level in image.pyramid)):
        storage.delete(key)
    with pytest.raises(StoredObjectNotFound, match="No stored object"):
        renditions.fetch(prepared)


def test_an_image_stored_with_a_working_copy_renders_from_it(
    db, images, renditions, storage
):
    """Images stored before pyramids keep their single working copy (the
    columns stay): it is read as a one-level pyramid."""
    user_id = add_user(db).id
    image = upload(images, user_id, png_bytes(400, 200))  # too small for levels
    assert image.pyramid == ()
    with db.write() as uow:
        row = uow.images.get(user_id, image.id)
        row.working_copy_key = f"working/{image.id}"
        row.working_copy_width, row.working_copy_height = 200, 100
        uow.commit()
    storage.put(f"working/{image.id}", io.BytesIO(jpeg_bytes(200, 100)))
    storage.delete(image.storage_key)  # so only the copy can answer

    prepared = renditions.prepare(user_id, image.id, SMALL, accept="")
    assert [level.key for level in prepared.image.pyramid] == [f"working/{image.id}"]
    assert decode(renditions.fetch(prepared).stream.read()).width == 16
