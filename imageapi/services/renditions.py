"""Derivatives of an image: options -> cached copy, or render and cache.

``prepare`` is one read transaction: the image (without its tags), the parsed
options, the ETag and the cache row if there is one, so a resource can answer
304 before anything is decoded. ``fetch`` then streams the cached derivative
(a cache hit costs that lookup and a storage open) or renders it behind a
bounded semaphore, stores it and indexes it. The cache stays within
``processing.derivative_cache_bytes`` by evicting least recently used rows.
"""

from __future__ import annotations

import hashlib
import io
import logging
import threading
import time
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import BinaryIO

from sqlalchemy.exc import IntegrityError

from imageapi.config import ProcessingConfig
from imageapi.db.uow import Database
from imageapi.domain import Derivative
from imageapi.domain import Image
from imageapi.errors import StoredObjectNotFound
from imageapi.limits import Limits
from imageapi.processing.deadline import RenderTimeout
from imageapi.processing.formats import ANIMATED
from imageapi.processing.geometry import plan
from imageapi.processing.options import RenditionOptions
from imageapi.processing.options import parse_options
from imageapi.processing.pipeline import Rendition
from imageapi.processing.pipeline import render
from imageapi.processing.probe import SourceTooLarge
from imageapi.processing.source import choose_source
from imageapi.processing.source import copy_scale
from imageapi.services.telemetry import NO_TELEMETRY
from imageapi.services.telemetry import Telemetry
from imageapi.storage.base import ObjectNotFound
from imageapi.storage.base import Storage

log = logging.getLogger(__name__)

# A hit refreshes last_used_at only when it is older than this: LRU order to
# the minute is plenty, and most hits then read without writing.
TOUCH_INTERVAL = timedelta(minutes=1)
# Each process sums the cache size again once it has added this fraction of
# the budget since its last check: a tiny budget checks on every insert, a
# large one rarely, and the cache overshoots by at most about that much.
EVICTION_CHECK_FRACTION = 64
DELETE_BATCH = 500
SMART_POSITIONS = ("entropy", "attention")


@dataclass(frozen=True)
class PreparedRendition:
    """What a content request asks for; ``options`` is None for the original."""

    image: Image
    options: RenditionOptions | None
    etag: str = ""
    cache_key: str = ""
    storage_key: str = ""
    cached: Derivative | None = None


@dataclass(frozen=True)
class DerivativeContent:
    stream: BinaryIO
    length: int
    content_type: str
    cache_hit: bool


