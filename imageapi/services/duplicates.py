"""Near-duplicates among a user's images: similar images and groups of them.

A fingerprint is near another when their hashes are within the radius (bits,
found through the band indexes) and their colour grids within
``COLOUR_TOLERANCE``: the colour check keeps pictures that share a layout in
grey but not their colours apart (docs/processing.md, "Near-duplicates").
Pairs within ``DEFAULT_MAX_DISTANCE`` are recorded when the newer image is
fingerprinted (upload or backfill), at most ``MAX_PAIRS_PER_IMAGE`` of the
nearest; groups are their connected components.
"""

from __future__ import annotations

from dataclasses import dataclass

from imageapi.db.uow import Database
from imageapi.db.uow import UnitOfWork
from imageapi.domain import Image
from imageapi.errors import InvalidParameter
from imageapi.processing.fingerprint import COLOUR_TOLERANCE
from imageapi.processing.fingerprint import Fingerprint
from imageapi.processing.fingerprint import colour_distance
from imageapi.processing.hamming_index import band_values
from imageapi.processing.hamming_index import hamming
from imageapi.processing.hamming_index import probes
from imageapi.services.cursors import Cursors

# Pairs recorded for a new image: its nearest. Linking to a handful is enough
# to join it to its group (groups are connected components), and a user who
# uploads the same photo hundreds of times would otherwise add a pair per
# earlier copy at every upload: work and rows growing with the square.
MAX_PAIRS_PER_IMAGE = 32


@dataclass(frozen=True)
class Near:
    image_id: str
    distance: int  # bits between the hashes


@dataclass(frozen=True)
class SimilarImage:
    image: Image
    distance: int


@dataclass(frozen=True)
class SimilarPage:
    items: list[SimilarImage]
    next_cursor: str | None


@dataclass(frozen=True)
class DuplicateGroupPage:
    items: list[list[Image]]  # each group oldest first
    next_cursor: str | None


def near_duplicates(
    uow: UnitOfWork,
    user_id: str,
    print_: Fingerprint,
    radius: int,
    *,
    exclude_id: str | None = None,
    limit: int | None = None,
) -> list[Near]:
    """The user's images near ``print_``, nearest first (ties by id); only the
    ``limit`` nearest if given."""
    within = []
    candidates = uow.duplicates.candidates(user_id, probes(print_.hash64, radius))
    for image_id, data in candidates:
        if image_id == exclude_id or data is None:
            continue
        # The hash first, straight from the stored bytes: most candidates
        # fail it, and building a Fingerprint for each would cost more.
        bits = hamming(print_.hash64, int.from_bytes(data[1:9], "big"))
        if bits <= radius:
            within.append((bits, image_id, data))
    within.sort(key=lambda candidate: candidate[:2])
    found: list[Near] = []
    for bits, image_id, data in within:
        if colour_distance(print_, Fingerprint.from_bytes(data)) <= COLOUR_TOLERANCE:
            found.append(Near(image_id, bits))
            if len(found) == limit:
                break
    return found


def index_columns(print_: Fingerprint) -> dict[str, object]:
    """The image row's fingerprint columns."""
    bands = band_values(print_.hash64)
    return {"fingerprint": print_.to_bytes()} | {
        f"band{band}": value for band, value in enumerate(bands)
    }


class DuplicateService:
    def __init__(self, db: Database, cursors: Cursors) -> None:
        self._db = db
        self._cursors = cursors

    def similar(
        self,
        user_id: str,
        image_id: str,
        max_distance: int,
        limit: int,
        cursor: str | None,
    ) -> SimilarPage:
        """The user's other images within ``max_distance`` bits of this one,
        nearest first; none while the image has no fingerprint yet.

        Raises:
            ImageNotFound: no such image among the user's.
        """
        after = None
        if cursor:
            query_id, *after = self._cursors.decode_values(cursor, str, int, str)
            if query_id != image_id:
                raise InvalidParameter(
                    "Query parameter 'cursor' belongs to another image's list."
                )
        with self._db.read() as uow:
            image = uow.images.get(user_id, image_id, with_tags=False)
            if image.fingerprint is None:
                return SimilarPage(items=[], next_cursor=None)
            print_ = Fingerprint.from_bytes(image.fingerprint)
            near = near_duplicates(
                uow, user_id, print_, max_distance, exclude_id=image_id
            )
            if after is not None:
                position = tuple(after)
                near = [n for n in near if (n.distance, n.image_id) > position]
            page = near[:limit]
            rows = uow.duplicates.images(user_id, (n.image_id for n in page))
            items = [
                SimilarImage(rows[n.image_id].to_domain(), n.distance)
                for n in page
                if n.image_id in rows
            ]
        next_cursor = None
        if len(near) > limit:
            last = page[-1]
            next_cursor = self._cursors.encode_values(
                image_id, last.distance, last.image_id
            )
        return SimilarPage(items=items, next_cursor=next_cursor)

    def groups(
        self, user_id: str, limit: int, cursor: str | None
    ) -> DuplicateGroupPage:
        """The user's groups of near-duplicates, largest first (ties by the
        smallest id in the group); each group holds at least two images."""
        after = self._cursors.decode_values(cursor, int, str) if cursor else None
        with self._db.read() as uow:
            groups = connected_components(uow.duplicates.pairs_of(user_id))
            keyed = sorted(((-len(group), min(group)), group) for group in groups)
            if after is not None:
                size, first = after
                keyed = [item for item in keyed if item[0] > (-size, first)]
            page = [group for _, group in keyed[:limit]]
            rows = uow.duplicates.images(
                user_id, (image_id for group in page for image_id in group)
            )
            items = [
                sorted(
                    (rows[image_id].to_domain() for image_id in group),
                    key=lambda image: (image.created_at, image.id),
                )
                for group in page
            ]
        next_cursor = None
        if len(keyed) > limit:
            (negative_size, first), _ = keyed[limit - 1]
            next_cursor = self._cursors.encode_values(-negative_size, first)
        return DuplicateGroupPage(items=items, next_cursor=next_cursor)


def connected_components(pairs: list[tuple[str, str]]) -> list[list[str]]:
    """Union-find over the pairs: each component's members, at least two."""
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]  # path halving
            node = parent[node]
        return node

    for first, second in pairs:
        parent[root(first)] = root(second)
    components: dict[str, list[str]] = {}
    for node in list(parent):
        components.setdefault(root(node), []).append(node)
    return list(components.values())
