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
import os
import threading
import time
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.exc import IntegrityError

from imageapi.config import ProcessingConfig
from imageapi.db.uow import Database
from imageapi.domain import Derivative
from imageapi.domain import Image
from imageapi.errors import StoredObjectNotFound
from imageapi.limits import Limits
from imageapi.processing.cost import held_memory
from imageapi.processing.cost import render_work
from imageapi.processing.formats import ANIMATED
from imageapi.processing.geometry import plan
from imageapi.processing.options import RenditionOptions
from imageapi.processing.options import parse_options
from imageapi.processing.pipeline import Rendition
from imageapi.processing.pipeline import render
from imageapi.processing.probe import SourceTooLarge
from imageapi.processing.source import choose_source
from imageapi.processing.source import copy_scale
from imageapi.services.render_slots import HostLane
from imageapi.services.render_slots import RenderSlots
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
        lock_dir: Path,
    ) -> None:
        self._db = db
        self._storage = storage
        self._presets = processing.presets.parameters  # parsed by the config
        self._qualities = processing.qualities
        self._timeout = processing.timeout_seconds
        self._budget = processing.derivative_cache_bytes
        self._user_share = (
            processing.derivative_cache_bytes
            * processing.derivative_cache_user_percent
            // 100
        )
        self._limits = limits
        self._clock = clock
        self._slots = RenderSlots(
            processing.max_parallel_renders,
            limits.max_user_parallel_renders,
            limits.max_user_queued_renders,
            HostLane(lock_dir, _host_expensive_renders(limits)),
        )
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
                return DerivativeContent(stream, cached.size, cached.content_type, True)
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
        return self._drop_least_recent(self._budget, user_id=None)

    def evict_user(self, user_id: str) -> int:
        """Drop ``user_id``'s least recently used derivatives over its share.

        Without a share one user rendering many variants would push every
        other user's derivatives out of the shared cache; with it, that
        user's churn evicts its own entries first.
        """
        return self._drop_least_recent(self._user_share, user_id=user_id)

    def _drop_least_recent(self, budget: int, *, user_id: str | None) -> int:
        with self._db.write() as uow:
            if user_id is None:
                excess = uow.derivatives.total_size() - budget
            else:
                excess = uow.derivatives.size_of_user(user_id) - budget
            victims: list[tuple[int, str]] = []
            offset = 0
            while excess > 0:
                batch = uow.derivatives.least_recently_used(offset, user_id)
                if not batch:
                    break
                for derivative_id, storage_key, size in batch:
                    victims.append((derivative_id, storage_key))
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
        # Animated results are held whole by the savers, every frame; so are
        # rotations and smart crops (steps/rotate_and_flip.py, steps/fit.py),
        # at 4 bytes per pixel at most. At the default bound a single still
        # frame always fits: 8192 x 8192 x 4 bytes is 256 MiB.
        animated = options.format in ANIMATED and image.pages > 1
        holds_image = options.orientation != (0, False) or (
            options.effective_fit == "cover" and options.position in SMART_POSITIONS
        )
        if not (animated or holds_image):
            return
        sizes = plan((image.width, image.height), options)
        needed = held_memory(sizes, frames=image.pages if animated else 1)
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
        frames = image.pages if options.format in ANIMATED else 1
        work = render_work(
            plan(original, options), options, frames=frames, source_scale=scale
        )
        expensive = work > self._limits.cheap_render_pixels
        started = time.monotonic()
        user = image.user_id
        with self._slots.slot(user, expensive=expensive, timeout=self._timeout):
            remaining = self._timeout - (time.monotonic() - started)
            try:
                with self._storage.as_file(key) as path:
                    return render(
                        path, options, source_scale=scale, timeout_seconds=remaining
                    )
            except ObjectNotFound as exc:
                raise StoredObjectNotFound(str(exc)) from None

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
        if not inserted:
            return
        # The user's share on every insert (one indexed sum over that user's
        # rows), the whole budget only now and then (see _check_due).
        self.evict_user(prepared.image.user_id)
        if self._check_due(len(rendition.data)):
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


def _host_expensive_renders(limits: Limits) -> int:
    if limits.max_host_expensive_renders:
        return limits.max_host_expensive_renders
    return max(1, (os.cpu_count() or 1) // 2)
