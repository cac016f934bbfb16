"""Derivatives of an image: options -> cached copy, or render and cache.

``prepare`` finds the image (from this worker's memory of image facts, else
one read), parses the options and derives the ETag and the derivative's
storage key from them, so a resource can answer 304 before anything is decoded
and a cache hit reads no row: ``fetch`` opens the stored derivative, checks it
is whole, and notes the use in memory (written in batches); or it renders
behind a bounded semaphore, stores the result and indexes it. The cache stays
within ``processing.derivative_cache_bytes`` by evicting least recently used
rows.
"""

from __future__ import annotations

import functools
import io
import logging
import os
import time
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.exc import IntegrityError

from imageapi.config import ProcessingConfig
from imageapi.db.uow import Database
from imageapi.domain import Image
from imageapi.errors import StoredObjectNotFound
from imageapi.limits import Limits
from imageapi.processing.cost import held_memory
from imageapi.processing.cost import render_work
from imageapi.processing.formats import ANIMATED
from imageapi.processing.formats import CONTENT_TYPES
from imageapi.processing.geometry import plan
from imageapi.processing.integrity import CHECKED_FORMATS
from imageapi.processing.options import RenditionOptions
from imageapi.processing.options import parse_options
from imageapi.processing.pipeline import Rendition
from imageapi.processing.pipeline import render
from imageapi.processing.probe import SourceTooLarge
from imageapi.processing.pyramid import choose_level
from imageapi.processing.pyramid import level_scale
from imageapi.services.derivative_memory import DerivativeMemory
from imageapi.services.derivative_store import derivative_digest
from imageapi.services.derivative_store import derivative_storage_key
from imageapi.services.derivative_store import open_whole
from imageapi.services.derivative_uses import DerivativeUses
from imageapi.services.eviction_checks import EvictionChecks
from imageapi.services.image_facts import ImageFacts
from imageapi.services.render_slots import HostLane
from imageapi.services.render_slots import RenderSlots
from imageapi.services.telemetry import NO_TELEMETRY
from imageapi.services.telemetry import Telemetry
from imageapi.storage.base import ObjectNotFound
from imageapi.storage.base import Storage

log = logging.getLogger(__name__)

DELETE_BATCH = 500
SMART_POSITIONS = ("entropy", "attention")
# Parsed queries each worker remembers: (parameters, Accept, source format).
PLAN_CACHE_SIZE = 4096


