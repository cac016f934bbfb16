"""Whole or torn: the structural check of stored derivatives, per format."""

from __future__ import annotations

import io
import os

import pytest

from imageapi.processing.integrity import looks_complete
from tests.unit.processing.imaging import photo

FORMATS = {
    "jpeg": ".jpg",
    "png": ".png",
    "gif": ".gif",
    "webp": ".webp",
    "avif": ".avif",
}


@pytest.fixture(scope="module")
def encoded() -> dict[str, bytes]:
    image = photo(64, 48)
    return {name: image.write_to_buffer(suffix) for name, suffix in FORMATS.items()}


def check(data: bytes, output_format: str) -> bool:
    stream = io.BytesIO(data)
    whole = looks_complete(stream, len(data), output_format)
    assert stream.tell() == 0
    return whole


@pytest.mark.parametrize("output_format", FORMATS)
def test_whole_files_pass_and_torn_ones_fail(encoded, output_format):
    data = encoded[output_format]
    assert check(data, output_format)
    assert not check(data[: len(data) // 2], output_format)
    assert not check(data[:-1], output_format)
    assert not check(bytes(len(data)), output_format)  # zeros, length kept
    assert not check(b"", output_format)


def test_streams_that_cannot_seek_are_trusted():
    class Unseekable(io.BytesIO):
        def seekable(self) -> bool:
            return False

    assert looks_complete(Unseekable(b"torn"), 4, "jpeg")


@pytest.mark.parametrize("output_format", FORMATS)
def test_a_checked_file_is_left_at_its_start_for_sendfile(
    encoded, output_format, tmp_path
):
    path = tmp_path / f"derivative{FORMATS[output_format]}"
    path.write_bytes(encoded[output_format])
    with open(path, "rb") as stream:
        assert looks_complete(stream, path.stat().st_size, output_format)
        # The descriptor's own offset: what sendfile() starts from.
        assert os.lseek(stream.fileno(), 0, os.SEEK_CUR) == 0
        assert stream.read() == encoded[output_format]
