"""Do the rows and the stored objects agree? Find, and optionally fix, drift.

Writers keep them in step (objects before rows on upload, rows before
objects on delete), so drift comes from crashes and from hands in the data
folder: objects without rows, rows without objects, cached derivatives
nobody indexes, and temporary files of interrupted writes. Anything younger
than ``grace_seconds`` is left alone: on a running server it may belong to a
write in progress.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from imageapi.db.repositories.jobs import ClaimedJob
from imageapi.db.uow import Database
from imageapi.storage.base import Storage

# Key prefixes and the rows that own them (see ImageService._new_image);
# "working/" holds the single reduced copy of images stored before pyramids.
IMAGE_PREFIXES = ("originals/", "pyramid/", "working/", "sources/")
DERIVATIVE_PREFIX = "derivatives/"
READINESS_PREFIX = "readiness/"


@dataclass(frozen=True)
class Problem:
    kind: str
    subject: str
    repaired: bool = False

    def __str__(self) -> str:
        state = "repaired" if self.repaired else "remains"
        return f"{self.kind}: {self.subject} ({state})"


@dataclass
class IntegrityReport:
    objects_checked: int = 0
    problems: list[Problem] = field(default_factory=list)
    # Upload jobs not done yet (not problems: a running server does them).
    unfinished_jobs: list[ClaimedJob] = field(default_factory=list)

    @property
    def remaining(self) -> list[Problem]:
        return [problem for problem in self.problems if not problem.repaired]


class IntegrityService:
    def __init__(
        self,
        db: Database,
        storage: Storage,
        upload_dir: Path,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = db
        self._storage = storage
        self._upload_dir = upload_dir
        self._clock = clock

    def check(
        self,
        *,
        repair: bool = False,
        grace_seconds: float = 3600,
        progress: Callable[[str], None] = lambda key: None,
    ) -> IntegrityReport:
        """Compare objects with rows; with ``repair``, fix what can be fixed.

        Fixed: stray objects, orphan derivatives and temporary files are
        deleted, derivative rows without their object are dropped (the next
        request renders again). Reported only: images whose own objects are
        gone, since nothing can bring the bytes back.
        """
        report = IntegrityReport()
        cutoff = self._clock() - grace_seconds
        # Objects first: an image stored after this listing is not in it, so
        # its new row is never taken for one without objects.
        listed = list(self._storage.list_objects())
        with self._db.read() as uow:
            images = uow.images.object_keys()
            derivatives = uow.derivatives.all_keys()
            report.unfinished_jobs = uow.jobs.unfinished()
        stored = {item.key for item in listed}
        image_keys = {key for _, keys in images for key in keys}
        derivative_keys = {key for _, key in derivatives}

        for item in listed:
            progress(item.key)
            report.objects_checked += 1
            if item.modified > cutoff:
                continue
            kind = self._stray_kind(item.key, image_keys, derivative_keys)
            if kind is not None:
                report.problems.append(
                    self._fix(kind, item.key, repair, self._storage.delete)
                )

        for image_id, keys in images:
            for key in keys:
                if key not in stored:
                    report.problems.append(
                        Problem("image without its object", f"{image_id} ({key})")
                    )

        missing = [(id_, key) for id_, key in derivatives if key not in stored]
        for _, key in missing:
            report.problems.append(
                Problem("derivative row without its object", key, repaired=repair)
            )
        if repair and missing:
            with self._db.write() as uow:
                uow.derivatives.delete_ids(
                    [derivative_id for derivative_id, _ in missing]
                )
                uow.commit()

        for path in self._temporary_files(cutoff):
            report.problems.append(
                self._fix("temporary file", str(path), repair, _unlink)
            )
        return report

    @staticmethod
    def _stray_kind(
        key: str, image_keys: set[str], derivative_keys: set[str]
    ) -> str | None:
        if key.startswith(IMAGE_PREFIXES):
            return None if key in image_keys else "object without an image"
        if key.startswith(DERIVATIVE_PREFIX):
            return None if key in derivative_keys else "orphan derivative"
        if key.startswith(READINESS_PREFIX):
            return "leftover readiness probe"
        return "object imageapi did not write"

    @staticmethod
    def _fix(
        kind: str, subject: str, repair: bool, remove: Callable[[str], None]
    ) -> Problem:
        if not repair or kind == "object imageapi did not write":
            return Problem(kind, subject)
        remove(subject)
        return Problem(kind, subject, repaired=True)

    def _temporary_files(self, cutoff: float) -> Iterable[Path]:
        spooled = self._upload_dir.glob("*") if self._upload_dir.is_dir() else ()
        for path in [*self._storage.temporary_files(), *spooled]:
            try:
                if path.stat().st_mtime <= cutoff:  # a file, or a job's levels
                    yield path
            except FileNotFoundError:
                continue  # finished meanwhile


def _unlink(path: str) -> None:
    if Path(path).is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        Path(path).unlink(missing_ok=True)
