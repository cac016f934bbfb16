"""Process-wide libvips settings: which loaders may run, cache and threads."""

from __future__ import annotations

import pyvips

# Only these decoders ever see uploaded bytes. Everything else libvips can
# load (SVG, CSV, matrix, raw, vips, ...) is blocked: fewer parsers, less
# attack surface, and nothing that can read other files or run scripts.
ALLOWED_LOADER_CLASSES = (
    "VipsForeignLoadJpeg",
    "VipsForeignLoadPng",
    "VipsForeignLoadWebp",
    "VipsForeignLoadNsgif",
    "VipsForeignLoadTiff",
    # AVIF pixels, and HEIC headers only: processing/heif.py decodes HEIC
    # pixels with pillow-heif, and renders read its JPEG or WebP output.
    "VipsForeignLoadHeif",
)


def configure_libvips(*, cache_max_operations: int, concurrency: int) -> None:
    """Apply limits once per process, before the first image is opened."""
    pyvips.operation_block_set("VipsForeignLoad", True)
    for loader in ALLOWED_LOADER_CLASSES:
        pyvips.operation_block_set(loader, False)
    pyvips.cache_set_max(cache_max_operations)
    pyvips.cache_set_max_mem(64 * 1024 * 1024)
    pyvips.concurrency_set(concurrency)
