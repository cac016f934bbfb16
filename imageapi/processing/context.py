"""The state one render passes from step to step."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyvips

from imageapi.processing.deadline import Deadline
from imageapi.processing.geometry import Plan
from imageapi.processing.options import RenditionOptions


@dataclass
class Context:
    source: Path
    options: RenditionOptions
    # The original's upright size when the source is a reduced copy of it (a
    # pyramid level): sizes and crops are in original pixels.
    original: tuple[int, int] | None
    deadline: Deadline
    source_scale: float = 1.0  # source pixels per original pixel (load sets it)
    image: pyvips.Image | None = None
    plan: Plan | None = None
    # Loaded pixels per original pixel; crop coordinates are multiplied by it.
    loaded_scale: float = 1.0
    resized: bool = False  # the loader already resized (shrink-on-load)
    animated: bool = False  # all frames are loaded and will be written
    data: bytes = b""

    @property
    def current(self) -> pyvips.Image:
        assert self.image is not None, "the load step runs first"
        return self.image
