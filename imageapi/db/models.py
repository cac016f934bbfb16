"""ORM models. Tables are plural snake_case; classes singular."""

from __future__ import annotations

from datetime import date
from datetime import datetime

from sqlalchemy import JSON
from sqlalchemy import BigInteger
from sqlalchemy import Boolean
from sqlalchemy import Date
from sqlalchemy import Double
from sqlalchemy import Float
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import LargeBinary
from sqlalchemy import Row
from sqlalchemy import String
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from imageapi import domain
from imageapi.db.base import Base
from imageapi.db.base import UTCDateTime
from imageapi.db.base import utcnow

ID_LENGTH = 32


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    # Lower-cased copy that carries the uniqueness rule: emails are one account
    # whatever their case.
    email_key: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default="user")
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Per-user quota overrides: None means the configured default, 0 unlimited.
    max_storage_bytes: Mapped[int | None] = mapped_column(BigInteger, default=None)
    max_images: Mapped[int | None] = mapped_column(Integer, default=None)
    max_uploads_per_day: Mapped[int | None] = mapped_column(Integer, default=None)
    # Part of the key that signs the user's public URLs (see auth/signing.py):
    # raising it revokes every URL signed before.
    signing_key_generation: Mapped[int] = mapped_column(
        Integer, default=0, server_default="0"
    )

    def to_domain(self) -> domain.User:
        return User.domain_from(self)

    @staticmethod
    def domain_from(row: User | Row) -> domain.User:
        """From a loaded user, or a result row with the user's columns."""
        return domain.User(
            id=row.id,
            email=row.email,
            role=row.role,
            disabled=row.disabled,
            created_at=row.created_at,
            max_storage_bytes=row.max_storage_bytes,
            max_images=row.max_images,
            max_uploads_per_day=row.max_uploads_per_day,
            signing_key_generation=row.signing_key_generation,
        )


class Session(Base):
    """A login session; only the SHA-256 of its token is stored."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    user: Mapped[User] = relationship(lazy="joined")


class Identity(Base):
    """A user's account at an OpenID Connect provider: the issuer and its ``sub``.

    Accounts are found by these two, never by e-mail: an e-mail can change or be
    reused at the provider, ``sub`` is stable for the issuer.
    """

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")


class Image(Base):
    __tablename__ = "images"
    __table_args__ = (
        Index("ix_images_user_created", "user_id", "created_at", "id"),
        Index("ix_images_user_taken", "user_id", "taken_at"),
        # Multi-index hashing (processing/hamming_index.py): one index per band.
        *(
            Index(f"ix_images_user_band{band}", "user_id", f"band{band}")
            for band in range(4)
        ),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(16))
    size: Mapped[int] = mapped_column(BigInteger)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What the upload analysis found (migration 0003). Rows uploaded before it
    # keep the defaults: no blurhash, no EXIF, no working copy.
    pages: Mapped[int] = mapped_column(Integer, default=1)
    has_alpha: Mapped[bool | None] = mapped_column(Boolean, default=None)
    orientation: Mapped[int] = mapped_column(Integer, default=1)
    colour_space: Mapped[str | None] = mapped_column(String(32), default=None)
    camera_make: Mapped[str | None] = mapped_column(String(255), default=None)
    camera_model: Mapped[str | None] = mapped_column(String(255), default=None)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    latitude: Mapped[float | None] = mapped_column(Float, default=None)
    longitude: Mapped[float | None] = mapped_column(Float, default=None)
    blurhash: Mapped[str | None] = mapped_column(String(64), default=None)
    # The reduced copies rendered from (migration 0009): a list of
    # {"key", "width", "height", "format"}, largest first; None for images
    # stored before, which may have the single working copy below instead
    # (read as a one-level pyramid; nothing writes it any more).
    pyramid: Mapped[list[dict] | None] = mapped_column(JSON, default=None)
    working_copy_key: Mapped[str | None] = mapped_column(String(255), default=None)
    working_copy_width: Mapped[int | None] = mapped_column(Integer, default=None)
    working_copy_height: Mapped[int | None] = mapped_column(Integer, default=None)
    # Originals libvips cannot decode (HEIC) are rendered from this full-size,
    # upright copy it can (migration 0004); None for every other format.
    render_source_key: Mapped[str | None] = mapped_column(String(255), default=None)
    # The near-duplicate fingerprint (Fingerprint.to_bytes()) and its hash cut
    # into four 16-bit bands, each indexed (migration 0006). None until the
    # upload analysis or ``imageapi fingerprints backfill`` computes it.
    fingerprint: Mapped[bytes | None] = mapped_column(LargeBinary(36), default=None)
    band0: Mapped[int | None] = mapped_column(Integer, default=None)
    band1: Mapped[int | None] = mapped_column(Integer, default=None)
    band2: Mapped[int | None] = mapped_column(Integer, default=None)
    band3: Mapped[int | None] = mapped_column(Integer, default=None)

    tag_links: Mapped[list[ImageTag]] = relationship(
        back_populates="image",
        cascade="all, delete-orphan",
        order_by="ImageTag.position",
        lazy="selectin",
    )

    @property
    def tags(self) -> list[str]:
        return [link.tag.name for link in self.tag_links]

    def to_domain(self, *, with_tags: bool = True) -> domain.Image:
        """``with_tags=False`` for rows read without their tags (see
        ``ImageRepository.get``): the domain image then has none."""
        return domain.Image(
            id=self.id,
            user_id=self.user_id,
            name=self.name,
            content_type=self.content_type,
            format=self.format,
            size=self.size,
            width=self.width,
            height=self.height,
            sha256=self.sha256,
            storage_key=self.storage_key,
            created_at=self.created_at,
            pages=self.pages,
            has_alpha=self.has_alpha,
            orientation=self.orientation,
            colour_space=self.colour_space,
            camera_make=self.camera_make,
            camera_model=self.camera_model,
            taken_at=self.taken_at,
            latitude=self.latitude,
            longitude=self.longitude,
            blurhash=self.blurhash,
            pyramid=self.pyramid_levels(),
            render_source_key=self.render_source_key,
            tags=tuple(self.tags) if with_tags else (),
            fingerprint=self.fingerprint,
        )

    def pyramid_levels(self) -> tuple[domain.PyramidLevel, ...]:
        if self.pyramid is not None:
            return tuple(domain.PyramidLevel(**level) for level in self.pyramid)
        if self.working_copy_key and self.working_copy_width:
            return (
                domain.PyramidLevel(
                    key=self.working_copy_key,
                    width=self.working_copy_width,
                    height=self.working_copy_height or 0,
                    format="webp" if self.has_alpha else "jpeg",
                ),
            )
        return ()

    def object_keys(self) -> list[str]:
        """Every stored object of the image: original, render source, levels."""
        return image_object_keys(
            self.storage_key,
            self.render_source_key,
            self.working_copy_key,
            self.pyramid,
        )


def image_object_keys(
    storage_key: str,
    render_source_key: str | None,
    working_copy_key: str | None,
    pyramid: list[dict] | None,
) -> list[str]:
    """The keys of an image's stored objects, from its columns."""
    keys = [storage_key, render_source_key, working_copy_key]
    keys += [level["key"] for level in pyramid or ()]
    return [key for key in keys if key]


