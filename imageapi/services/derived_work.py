"""What an upload leaves to its job: near-duplicate pairs and render files.

Until the job has run, the image is complete but plain: renders read the
original (or HEIC's render source), and near-duplicate pairs with it are not
recorded yet. The job's last transaction records both and deletes the job.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from imageapi import malloc
from imageapi.db.repositories.jobs import ClaimedJob
from imageapi.db.uow import Database
from imageapi.db.uow import UnitOfWork
from imageapi.domain import Image
from imageapi.priority import lower_thread_priority
from imageapi.processing.analysis import make_pyramid
from imageapi.processing.analysis import needs_pyramid
from imageapi.processing.fingerprint import DEFAULT_MAX_DISTANCE
from imageapi.processing.fingerprint import Fingerprint
from imageapi.services.duplicates import MAX_PAIRS_PER_IMAGE
from imageapi.services.duplicates import Near
from imageapi.services.duplicates import near_duplicates
from imageapi.services.image_facts import ImageFacts
from imageapi.services.uploads import SPOOL_PREFIX
from imageapi.storage.base import Storage

log = logging.getLogger(__name__)


class DerivedWork:
    def __init__(
        self,
        db: Database,
        storage: Storage,
        work_dir: Path,
        pyramid_max_side: int,
        facts: ImageFacts,
        parallel: int = 1,
    ) -> None:
        self._db = db
        self._storage = storage
        self._work_dir = work_dir
        self._pyramid_max_side = pyramid_max_side
        self._facts = facts
        # The decoding and encoding run at the lowest CPU priority, in threads
        # of their own; the rest of a job (its transactions) runs in the
        # caller's thread at normal priority: a niced thread holding the
        # database's write lock on a busy machine would make every upload
        # wait for it to be scheduled.
        self._niced = ThreadPoolExecutor(
            max_workers=parallel,
            thread_name_prefix="derived-work",
            initializer=lower_thread_priority,
            initargs=("derived work",),
        )

    def run(self, job: ClaimedJob, finish: Callable[[UnitOfWork], None]) -> None:
        with self._db.read() as uow:
            row = uow.images.find(job.image_id)
            if row is None:
                return  # deleted meanwhile: its job went with it (cascade)
            image = row.to_domain(with_tags=False)
            # Outside the write lock: other uploads go on meanwhile.
            near = self._near_duplicates(uow, image)
        levels: list[dict[str, object]] | None = None  # None: none owed
        if self.owes_render_files(image):
            source_key = image.render_source_key or image.storage_key
            with self._storage.as_file(source_key) as source:
                levels = self._niced.submit(
                    self.make_render_files, image, source
                ).result()
            malloc.give_back_free_memory()
        with self._db.write() as uow:
            # Under the user's lock, so two near uploads whose jobs run at
            # once record one pair between them, not one each way.
            uow.users.get_for_update(image.user_id)
            if uow.images.find(image.id) is None:
                # Deleted while we worked.
                self._remove([level["key"] for level in levels or ()])
                return
            if levels is not None:
                uow.images.set_columns(image.id, pyramid=levels or None)
            unpaired = uow.duplicates.unpaired_among(
                image.user_id, image.id, (n.image_id for n in near)
            )
            uow.duplicates.add_pairs(
                image.user_id,
                image.id,
                ((n.image_id, n.distance) for n in near if n.image_id in unpaired),
            )
            finish(uow)
            uow.commit()
        self._facts.forget(image.id)  # this worker may have kept it without copy

    def owes_render_files(self, image: Image) -> bool:
        """Whether ``make_render_files`` has anything to make (saves fetching
        the original from remote storage for small images)."""
        return needs_pyramid(
            image.width, image.height, image.pages, self._pyramid_max_side
        )

    def make_render_files(
        self, image: Image, original_path: Path
    ) -> list[dict[str, object]]:
        """Store the files renders read besides the original, the pyramid's
        levels; the row's ``pyramid`` column value for them."""
        self._work_dir.mkdir(parents=True, exist_ok=True)
        level_dir = Path(tempfile.mkdtemp(dir=self._work_dir, prefix=SPOOL_PREFIX))
        stored: list[str] = []
        try:
            pyramid = make_pyramid(original_path, level_dir, self._pyramid_max_side)
            levels = []
            for level in pyramid.levels:
                key = pyramid_key(image.id, level.longest)
                self._storage.put_file(key, level_dir / str(level.longest))
                stored.append(key)
                levels.append(
                    {
                        "key": key,
                        "width": level.width,
                        "height": level.height,
                        "format": level.format,
                    }
                )
        except BaseException:
            self._remove(stored)
            raise
        finally:
            shutil.rmtree(level_dir, ignore_errors=True)
        return levels

    @staticmethod
    def _near_duplicates(uow: UnitOfWork, image: Image) -> list[Near]:
        if image.fingerprint is None:
            return []
        print_ = Fingerprint.from_bytes(image.fingerprint)
        return near_duplicates(
            uow,
            image.user_id,
            print_,
            DEFAULT_MAX_DISTANCE,
            exclude_id=image.id,
            limit=MAX_PAIRS_PER_IMAGE,
        )

    def _remove(self, keys: list[str]) -> None:
        for key in keys:
            try:
                self._storage.delete(key)
            except Exception:  # a leftover is harmless; fsck finds it
                log.exception("could not delete stored object %s", key)


def pyramid_key(image_id: str, longest_side: int) -> str:
    """Where an image's pyramid level of that size is stored."""
    return f"pyramid/{image_id}/{longest_side}"
