"""Fingerprints on images and the pairs of near-duplicates found between them.

The radius query is multi-index hashing (processing/hamming_index.py): every
row sharing a band value with one of the probe lists is a candidate, read
through the four ``(user_id, bandN)`` indexes; the caller checks candidates
exactly.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from sqlalchemy import ARRAY
from sqlalchemy import Integer
from sqlalchemy import Select
from sqlalchemy import any_
from sqlalchemy import bindparam
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session as DbSession

from imageapi.db.models import Image
from imageapi.db.models import ImageDuplicate

BAND_COLUMNS = tuple(Image.__table__.c[f"band{band}"] for band in range(4))


class DuplicateRepository:
    def __init__(self, session: DbSession) -> None:
        self._session = session

    def candidates(
        self, user_id: str, band_probes: list[list[int]]
    ) -> list[tuple[str, bytes]]:
        """(id, fingerprint) of the user's images with a band value among the
        probes of that band (``hamming_index.probes``)."""
        dialect = self._session.get_bind().dialect.name
        bands = tuple(band for band, values in enumerate(band_probes) if values)
        parameters: dict[str, object] = {"user_id": user_id}
        for band in bands:
            parameters[f"probes{band}"] = band_probes[band]
        # Core, not ORM rows: a query reads ~1,700 candidates at 100,000 images.
        connection = self._session.connection()
        return connection.execute(_radius_query(dialect, bands), parameters).all()

    def set_fingerprint(self, image_id: str, columns: dict[str, object]) -> bool:
        """Store an image's fingerprint columns; False if the image is gone."""
        result = self._session.execute(
            update(Image).where(Image.id == image_id).values(**columns)
        )
        return result.rowcount > 0

    def add_pairs(
        self, user_id: str, image_id: str, others: Iterable[tuple[str, int]]
    ) -> None:
        """Record ``image_id`` as a near-duplicate of each (other id, distance)."""
        rows = [
            {
                "image_id": image_id,
                "other_id": other_id,
                "user_id": user_id,
                "distance": distance,
            }
            for other_id, distance in others
        ]
        if rows:
            self._session.execute(insert(ImageDuplicate), rows)

    def unpaired_among(
        self, user_id: str, image_id: str, other_ids: Iterable[str]
    ) -> set[str]:
        """Those of ``other_ids`` that still exist and have no pair with the
        image yet, in either direction."""
        paired = select(ImageDuplicate.other_id).where(
            ImageDuplicate.image_id == image_id
        )
        paired_back = select(ImageDuplicate.image_id).where(
            ImageDuplicate.other_id == image_id
        )
        query = select(Image.id).where(
            Image.user_id == user_id,
            Image.id.in_(list(other_ids)),
            Image.id.not_in(paired),
            Image.id.not_in(paired_back),
        )
        return set(self._session.scalars(query))

    def pairs_of(self, user_id: str) -> list[tuple[str, str]]:
        query = select(ImageDuplicate.image_id, ImageDuplicate.other_id).where(
            ImageDuplicate.user_id == user_id
        )
        return [(first, second) for first, second in self._session.execute(query)]

    def images(self, user_id: str, image_ids: Iterable[str]) -> dict[str, Image]:
        """The user's images among ``image_ids``, with their tags, by id."""
        query = select(Image).where(
            Image.user_id == user_id, Image.id.in_(list(image_ids))
        )
        return {image.id: image for image in self._session.scalars(query)}

    def without_fingerprint(self, after: str | None, limit: int) -> list[Image]:
        """Images of every user still without a fingerprint, by id after ``after``."""
        query = select(Image).where(Image.fingerprint.is_(None))
        if after is not None:
            query = query.where(Image.id > after)
        return list(self._session.scalars(query.order_by(Image.id).limit(limit)))

    def count_without_fingerprint(self) -> int:
        query = select(func.count()).select_from(Image)
        return self._session.scalar(query.where(Image.fingerprint.is_(None))) or 0


@functools.cache
def _radius_query(dialect: str, bands: tuple[int, ...]) -> Select:
    """The statement for these bands, built once: its values are parameters."""
    conditions = []
    for band in bands:
        column = BAND_COLUMNS[band]
        if dialect == "postgresql":
            # One array parameter per band: the plan is a BitmapOr of the four
            # index scans, whatever the number of probes.
            parameter = bindparam(f"probes{band}", type_=ARRAY(Integer))
            conditions.append(column == any_(parameter))
        else:  # SQLite: a MULTI-INDEX OR of IN lists
            conditions.append(column.in_(bindparam(f"probes{band}", expanding=True)))
    table = Image.__table__
    return select(table.c.id, table.c.fingerprint).where(
        table.c.user_id == bindparam("user_id"), or_(*conditions)
    )