class ImageDuplicate(Base):
    """Two of a user's images that are near-duplicates, found by the lookup
    of ``image_id`` (its upload's job, or the backfill): usually the newer.
    One pair per two images; either image's deletion removes it."""

    __tablename__ = "image_duplicates"
    __table_args__ = (
        Index("ix_image_duplicates_user", "user_id"),
        Index("ix_image_duplicates_other", "other_id"),
    )

    image_id: Mapped[str] = mapped_column(
        ForeignKey("images.id", ondelete="CASCADE"), primary_key=True
    )
    other_id: Mapped[str] = mapped_column(
        ForeignKey("images.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    distance: Mapped[int] = mapped_column(Integer)


class Tag(Base):
    """A user's tag. ``key`` is the case-folded name that makes it unique."""

    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(64))


class ImageTag(Base):
    __tablename__ = "image_tags"
    __table_args__ = (Index("ix_image_tags_tag", "tag_id", "image_id"),)

    image_id: Mapped[str] = mapped_column(
        ForeignKey("images.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(
        ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True
    )
    # Keeps the order in which tags were given, so lists read back as written.
    position: Mapped[int] = mapped_column(Integer, default=0)

    image: Mapped[Image] = relationship(back_populates="tag_links")
    tag: Mapped[Tag] = relationship(lazy="joined")


class ApiKey(Base):
    """A long-lived credential for programs; only the SHA-256 of the key is kept."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    user: Mapped[User] = relationship(lazy="joined")

    def to_domain(self) -> domain.ApiKey:
        return domain.ApiKey(
            id=self.id,
            user_id=self.user_id,
            name=self.name,
            created_at=self.created_at,
            last_used_at=self.last_used_at,
        )


class UsageCounter(Base):
    """Request counters aggregated per user, UTC day, key, route and status class.

    Workers add to these rows with ``INSERT .. ON CONFLICT DO UPDATE SET n = n +
    excluded.n``, so totals stay exact whatever the number of processes.
    ``api_key_id`` is ``""`` for session requests: a NULL would never conflict.
    """

    __tablename__ = "usage_counters"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    api_key_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    route: Mapped[str] = mapped_column(String(255), primary_key=True)
    status_class: Mapped[str] = mapped_column(String(3), primary_key=True)
    requests: Mapped[int] = mapped_column(BigInteger, default=0)
    bytes_in: Mapped[int] = mapped_column(BigInteger, default=0)
    bytes_out: Mapped[int] = mapped_column(BigInteger, default=0)
    processing_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    derivatives_served: Mapped[int] = mapped_column(BigInteger, default=0)


class RateLimitCounter(Base):
    """One fixed-window counter of the database rate-limit storage."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger)
    # Unix seconds: compared with the clock in SQL on both databases.
    expires_at: Mapped[float] = mapped_column(Double, index=True)


class Derivative(Base):
    """A cached rendition of an image, stored under ``storage_key``.

    ``cache_key`` is ``RenditionOptions.cache_key()``, every field of the
    normalised options with a version prefix: equivalent requests share one
    row. ``last_used_at`` is refreshed at most once a minute, in batches off
    the request path (``services/derivative_uses.py``): hits never read the row.
    """

    __tablename__ = "derivatives"
    __table_args__ = (
        UniqueConstraint("image_id", "cache_key"),
        Index("ix_derivatives_last_used", "last_used_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    image_id: Mapped[str] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"))
    cache_key: Mapped[str] = mapped_column(String(512))
    storage_key: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Invite(Base):
    """A one-time code that lets someone register while registration is
    ``invite``; only the SHA-256 of the code is kept."""

    __tablename__ = "invites"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class Job(Base):
    """Work owed to an image after its upload was answered (the pyramid,
    near-duplicate pairs): written in the upload's transaction, deleted in the
    transaction that records the result, so a crash in between only repeats it.

    A runner owns a job while ``claimed_until`` is in the future; past it (the
    runner died) any runner may claim it again. ``run_after`` holds back a
    job that failed, for a growing pause.
    """

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_runnable", "run_after", "claimed_until"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    # A deleted image takes its jobs with it.
    image_id: Mapped[str] = mapped_column(
        ForeignKey("images.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    run_after: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
