"""HEIC: probed from the header, decoded by pillow-heif into a render source."""

from __future__ import annotations

from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest
import pyvips

from imageapi.errors import UnsupportedImage
from imageapi.limits import MIB
from imageapi.limits import Limits
from imageapi.processing.analysis import analyse
from imageapi.processing.heif import decode
from imageapi.processing.probe import SourceTooLarge
from imageapi.processing.probe import probe
from tests import samples
from tests.unit.processing.imaging import photo


@pytest.fixture
def phone_heic(tmp_path):
    """120x80 stored sideways (EXIF orientation 6), with EXIF and a P3 profile."""
    image = photo(120, 80).icc_transform("p3", input_profile="srgb", embedded=False)
    path = tmp_path / "phone.heic"
    path.write_bytes(
        samples.heic_of(
            image,
            exif=samples.camera_exif(orientation=6),
            icc=image.get("icc-profile-data"),
        )
    )
    return path


def with_broken_pixels(path, tmp_path):
    """The same header, the compressed pixels overwritten."""
    data = bytearray(path.read_bytes())
    start = data.index(b"mdat") + 4
    data[start + 8 :] = b"\xff" * (len(data) - start - 8)
    broken = tmp_path / "broken.heic"
    broken.write_bytes(bytes(data))
    return broken


def test_decode_is_upright_with_exif_and_icc(phone_heic):
    image = decode(phone_heic)
    assert (image.width, image.height, image.bands) == (80, 120, 3)
    assert image.get("orientation") == 1
    assert image.get("icc-profile-data")
    assert image.get("exif-data").startswith(b"Exif")


def test_analysis_writes_a_render_source_libvips_decodes(phone_heic, tmp_path):
    source = tmp_path / "source"
    result = analyse(phone_heic, render_source=source)
    meta = result.metadata
    assert result.render_source
    assert (meta.format, meta.width, meta.height, meta.orientation) == (
        "heic",
        80,
        120,
        1,
    )
    assert (meta.camera_make, meta.camera_model) == ("Apple", "iPhone 15 Pro")
    assert meta.taken_at == datetime(
        2024, 5, 6, 7, 8, 9, tzinfo=timezone(timedelta(hours=2))
    )
    assert meta.latitude == pytest.approx(48 + 51 / 60 + 30 / 3600)
    written = pyvips.Image.new_from_file(str(source))
    assert written.get("vips-loader") == "jpegload"
    assert (written.width, written.height) == (80, 120)
    assert written.get("orientation") == 1  # not rotated a second time
    assert written.get("icc-profile-data") == decode(phone_heic).get("icc-profile-data")
    assert (written - decode(phone_heic)).abs().avg() < 1.5  # q95, no subsampling


def test_probe_reads_the_upright_size_from_the_header(phone_heic):
    probed = probe(phone_heic, Limits())
    assert (probed.format, probed.content_type) == ("heic", "image/heic")
    assert (probed.width, probed.height, probed.pages) == (80, 120, 1)


def test_pixel_limit_is_checked_before_decoding(phone_heic, tmp_path):
    broken = with_broken_pixels(phone_heic, tmp_path)
    with pytest.raises(SourceTooLarge, match="pixels"):
        probe(broken, Limits(max_pixels=80 * 120 - 1))
    probe(broken, Limits())  # the header alone is fine...
    with pytest.raises(UnsupportedImage, match="HEIC image cannot be decoded"):
        analyse(broken, render_source=tmp_path / "source")  # ...the pixels are not


def test_decode_memory_is_checked_before_decoding(tmp_path):
    path = tmp_path / "large.heic"
    path.write_bytes(samples.heic_of(photo(640, 480)))  # 1.2 MB decoded
    broken = with_broken_pixels(path, tmp_path)
    with pytest.raises(SourceTooLarge, match="memory"):
        probe(broken, Limits(max_request_memory_bytes=MIB))
    assert probe(path, Limits(max_request_memory_bytes=2 * MIB)).width == 640


def test_a_sequence_counts_as_its_primary_image(tmp_path):
    path = tmp_path / "burst.heic"
    path.write_bytes(samples.heic_of(*(photo(40, 30, seed=n) for n in range(3))))
    probed = probe(path, Limits(max_frames=1, max_pixels=40 * 30))
    assert (probed.width, probed.height, probed.pages) == (40, 30, 1)


def test_truncated_heic_is_named_as_such(phone_heic, tmp_path):
    cut = tmp_path / "cut.heic"
    cut.write_bytes(phone_heic.read_bytes()[:200])
    with pytest.raises(UnsupportedImage, match="HEIC image cannot be decoded"):
        probe(cut, Limits())
