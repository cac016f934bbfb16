"""Domain objects: what services return, plain and immutable.

Services build them from ORM rows inside their unit of work (``to_domain()`` on
each model), so no row leaves ``services/``: nothing outside can lazy-load,
or change a row by accident. Attributes keep the rows' names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class User:
    id: str
    email: str
    role: str  # "user" or "admin"
    disabled: bool
    created_at: datetime
    # The user's own quotas: None means the configured default, 0 unlimited.
    max_storage_bytes: int | None
    max_images: int | None
    max_uploads_per_day: int | None
    # Raised to revoke every public URL the user signed before.
    signing_key_generation: int = 0


@dataclass(frozen=True)
class IdentityProvider:
    """A configured single sign-on provider, as the login page lists it."""

    name: str
    display_name: str


@dataclass(frozen=True)
class Principal:
    """Who a request acts for, and with which credential."""

    user: User
    session_id: int | None = None
    api_key_id: str | None = None


@dataclass(frozen=True)
class ApiKey:
    """An API key as its owner sees it; the key itself is never stored."""

    id: str
    user_id: str
    name: str
    created_at: datetime
    last_used_at: datetime | None


@dataclass(frozen=True)
class PyramidLevel:
    """One reduced, upright copy of an image (see processing/pyramid.py)."""

    key: str  # where storage keeps it
    width: int
    height: int
    format: str  # "jpeg", or "webp" (lossless) with alpha


@dataclass(frozen=True)
class Image:
    """A stored original, what its upload analysis found, and its tags."""

    id: str
    user_id: str
    name: str
    content_type: str
    format: str
    size: int
    width: int
    height: int
    sha256: str
    storage_key: str
    created_at: datetime
    pages: int
    has_alpha: bool | None
    orientation: int
    colour_space: str | None
    camera_make: str | None
    camera_model: str | None
    taken_at: datetime | None
    latitude: float | None
    longitude: float | None
    blurhash: str | None
    # Reduced upright copies kept beside the original, largest first; empty
    # when the original is small (or was stored before they existed).
    pyramid: tuple[PyramidLevel, ...]
    # A full-size decodable copy for formats libvips cannot decode (HEIC).
    render_source_key: str | None
    # In the order they were given. Reads that serve only the bytes (content
    # requests) skip the tag query and leave this empty.
    tags: tuple[str, ...] = ()
    # The near-duplicate fingerprint (36 bytes, see processing/fingerprint.py);
    # None until computed. Not part of any representation.
    fingerprint: bytes | None = None


@dataclass(frozen=True)
class ImageQuery:
    """What a listing asks for; every filter optional."""

    tags: tuple[str, ...] = ()  # compared by tag key (see services/tags.py)
    match_any_tag: bool = False
    created_after: datetime | None = None
    created_before: datetime | None = None
    taken_after: datetime | None = None
    taken_before: datetime | None = None
    format: str | None = None
    name_contains: str | None = None
