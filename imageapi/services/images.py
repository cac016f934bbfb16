"""Each user's image library: upload, read, list, delete."""

from __future__ import annotations

import logging
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from imageapi.auth.tokens import new_id
from imageapi.db import models
from imageapi.db.uow import Database
from imageapi.db.uow import UnitOfWork
from imageapi.domain import Image
from imageapi.domain import ImageQuery
from imageapi.domain import User
from imageapi.errors import DuplicateImage
from imageapi.errors import StoredObjectNotFound
from imageapi.limits import Limits
from imageapi.processing.analysis import Analysis
from imageapi.processing.analysis import analyse
from imageapi.processing.fingerprint import DEFAULT_MAX_DISTANCE
from imageapi.processing.probe import ProbedImage
from imageapi.processing.probe import probe
from imageapi.services.cursors import Cursors
from imageapi.services.duplicates import Near
from imageapi.services.duplicates import index_columns
from imageapi.services.duplicates import near_duplicates
from imageapi.services.image_facts import ImageFacts
from imageapi.services.jobs import DERIVE
from imageapi.services.jobs import JobService
from imageapi.services.quotas import QuotaService
from imageapi.services.tags import attach_tags
from imageapi.services.tags import clean_tags
from imageapi.services.tags import tag_key
from imageapi.services.telemetry import NO_TELEMETRY
from imageapi.services.telemetry import Telemetry
from imageapi.services.uploads import SpooledUpload
from imageapi.services.uploads import spool
from imageapi.storage.base import ObjectNotFound
from imageapi.storage.base import Storage

log = logging.getLogger(__name__)

MAX_NAME_LENGTH = 255
MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class ImagePage:
    items: list[Image]
    next_cursor: str | None


@dataclass(frozen=True)
class Content:
    """An open byte stream of stored image bytes, and what to say about it."""

    stream: BinaryIO
    length: int