@dataclass(frozen=True)
class PreparedRendition:
    """What a content request asks for; ``options`` is None for the original.

    ``image`` is None when a signed URL alone described the derivative (the
    database is read only if the cache misses); ``fetch`` then loads it.
    """

    image: Image | None
    options: RenditionOptions | None
    etag: str = ""
    cache_key: str = ""
    storage_key: str = ""
    image_id: str = ""
    user_id: str = ""
    # The derivative's bytes, when a signed URL's hit found them in memory.
    in_memory: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class _Plan:
    """Parsed options and the derivative's cache key; no options: the original."""

    options: RenditionOptions | None
    cache_key: str = ""
    digest: str = ""


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
        facts: ImageFacts | None = None,
        telemetry: Telemetry = NO_TELEMETRY,
    ) -> None:
        self._db = db
        self._storage = storage
        self._telemetry = telemetry
        self._presets = processing.presets.parameters  # parsed by the config
        self._qualities = processing.qualities
        self._webp_effort = processing.webp_effort
        self._timeout = processing.timeout_seconds
        self._budget = processing.derivative_cache_bytes
        self._user_share = (
            processing.derivative_cache_bytes
            * processing.derivative_cache_user_percent
            // 100
        )
        self._limits = limits
        self._clock = clock
        self._facts = facts or ImageFacts(db)
        self._uses = DerivativeUses(db)
        self._slots = RenderSlots(
            processing.max_parallel_renders,
            limits.max_user_parallel_renders,
            limits.max_user_queued_renders,
            HostLane(lock_dir, _host_expensive_renders(limits)),
        )
        self._eviction_checks = EvictionChecks()
        self._memory = DerivativeMemory(
            storage, processing.derivative_memory_bytes, telemetry
        )
        # A cache hit parses the same query again and again: remember the
        # result (refusals are not remembered; they raise).
        self._remembered_plan = functools.lru_cache(maxsize=PLAN_CACHE_SIZE)(self._plan)

    def prepare(
        self, user_id: str, image_id: str, params: Mapping, accept: str
    ) -> PreparedRendition:
        """The user's image and the parsed options, without decoding anything.

        The image's facts come from this worker's memory when it has them, and
        the derivative's storage key follows from the options: a cache hit
        reads no row.

        Raises:
            ImageNotFound: no such image, or another user's.
            InvalidParameter: the parameters are refused (400, names one).
            SourceTooLarge: the original is over the pixel limit, or the
                rendition would hold more than the memory limit (422).
        """
        image = self._facts.get(user_id, image_id)
        plan = self._planned(params, accept, image.format)
        if plan.options is None:
            return PreparedRendition(image=image, options=None)
        self._check_limits(image, plan.options)
        return PreparedRendition(
            image=image,
            options=plan.options,
            etag=f'"{image.sha256}-{plan.digest[:16]}"',
            cache_key=plan.cache_key,
            storage_key=derivative_storage_key(image.id, plan.digest),
            image_id=image.id,
            user_id=user_id,
        )

    def prepare_signed(
        self,
        user_id: str,
        image_id: str,
        params: Mapping,
        source_format: str,
        accept: str,
    ) -> PreparedRendition:
        """Like ``prepare``, from what a verified signed URL says alone.

        A derivative whose bytes are stored needs no database at all (its
        ETag is made from the URL's facts); otherwise, and for the original,
        the image is read as ``prepare`` reads it, so a deleted image is a 404.
        """
        plan = self._planned(params, accept, source_format)
        etag = f'"{image_id}-{plan.digest[:16]}"'
        if plan.options is not None and self._budget:
            storage_key = derivative_storage_key(image_id, plan.digest)
            in_memory = self._memory.get(storage_key)
            if in_memory is not None or self._storage.exists(storage_key):
                return PreparedRendition(
                    image=None,
                    options=plan.options,
                    etag=etag,
                    cache_key=plan.cache_key,
                    storage_key=storage_key,
                    image_id=image_id,
                    user_id=user_id,
                    in_memory=in_memory,
                )
        prepared = self.prepare(user_id, image_id, params, accept)
        if prepared.options is None:
            return prepared
        return replace(prepared, etag=etag)

    def parse(
        self, params: Mapping, accept: str, source_format: str
    ) -> RenditionOptions | None:
        """The options, as the content route reads them (400 naming a parameter)."""
        return parse_options(
            params,
            presets=self._presets,
            accept=accept,
            source_format=source_format,
            qualities=self._qualities,
            webp_effort=self._webp_effort,
        )

    def _planned(self, params: Mapping, accept: str, source_format: str) -> _Plan:
        items = tuple(params.items())
        if all(isinstance(value, str) for _, value in items):
            return self._remembered_plan(items, accept, source_format)
        return self._plan(items, accept, source_format)  # repeated: a list

    def _plan(
        self, items: tuple[tuple[str, object], ...], accept: str, source_format: str
    ) -> _Plan:
        options = self.parse(dict(items), accept, source_format)
        if options is None:
            return _Plan(None)
        cache_key, digest = derivative_digest(options)
        return _Plan(options, cache_key, digest)

    def fetch(self, prepared: PreparedRendition) -> DerivativeContent:
        """The derivative's bytes: from the cache, or rendered and cached.

        Raises:
            ImageNotFound: the image was deleted.
            InvalidParameter: the options do not fit this image (crop outside).
            RenderTimeout: no render slot or no result within the time limit.
            UnprocessableImage: libvips cannot process this input (422).
        """
        options = prepared.options
        assert options is not None, "fetch is for derivatives only"
        if self._budget:
            cached = self._open_cached(prepared, options.format)
            if cached is not None:
                self._telemetry.derivative_cache_hit(cached.length)
                return cached
        self._telemetry.derivative_cache_miss()
        image = prepared.image or self._facts.get(prepared.user_id, prepared.image_id)
        if prepared.image is None:
            self._check_limits(image, options)
        rendition = self._render(image, options)
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
        self._uses.flush()  # so that the order below counts the latest hits
        with self._db.write() as uow:
            if user_id is None:
                excess = uow.derivatives.total_size() - budget
            else:
                excess = uow.derivatives.size_of_user(user_id) - budget
            victims: list[tuple[int, str]] = []
            evicted_bytes = 0
            offset = 0
            while excess > 0:
                batch = uow.derivatives.least_recently_used(offset, user_id)
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
        level = choose_level(options, original, image.pyramid)
        if level is not None:
            key, scale = level.key, level_scale(original, level)
        else:  # HEIC originals are rendered from their decodable render source
            key, scale = image.render_source_key or image.storage_key, 1.0
        frames = image.pages if options.format in ANIMATED else 1
        work = render_work(
            plan(original, options), options, frames=frames, source_scale=scale
        )
        expensive = work > self._limits.cheap_render_pixels
        started = time.monotonic()
        user = image.user_id
        with self._slots.slot(user, expensive=expensive, timeout=self._timeout):
            self._telemetry.render_slot_taken()
            rendering_since = time.monotonic()
            remaining = self._timeout - (rendering_since - started)
            try:
                with self._storage.as_file(key) as path:
                    rendition = render(
                        path, options, original=original, timeout_seconds=remaining
                    )
            except ObjectNotFound as exc:
                # Deleted meanwhile? Then the database says 404; else the bytes
                # are lost.
                self._facts.reread(image.user_id, image.id)
                raise StoredObjectNotFound(str(exc)) from None
            finally:
                self._telemetry.render_slot_released()
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
        # No fsync for what opening can check (see processing/integrity.py):
        # a torn file is rendered again, never served.
        self._storage.put(
            prepared.storage_key,
            io.BytesIO(rendition.data),
            durable=prepared.options.format not in CHECKED_FORMATS,
        )
        now = self._clock()
        try:
            with self._db.write() as uow:
                inserted = uow.derivatives.add_if_absent(
                    {
                        "image_id": prepared.image_id,
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
        self._telemetry.derivative_cached(len(rendition.data))
        # The user's share and the whole budget are summed now and then, not
        # on every insert (services/eviction_checks.py).
        user_id = prepared.image.user_id
        if self._eviction_checks.due(user_id, len(rendition.data), self._user_share):
            self.evict_user(user_id)
        if self._eviction_checks.due(None, len(rendition.data), self._budget):
            self.evict()

    def _open_cached(
        self, prepared: PreparedRendition, output_format: str
    ) -> DerivativeContent | None:
        """The stored derivative if it is there and whole, else None."""
        if prepared.in_memory is not None:
            stream, size = io.BytesIO(prepared.in_memory), len(prepared.in_memory)
        else:
            found = open_whole(
                self._storage, self._memory, prepared.storage_key, output_format
            )
            if found is None:
                return None
            stream, size = found
        self._uses.note(prepared.image_id, prepared.cache_key, self._clock())
        return DerivativeContent(stream, size, CONTENT_TYPES[output_format], True)


def _host_expensive_renders(limits: Limits) -> int:
    if limits.max_host_expensive_renders:
        return limits.max_host_expensive_renders
    return max(1, (os.cpu_count() or 1) // 2)
