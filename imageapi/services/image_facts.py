"""A per-worker memory of images' immutable facts, so content hits skip the database.

What the content routes need of an image (owner, format, size, sha256,
dimensions, pyramid levels, name, upload time) never changes once the upload's
job has run, so a worker may keep it from then on. Deletion stays safe
without telling every worker: a deleted image's objects are gone from
storage, and a storage miss makes the caller ask the database again
(``reread``), which then says 404.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from imageapi.db.uow import Database
from imageapi.domain import Image

DEFAULT_CAPACITY = 10_000  # a few MiB per worker


class ImageFacts:
    def __init__(self, db: Database, capacity: int = DEFAULT_CAPACITY) -> None:
        self._db = db
        self._capacity = capacity
        self._images: OrderedDict[str, Image] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, user_id: str, image_id: str) -> Image:
        """The user's image, without tags; from memory when this worker has
        seen it, else from the database.

        Raises:
            ImageNotFound: no such image, or another user's.
        """
        with self._lock:
            image = self._images.get(image_id)
            if image is not None:
                self._images.move_to_end(image_id)
        if image is not None and image.user_id == user_id:
            return image
        return self.reread(user_id, image_id)

    def reread(self, user_id: str, image_id: str) -> Image:
        """Ask the database again (after a storage miss); remember the answer."""
        self.forget(image_id)
        with self._db.read() as uow:
            row = uow.images.get(user_id, image_id, with_tags=False)
            image = row.to_domain(with_tags=False)
            # Its job will add the pyramid: not a fact yet.
            if uow.jobs.pending_for(image_id):
                return image
        with self._lock:
            self._images[image_id] = image
            while len(self._images) > self._capacity:
                self._images.popitem(last=False)
        return image

    def forget(self, image_id: str) -> None:
        with self._lock:
            self._images.pop(image_id, None)