class ImageService:
    def __init__(
        self,
        db: Database,
        storage: Storage,
        cursors: Cursors,
        limits: Limits,
        upload_dir: Path,
        clock: Callable[[], datetime],
        quotas: QuotaService,
        jobs: JobService,
        facts: ImageFacts | None = None,
        telemetry: Telemetry = NO_TELEMETRY,
    ) -> None:
        self._telemetry = telemetry
        self._db = db
        self._storage = storage
        self._cursors = cursors
        self._limits = limits
        self._upload_dir = upload_dir
        self._clock = clock
        self._quotas = quotas
        self._jobs = jobs
        self._facts = facts or ImageFacts(db)

    def receive(self, stream: BinaryIO) -> SpooledUpload:
        """Stream an upload to disk under the size limit, before any checks."""
        return spool(stream, self._upload_dir, self._limits.max_upload_bytes)

    def upload(
        self,
        user_id: str,
        upload: SpooledUpload,
        filename: str | None,
        tags: list,
        *,
        reject_duplicates: bool = False,
        uploader: User | None = None,
    ) -> Image:
        """Check, analyse, store and record an image; leave a job for the rest.

        ``uploader`` is the user as the request authenticated it, if the
        caller has it: the first quota check then needs no query.

        The header is probed (pixel limit) before any decoding; ``analyse``
        then decodes once, shrunk on load, which proves the image whole and
        gives the metadata, blurhash and fingerprint. The original (and a
        HEIC's render source) is stored before the row is committed, and
        removed again if anything after fails: no file without a row, no row
        without its files. The row's transaction also writes the image's job
        (services/derived_work.py: the pyramid and near-duplicate pairs),
        which runs after the answer; until then renders read the original.

        With ``reject_duplicates`` the near-duplicate lookup runs under the
        user's lock, so the first one found refuses the upload atomically
        (``DuplicateImage``, nothing stored). Otherwise the job looks them up,
        outside this transaction.
        """
        source_path = upload.path.with_name(upload.path.name + ".source")
        stored: list[str] = []
        try:
            # Before any decoding or storing: an upload over quota leaves nothing.
            self._quotas.check_upload(user_id, upload.size, known=uploader)
            names = clean_tags(tags)
            probed = probe(upload.path, self._limits)
            analysis = analyse(upload.path, render_source=source_path)
            row = self._new_image(user_id, upload, filename, probed, analysis)
            self._storage.put_file(row.storage_key, upload.path)
            stored.append(row.storage_key)
            if row.render_source_key is not None:
                self._storage.put_file(row.render_source_key, source_path)
                stored.append(row.render_source_key)
            with self._db.write() as uow:
                # Again under the lock (for a user with a quota), so that parallel
                # uploads cannot overshoot it.
                self._quotas.check_upload(user_id, row.size, uow=uow, known=uploader)
                if reject_duplicates:
                    near = self._near_duplicates(uow, user_id, analysis)
                    if near:
                        raise DuplicateImage(near[0].image_id, near[0].distance)
                uow.images.add(row)
                uow.flush()
                attach_tags(uow, row, names)
                self._jobs.enqueue(uow, DERIVE, row.id, row.created_at)
                uow.commit()
                image = row.to_domain()
        except BaseException:
            self._delete_objects(stored)
            raise
        finally:
            upload.discard()
            source_path.unlink(missing_ok=True)
        self._telemetry.uploaded(image.size)
        self._jobs.enqueued(image.id)
        return image

    @staticmethod
    def _near_duplicates(
        uow: UnitOfWork, user_id: str, analysis: Analysis
    ) -> list[Near]:
        if analysis.fingerprint is None:
            return []
        return near_duplicates(uow, user_id, analysis.fingerprint, DEFAULT_MAX_DISTANCE)

    def _new_image(
        self,
        user_id: str,
        upload: SpooledUpload,
        filename: str | None,
        probed: ProbedImage,
        analysis: Analysis,
    ) -> models.Image:
        meta = analysis.metadata
        image_id = new_id()
        return models.Image(
            id=image_id,
            user_id=user_id,
            name=sanitise_name(filename),
            content_type=probed.content_type,
            format=probed.format,
            size=upload.size,
            width=probed.width,
            height=probed.height,
            sha256=upload.sha256,
            storage_key=f"originals/{image_id}",
            created_at=self._clock(),
            pages=meta.pages,
            has_alpha=meta.has_alpha,
            orientation=meta.orientation,
            colour_space=meta.colour_space,
            camera_make=meta.camera_make,
            camera_model=meta.camera_model,
            taken_at=meta.taken_at,
            latitude=meta.latitude,
            longitude=meta.longitude,
            blurhash=analysis.blurhash,
            render_source_key=(
                f"sources/{image_id}" if analysis.render_source else None
            ),
            tag_links=[],
            **(index_columns(analysis.fingerprint) if analysis.fingerprint else {}),
        )

    def get(self, user_id: str, image_id: str) -> Image:
        with self._db.read() as uow:
            return uow.images.get(user_id, image_id).to_domain()

    def list(
        self, user_id: str, query: ImageQuery, limit: int, cursor: str | None
    ) -> ImagePage:
        after = self._cursors.decode(cursor) if cursor else None
        keys = tuple(dict.fromkeys(tag_key(tag.strip()) for tag in query.tags))
        with self._db.read() as uow:
            rows = uow.images.list(
                user_id, replace(query, tags=keys), limit + 1, after=after
            )
            items = [row.to_domain() for row in rows[:limit]]
        next_cursor = None
        if len(rows) > limit:
            last = items[-1]
            next_cursor = self._cursors.encode(last.created_at, last.id)
        return ImagePage(items=items, next_cursor=next_cursor)

    def list_all(self, user_id: str, query: ImageQuery) -> Iterator[Image]:
        """Every matching image, newest first, fetched page by page."""
        cursor = None
        while True:
            page = self.list(user_id, query, MAX_PAGE_SIZE, cursor)
            yield from page.items
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    def open_content(
        self, image: Image, byte_range: tuple[int, int] | None = None
    ) -> Content:
        start, end = byte_range if byte_range else (None, None)
        try:
            stream = self._storage.open(image.storage_key, start, end)
        except ObjectNotFound as exc:
            # Deleted meanwhile? Then the database says 404; else the bytes are lost.
            self._facts.reread(image.user_id, image.id)
            raise StoredObjectNotFound(str(exc)) from None
        length = image.size if byte_range is None else end - start + 1
        return Content(stream=stream, length=length)

    def delete(self, user_id: str, image_id: str) -> None:
        """The row goes first (its derivative rows cascade), then the bytes: a
        crash in between leaves unreferenced files (harmless), never a row
        pointing at nothing.

        The derivatives go by folder, not by their rows: a derivative whose
        row was lost (a crash while evicting) would otherwise outlive the
        image, and signed URLs serve stored derivatives without a row.
        """
        with self._db.write() as uow:
            image = uow.images.get(user_id, image_id)
            keys = image.object_keys()
            uow.images.delete(image)
            uow.commit()
        self._facts.forget(image_id)
        self._delete_objects(keys)
        try:
            self._storage.delete_folder(derivative_folder(image.id))
        except Exception:  # the caller's outcome matters more than a leftover
            log.exception("could not delete the derivatives of %s", image.id)

    def _delete_objects(self, keys: list[str | None]) -> None:
        for key in keys:
            if key is None:
                continue
            try:
                self._storage.delete(key)
            except Exception:  # the caller's outcome matters more than a leftover
                log.exception("could not delete stored object %s", key)


def derivative_folder(image_id: str) -> str:
    """Where an image's derivatives are stored (see services/renditions.py)."""
    return f"derivatives/{image_id}"


def sanitise_name(filename: str | None) -> str:
    """The client's file name, reduced to a safe display name (never a path)."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if char.isprintable()).strip().strip(".")
    return name[:MAX_NAME_LENGTH] or "image"