class RenditionService:
    def __init__(
        self,
        db: Database,
        storage: Storage,
        processing: ProcessingConfig,
        limits: Limits,
        clock: Callable[[], datetime],
        telemetry: Telemetry = NO_TELEMETRY,
    ) -> None:
        self._db = db
        self._storage = storage
        self._telemetry = telemetry
        self._presets = processing.presets.parameters  # parsed by the config
        self._qualities = processing.qualities
        self._timeout = processing.timeout_seconds
        self._budget = processing.derivative_cache_bytes
        self._limits = limits
        self._clock = clock
        self._slots = threading.BoundedSemaphore(processing.max_parallel_renders)
        self._added_lock = threading.Lock()
        self._added_since_check = 0

    def prepare(
        self, user_id: str, image_id: str, params: Mapping, accept: str
    ) -> PreparedRendition:
        """The user's image and the parsed options, without decoding anything.

        Raises:
            ImageNotFound: no such image, or another user's.
            InvalidParameter: the parameters are refused (400, names one).
            SourceTooLarge: the original is over the pixel limit, or the
                rendition would hold more than the memory limit (422).
        """
        with self._db.read() as uow:
            row = uow.images.get(user_id, image_id, with_tags=False)
            image = row.to_domain(with_tags=False)  # content needs no tags
            options = parse_options(
                params,
                presets=self._presets,
                accept=accept,
                source_format=image.format,
                qualities=self._qualities,
            )
            if options is None:
                return PreparedRendition(image=image, options=None)
            self._check_limits(image, options)
            cache_key = options.cache_key()
            digest = hashlib.sha256(cache_key.encode()).hexdigest()
            found = uow.derivatives.find(image.id, cache_key) if self._budget else None
            cached = found.to_domain() if found is not None else None
        return PreparedRendition(
            image=image,
            options=options,
            etag=f'"{image.sha256}-{digest[:16]}"',
            cache_key=cache_key,
            storage_key=f"derivatives/{image.id}/{digest[:32]}",
            cached=cached,
        )

    def fetch(self, prepared: PreparedRendition) -> DerivativeContent:
        """The derivative's bytes: from the cache, or rendered and cached.

        Raises:
            InvalidParameter: the options do not fit this image (crop outside).
            RenderTimeout: no render slot or no result within the time limit.
            UnprocessableImage: libvips cannot process this input (422).
        """
        options = prepared.options
        assert options is not None, "fetch is for derivatives only"
        cached = prepared.cached
        if cached is not None:
            try:
                stream = self._storage.open(cached.storage_key)
            except ObjectNotFound:
                log.info("cached derivative %s is gone; rendering", cached.storage_key)
            else:
                self._touch(cached)
                self._telemetry.derivative_cache_hit(cached.size)
                return DerivativeContent(stream, cached.size, cached.content_type, True)
        self._telemetry.derivative_cache_miss()
        rendition = self._render(prepared.image, options)
        self._store(prepared, rendition)
        return DerivativeContent(
            io.BytesIO(rendition.data),
            len(rendition.data),
            rendition.content_type,
            False,
        )

    def evict(self) -> int:
        """Drop least recently used derivatives until the cache fits its budget.

        Rows go first, then the bytes (a crash leaves unreferenced files, never
        rows without files). Returns how many derivatives were dropped.
        """
        with self._db.write() as uow:
            excess = uow.derivatives.total_size() - self._budget
            victims: list[tuple[int, str]] = []
            evicted_bytes = 0
            offset = 0
            while excess > 0:
                batch = uow.derivatives.least_recently_used(offset)
                if not batch:
                    break
                for derivative_id, storage_key, size in batch:
                    victims.append((derivative_id, storage_key))
                    evicted_bytes += size
                    excess -= size
                    if excess <= 0:
                        break
                offset += len(batch)
            for start in range(0, len(victims), DELETE_BATCH):
                chunk = victims[start : start + DELETE_BATCH]
                uow.derivatives.delete_ids(
                    [derivative_id for derivative_id, _ in chunk]
                )
            uow.commit()
        for _, storage_key in victims:
            self._storage.delete(storage_key)
        if victims:
            self._telemetry.derivatives_evicted(len(victims), evicted_bytes)
        return len(victims)

    # Helpers -----------------------------------------------------------------

    def _check_limits(self, image: Image, options: RenditionOptions) -> None:
        limits = self._limits
        pixels = image.width * image.height * image.pages
        if pixels > limits.max_pixels:
            raise SourceTooLarge(
                f"The image has {pixels} pixels; this server transforms at "
                f"most {limits.max_pixels}."
            )
        # Rotations and smart crops hold the resized image in memory (see
        # steps/rotate_and_flip.py and steps/fit.py): every frame of an
        # animation, at 4 bytes per pixel at most. At the default bound a
        # single frame always fits: 8192 x 8192 x 4 bytes is 256 MiB.
        holds_image = options.orientation != (0, False) or (
            options.effective_fit == "cover" and options.position in SMART_POSITIONS
        )
        if not holds_image:
            return
        sizes = plan((image.width, image.height), options)
        frames = image.pages if options.format in ANIMATED else 1
        largest = max(sizes.scaled[0] * sizes.scaled[1], sizes.box[0] * sizes.box[1])
        needed = frames * largest * 4
        if needed > limits.max_request_memory_bytes:
            raise SourceTooLarge(
                f"This rendition needs about {needed} bytes of memory; this "
                f"server allows {limits.max_request_memory_bytes} per request. "
                "Ask for a smaller size (or, for an animation, a still format)."
            )

    def _render(self, image: Image, options: RenditionOptions) -> Rendition:
        original = (image.width, image.height)
        copy = None
        if image.working_copy_width and image.working_copy_height:
            copy = (image.working_copy_width, image.working_copy_height)
        from_copy = choose_source(options, original, copy)
        # HEIC originals are rendered from their decodable render source.
        full_size = image.render_source_key or image.storage_key
        key = image.working_copy_key if from_copy else full_size
        scale = copy_scale(original, copy) if from_copy and copy else 1.0
        started = time.monotonic()
        if not self._slots.acquire(timeout=self._timeout):
            raise RenderTimeout(
                "Every render slot stayed busy for the whole time limit; try again."
            )
        self._telemetry.render_slot_taken()
        try:
            rendering_since = time.monotonic()
            remaining = self._timeout - (rendering_since - started)
            with self._storage.as_file(key) as path:
                rendition = render(
                    path, options, source_scale=scale, timeout_seconds=remaining
                )
        except ObjectNotFound as exc:
            raise StoredObjectNotFound(str(exc)) from None
        finally:
            self._telemetry.render_slot_released()
            self._slots.release()
        self._telemetry.rendered(options.format, time.monotonic() - rendering_since)
        return rendition

    def _store(self, prepared: PreparedRendition, rendition: Rendition) -> None:
        """Keep the rendition; safe when identical requests race.

        The storage put is atomic and both racers write the same bytes under
        the same key; the second row insert is a no-op. When the image was
        deleted meanwhile, the insert fails on its foreign key and the bytes
        are removed again.
        """
        if not self._budget:
            return
        self._storage.put(prepared.storage_key, io.BytesIO(rendition.data))
        now = self._clock()
        try:
            with self._db.write() as uow:
                inserted = uow.derivatives.add_if_absent(
                    {
                        "image_id": prepared.image.id,
                        "cache_key": prepared.cache_key,
                        "storage_key": prepared.storage_key,
                        "size": len(rendition.data),
                        "content_type": rendition.content_type,
                        "created_at": now,
                        "last_used_at": now,
                    }
                )
                uow.commit()
        except IntegrityError:
            self._storage.delete(prepared.storage_key)
            return
        if inserted:
            self._telemetry.derivative_cached(len(rendition.data))
        if inserted and self._check_due(len(rendition.data)):
            self.evict()

    def _check_due(self, added: int) -> bool:
        with self._added_lock:
            self._added_since_check += added
            if self._added_since_check < self._budget // EVICTION_CHECK_FRACTION:
                return False
            self._added_since_check = 0
            return True

    def _touch(self, cached: Derivative) -> None:
        now = self._clock()
        if now - cached.last_used_at < TOUCH_INTERVAL:
            return
        with self._db.write() as uow:
            uow.derivatives.touch(cached.id, now)
            uow.commit()
