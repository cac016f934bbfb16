"""Downloading originals: headers, ETag, Range, attachment."""

from __future__ import annotations

import pytest

from tests import samples
from tests.helpers import assert_error
from tests.helpers import upload


@pytest.fixture
def stored(api):
    data = samples.jpeg_bytes(120, 80)
    image = upload(api, data, name="my photo é.jpg").json
    return image, data


def test_original_bytes_and_headers(api, stored):
    image, data = stored
    result = api.get(image["links"]["content"])
    assert result.status_code == 200
    assert result.content == data
    headers = result.headers
    assert headers["content-type"] == "image/jpeg"
    assert headers["content-length"] == str(len(data))
    assert headers["etag"] == f'"{image["sha256"]}"'
    assert headers["cache-control"] == "private"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["accept-ranges"] == "bytes"
    assert "last-modified" in headers
    assert "content-disposition" not in headers


def test_if_none_match_gives_304(api, stored):
    image, _ = stored
    etag = f'"{image["sha256"]}"'
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        result = api.get(image["links"]["content"], headers={"If-None-Match": header})
        assert result.status_code == 304
        assert result.content == b""
    other = api.get(image["links"]["content"], headers={"If-None-Match": '"nope"'})
    assert other.status_code == 200


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-9", 0, 9),
        ("bytes=10-", 10, None),
        ("bytes=-5", -5, None),
        ("bytes=5-99999", 5, None),
    ],
)
def test_single_range_gives_206(api, stored, header, start, end):
    image, data = stored
    result = api.get(image["links"]["content"], headers={"Range": header})
    assert result.status_code == 206
    expected = data[start:] if end is None else data[start : end + 1]
    assert result.content == expected
    first = start if start >= 0 else len(data) + start
    last = first + len(expected) - 1
    assert result.headers["content-range"] == f"bytes {first}-{last}/{len(data)}"
    assert result.headers["content-length"] == str(len(expected))


def test_unsatisfiable_range_is_416(api, stored):
    image, data = stored
    result = api.get(image["links"]["content"], headers={"Range": "bytes=99999-"})
    assert_error(result, 416)
    assert result.headers["content-range"] == f"bytes */{len(data)}"


def test_several_ranges_or_stale_if_range_send_everything(api, stored):
    image, data = stored
    multi = api.get(image["links"]["content"], headers={"Range": "bytes=0-1,4-5"})
    assert (multi.status_code, multi.content) == (200, data)
    stale = api.get(
        image["links"]["content"], headers={"Range": "bytes=0-1", "If-Range": '"x"'}
    )
    assert (stale.status_code, stale.content) == (200, data)


def test_download_sets_attachment_with_original_name(api, stored):
    image, _ = stored
    result = api.get(image["links"]["content"], query_string="download=1")
    disposition = result.headers["content-disposition"]
    assert disposition.startswith("attachment")
    assert "my%20photo%20%C3%A9.jpg" in disposition


def test_unknown_content_parameter_is_400(api, stored):
    image, _ = stored
    assert_error(api.get(image["links"]["content"], query_string="bogus=1"), 400)
