"""Source images written by the tests, and a one-call render helper."""

from __future__ import annotations

from pathlib import Path

import pytest

from imageapi.config import DEFAULT_PRESETS
from imageapi.processing.options import load_presets
from imageapi.processing.options import parse_options
from imageapi.processing.pipeline import Rendition
from imageapi.processing.pipeline import render
from tests.unit.processing.imaging import photo
from tests.unit.processing.imaging import quadrants

PRESETS = load_presets(DEFAULT_PRESETS)


def render_params(
    source: Path,
    params: dict[str, str],
    *,
    source_format: str = "png",
    accept: str = "",
    timeout_seconds: float = 30,
) -> Rendition:
    options = parse_options(
        params, presets=PRESETS.parameters, accept=accept, source_format=source_format
    )
    assert options is not None
    return render(source, options, timeout_seconds=timeout_seconds)


@pytest.fixture
def quadrants_png(tmp_path: Path) -> Path:
    path = tmp_path / "quadrants.png"
    quadrants(40, 20).pngsave(str(path))
    return path


@pytest.fixture
def photo_jpeg(tmp_path: Path) -> Path:
    path = tmp_path / "photo.jpg"
    photo(320, 240).jpegsave(str(path), Q=90)
    return path
