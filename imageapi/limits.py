"""Every security and resource limit, declared once.

``Limits`` is the ``limits:`` section of the configuration and the object that
enforcing code takes (``config.limits``). Each limit is one ``limit(...)``
field: its name carries the unit, and the field holds the default, a one-line
description and what a client gets when the limit is exceeded. The settings
table (README), the limits table (docs/security.md, checked by a test) and the
environment variable (``IMAGEAPI_LIMITS_<NAME>``) all follow from that one
entry, so a new limit is a new field here plus the code that enforces it.

Two limits predate this section and keep their keys under ``processing:``
(``timeout_seconds``, ``max_parallel_renders``); they are declared with the same
``limit()`` helper and appear in the same table. Limits that no setting can
change (the largest output side, the multipart allowance) are constants here,
listed in ``FIXED_LIMITS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field
from pydantic.fields import FieldInfo

MIB = 1024 * 1024
# Largest derivative a worker keeps in memory (services/derivative_memory.py):
# larger ones are read from storage on every hit, as a few of them would push
# the small ones that make up most hits out of processing.derivative_memory_bytes.
DERIVATIVE_MEMORY_ENTRY_MAX_BYTES = 256 * 1024
# Widest or tallest rendition, in pixels. Fixed: the rendition parameter table
# (processing/parameters.py), and with it the API document and the preset
# checks, is built without a config.
MAX_OUTPUT_SIDE_PIXELS = 8192
# Room for part headers, boundaries and tags around the image when an upload's
# Content-Length is checked against max_upload_bytes.
MULTIPART_OVERHEAD_BYTES = 64 * 1024
# How much of a body refused from its Content-Length is read and dropped
# before answering 413, so that the client or proxy still sending it gets the
# answer rather than a reset connection (web/multipart.py).
REFUSED_BODY_DRAIN_BYTES = 8 * MIB


def limit(
    default: int | float, description: str, *, exceeded: str, **constraints: Any
) -> Any:
    """A setting that is a limit: ``exceeded`` says what the client then gets."""
    return Field(
        default,
        description=description,
        json_schema_extra={"exceeded": exceeded},
        **constraints,
    )


def exceeded_of(field: FieldInfo) -> str | None:
    """What exceeding a ``limit()`` field does, or None for other settings."""
    extra = field.json_schema_extra
    exceeded = extra.get("exceeded") if isinstance(extra, dict) else None
    return exceeded if isinstance(exceeded, str) else None


@dataclass(frozen=True)
class FixedLimit:
    name: str
    value: int
    description: str
    exceeded: str


FIXED_LIMITS = (
    FixedLimit(
        "max_output_side_pixels",
        MAX_OUTPUT_SIDE_PIXELS,
        "Longest side of a rendition (width, height, or the result of enlarge).",
        "400, naming the parameter",
    ),
    FixedLimit(
        "multipart_overhead_bytes",
        MULTIPART_OVERHEAD_BYTES,
        "Allowance over max_upload_bytes for the rest of an upload form, in bytes.",
        "413, before the body is read, when Content-Length is over "
        "max_upload_bytes plus this",
    ),
    FixedLimit(
        "refused_body_drain_bytes",
        REFUSED_BODY_DRAIN_BYTES,
        "Bytes of a body refused from its Content-Length read and dropped "
        "before the 413 goes out.",
        "413 all the same; past it the connection closes (a client still "
        "sending may see a reset)",
    ),
)


class Limits(BaseModel):
    """The ``limits:`` section; 0 turns off the limits that say so."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_upload_bytes: int = limit(
        50 * MIB,
        "Largest accepted upload, in bytes.",
        exceeded="413: from Content-Length before reading, else as soon as the "
        "streamed body passes it",
        ge=1,
    )
    max_form_parts: int = limit(
        64,
        "Parts in one multipart upload form.",
        exceeded="400 (malformed multipart body)",
        ge=1,
    )
    max_part_header_bytes: int = limit(
        8192,
        "Size of the headers of one multipart part, in bytes.",
        exceeded="400 (malformed multipart body)",
        ge=1,
    )
    max_form_field_bytes: int = limit(
        MIB,
        "Size of a text field of the upload form (tags), in bytes.",
        exceeded="400 (malformed multipart body)",
        ge=1,
    )
    max_pixels: int = limit(
        100_000_000,
        "Largest accepted width x height, checked before decoding.",
        exceeded="422 on upload and on transform, before decoding; every "
        "frame or page counts",
        ge=1,
    )
    max_side_pixels: int = limit(
        0,
        "Widest or tallest accepted image, in pixels; 0 = only max_pixels applies.",
        exceeded="422 on upload, before decoding",
        ge=0,
    )
    max_frames: int = limit(
        1000,
        "Frames or pages of one image (animations, multi-page TIFF); 0 = only "
        "max_pixels applies.",
        exceeded="422 on upload, before decoding",
        ge=0,
    )
    max_request_memory_bytes: int = limit(
        256 * MIB,
        "Memory one request may use, in bytes, estimated before decoding: "
        "uploads that decode whole (progressive JPEG, interlaced PNG, HEIC) and "
        "transforms that hold an image in memory (animations, rotations, "
        "smart crops).",
        exceeded="422 on upload and on transform, before decoding",
        ge=MIB,
    )
    max_user_parallel_renders: int = limit(
        2,
        "Expensive renders (see cheap_render_pixels) one user may have running "
        "at once in one worker process.",
        exceeded="429 with Retry-After once max_user_queued_renders more wait "
        "(until then, renders wait)",
        ge=1,
    )
    max_user_queued_renders: int = limit(
        1,
        "Expensive renders of one user that may wait for a slot in one worker "
        "process; "
        "with max_user_parallel_renders, keep it below the server's threads "
        "per worker so others always find a thread.",
        exceeded="429 with Retry-After, at once",
        ge=0,
    )
    cheap_render_pixels: int = limit(
        16_000_000,
        "Estimated work of a render (pixels decoded plus pixels produced, "
        "these times 1 + blur and sharpen sigma) up to which it is cheap; only "
        "cheap renders may use the last of the max_parallel_renders slots.",
        exceeded="503 if no slot frees up within timeout_seconds (until then, "
        "an expensive render waits for a slot not kept for cheap ones)",
        ge=0,
    )
    max_host_expensive_renders: int = limit(
        0,
        "Expensive renders (see cheap_render_pixels) running at once on this "
        "host, all worker processes together; 0 = half the host's cores, at "
        "least 1.",
        exceeded="503 if none frees up within timeout_seconds (until then, "
        "expensive renders wait)",
        ge=0,
    )
    max_parallel_password_hashes: int = limit(
        1,
        "Password hashes (argon2, memory-hard) computed at once per worker "
        "process, at login and registration.",
        exceeded="429 with Retry-After once max_queued_password_hashes more "
        "wait (until then, logins wait)",
        ge=1,
    )
    max_queued_password_hashes: int = limit(
        1,
        "Logins or registrations that may wait for a hashing slot per worker; "
        "with max_parallel_password_hashes, keep it below the server's threads "
        "per worker so other requests always find a thread.",
        exceeded="429 with Retry-After, at once",
        ge=0,
    )
    max_header_bytes: int = limit(
        32 * 1024,
        "Size of a request's header fields together (names and values), in bytes.",
        exceeded="431, before the request is routed (past about 400 KiB, or "
        "over 100 fields, the HTTP server answers 431 with an empty body)",
        ge=1024,
    )
    max_parallel_body_reads: int = limit(
        64,
        "Request bodies read at once per worker process; the server runs this "
        "many threads per worker on top of the 4 that work, so clients "
        "sending bodies slowly hold only these.",
        exceeded="503 with Retry-After, before the body is read",
        ge=1,
    )
    max_address_body_reads: int = limit(
        16,
        "Request bodies read at once from one client address per worker "
        "process; 0 = only max_parallel_body_reads applies (behind a proxy "
        "that buffers bodies, where every request comes from its address).",
        exceeded="429 with Retry-After, before the body is read",
        ge=0,
    )
    requests_per_minute: int = limit(
        600,
        "Requests per user per minute; 0 turns the limit off.",
        exceeded="429 with Retry-After",
        ge=0,
    )
    login_failures: int = limit(
        10,
        "Failed logins per client IP and email before a lockout; 0 = off.",
        exceeded="429 with Retry-After until the window ends",
        ge=0,
    )
    login_failures_per_address: int = limit(
        30,
        "Failed logins per client IP, whatever the email, before a lockout; 0 = off.",
        exceeded="429 with Retry-After until the window ends",
        ge=0,
    )
    login_failures_per_account: int = limit(
        100,
        "Failed logins per email, from any address, before a lockout; 0 = off.",
        exceeded="429 with Retry-After until the window ends",
        ge=0,
    )
    login_failure_window_seconds: int = Field(
        900, ge=1, description="Window in which failed logins are counted, in seconds."
    )
    key_prefix: str = Field(
        "imageapi",
        min_length=1,
        pattern=r"^[A-Za-z0-9_\-:.]+$",
        description="Prefix of rate-limit counter keys (share one Redis safely).",
    )


@dataclass(frozen=True)
class LimitRow:
    """One line of the limits table in docs/security.md."""

    name: str
    key: str | None  # None: fixed, no setting changes it
    variable: str | None
    default: int | float
    description: str
    exceeded: str


def limit_rows(config_model: type[BaseModel], env_prefix: str) -> list[LimitRow]:
    """Every limit of ``config_model`` (settings) and every fixed one, in order."""
    rows = []
    for section, field in config_model.model_fields.items():
        model = field.annotation
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            continue
        for name, subfield in model.model_fields.items():
            exceeded = exceeded_of(subfield)
            if exceeded is None:
                continue
            rows.append(
                LimitRow(
                    name=name,
                    key=f"{section}.{name}",
                    variable=f"{env_prefix}{section}_{name}".upper(),
                    default=subfield.default,
                    description=subfield.description or "",
                    exceeded=exceeded,
                )
            )
    rows.extend(
        LimitRow(fixed.name, None, None, fixed.value, fixed.description, fixed.exceeded)
        for fixed in FIXED_LIMITS
    )
    return rows
