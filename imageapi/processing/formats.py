"""Output formats: content types, capabilities, default qualities, negotiation."""

from __future__ import annotations

OUTPUT_FORMATS = ("jpeg", "png", "webp", "avif", "gif", "tiff")
CONTENT_TYPES = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "avif": "image/avif",
    "gif": "image/gif",
    "tiff": "image/tiff",
}
# ``quality`` means something only for these; the others are encoded losslessly
# (png, tiff) or by palette (gif).
# The usual file name extension of each output format.
EXTENSIONS = {name: f".{name.replace('jpeg', 'jpg')}" for name in OUTPUT_FORMATS}
LOSSY = frozenset({"jpeg", "webp", "avif"})
WITH_ALPHA = frozenset({"png", "webp", "avif", "gif", "tiff"})
ANIMATED = frozenset({"gif", "webp"})
DEFAULT_QUALITIES = {"jpeg": 82, "webp": 80, "avif": 55}
# libwebp's effort (its "method", 0-6) for derivatives. Measured on six
# pictures at 800 px (benchmarks/encode_effort.py): 4, libvips' default, takes
# 21-33 ms per encode against 9-14 ms at 2; at 2 the file is 1-5 % larger at
# the same quality setting and scores up to 0.005 lower SSIM, and to reach
# 4's SSIM it needs 1.2-2x the bytes (effort 3: as slow as 4, as small). A
# derivative is encoded once and sent many times, so 4, as libvips, sharp,
# imgproxy and thumbor's Pillow do; processing.webp_effort=2 halves the
# encode where CPU is dearer than bytes.
DEFAULT_WEBP_EFFORT = 4
# format=auto: the first of these the client lists explicitly wins. GIF sources
# skip AVIF because libvips cannot write animated AVIF, and WebP keeps frames.
AUTO_PREFERENCE = ("avif", "webp")
AUTO_PREFERENCE_FOR_GIF = ("webp",)


def default_format(source_format: str) -> str:
    """The output format when none is asked for: the source's, if we can write it.

    HEIC is the one input libvips cannot write here, so it becomes JPEG.
    """
    return source_format if source_format in OUTPUT_FORMATS else "jpeg"


def negotiate(accept: str, source_format: str) -> str:
    """The best format the ``Accept`` header lists explicitly, else the default.

    Only explicit ``image/avif`` or ``image/webp`` entries with q > 0 count:
    ``image/*`` and ``*/*`` are sent by browsers that cannot decode either.
    """
    accepted = _explicit_types(accept)
    preference = AUTO_PREFERENCE_FOR_GIF if source_format == "gif" else AUTO_PREFERENCE
    for candidate in preference:
        if CONTENT_TYPES[candidate] in accepted:
            return candidate
    return default_format(source_format)


def _explicit_types(accept: str) -> set[str]:
    types = set()
    for entry in accept.split(","):
        media_type, *params = (part.strip() for part in entry.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media_type and quality > 0:
            types.add(media_type.lower())
    return types
