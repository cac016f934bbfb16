"""Fingerprints for images stored before uploads computed them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from imageapi.db.uow import Database
from imageapi.errors import UnsupportedImage
from imageapi.processing.fingerprint import DEFAULT_MAX_DISTANCE
from imageapi.processing.fingerprint import Fingerprint
from imageapi.processing.fingerprint import fingerprint_file
from imageapi.services.duplicates import MAX_PAIRS_PER_IMAGE
from imageapi.services.duplicates import index_columns
from imageapi.services.duplicates import near_duplicates
from imageapi.storage.base import ObjectNotFound
from imageapi.storage.base import Storage

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 200


@dataclass(frozen=True)
class BackfillResult:
    fingerprinted: int
    failed: int  # could not be read or decoded; left without one


@dataclass(frozen=True)
class _Pending:
    id: str
    user_id: str
    source_key: str


class FingerprintBackfill:
    """Fingerprints every image without one, batch by batch, and records the
    near-duplicate pairs each makes with the images fingerprinted before it.

    Idempotent: only images without a fingerprint are read, so a second run
    (or one after an interruption) picks up where the last one stopped.
    """

    def __init__(
        self, db: Database, storage: Storage, batch_size: int = DEFAULT_BATCH_SIZE
    ) -> None:
        self._db = db
        self._storage = storage
        self._batch_size = batch_size

    def pending(self) -> int:
        with self._db.read() as uow:
            return uow.duplicates.count_without_fingerprint()

    def run(
        self, progress: Callable[[int], None] = lambda done: None
    ) -> BackfillResult:
        """``progress`` is called after each batch with the images done so far."""
        after, done, failed = None, 0, 0
        while True:
            with self._db.read() as uow:
                batch = [
                    _Pending(
                        row.id,
                        row.user_id,
                        # The smallest upright copy there is: the smallest
                        # pyramid level (or an older image's working copy).
                        (row.pyramid[-1]["key"] if row.pyramid else None)
                        or row.working_copy_key
                        or row.render_source_key
                        or row.storage_key,
                    )
                    for row in uow.duplicates.without_fingerprint(
                        after, self._batch_size
                    )
                ]
            if not batch:
                return BackfillResult(fingerprinted=done - failed, failed=failed)
            computed = [(image, self._fingerprint(image)) for image in batch]
            with self._db.write() as uow:
                for image, print_ in computed:
                    if print_ is None:
                        continue
                    near = near_duplicates(
                        uow,
                        image.user_id,
                        print_,
                        DEFAULT_MAX_DISTANCE,
                        limit=MAX_PAIRS_PER_IMAGE,
                    )
                    if uow.duplicates.set_fingerprint(image.id, index_columns(print_)):
                        uow.duplicates.add_pairs(
                            image.user_id,
                            image.id,
                            ((n.image_id, n.distance) for n in near),
                        )
                uow.commit()
            failed += sum(print_ is None for _, print_ in computed)
            done += len(batch)
            after = batch[-1].id
            progress(done)

    def _fingerprint(self, image: _Pending) -> Fingerprint | None:
        try:
            with self._storage.as_file(image.source_key) as path:
                return fingerprint_file(str(path))
        except (ObjectNotFound, UnsupportedImage):
            log.warning("cannot fingerprint image %s (%s)", image.id, image.source_key)
            return None
