"""Signed public URLs: what anyone holding one gets, and every way one stops working."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from urllib.parse import parse_qsl
from urllib.parse import urlencode
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine
from sqlalchemy import delete
from sqlalchemy import event
from sqlalchemy import update

from imageapi.db.models import Derivative
from imageapi.db.models import User
from tests.api.transforms import app_with
from tests.api.transforms import decoded
from tests.api.transforms import fetch
from tests.api.transforms import upload_image
from tests.clocks import Clock
from tests.helpers import ApiClient
from tests.helpers import assert_error
from tests.unit.processing.imaging import photo
from tests.unit.processing.imaging import size

SIGNED_ROUTE = "GET /api/v1/signed/images/{image_id}"


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def client(config, make_app, clock):
    return app_with(make_app, config, clock=clock)


@pytest.fixture
def photo_image(api) -> dict:
    return upload_image(api, photo(300, 200), ".jpg")


def sign(api: ApiClient, image: dict, params=None, **body) -> dict:
    result = api.post(
        f"/api/v1/images/{image['id']}/signed-urls",
        json={"params": params or {}, **body},
    )
    assert result.status_code == 201, result.text
    return result.json


def get(client, url: str, method: str = "GET", **kwargs):
    """Fetch a signed URL with no credentials at all."""
    parts = urlsplit(url)
    return client.simulate_request(
        method, parts.path, query_string=parts.query, **kwargs
    )


def with_query(url: str, change) -> str:
    parts = urlsplit(url)
    pairs = change(parse_qsl(parts.query, keep_blank_values=True))
    return parts._replace(query=urlencode(pairs)).geturl()


@contextmanager
def queries_on_this_thread():
    """The SQL queries this thread sends, whatever engine sends them; not the
    BEGIN that SQLite's engine sends as a statement (psycopg sends it along
    with the first query)."""
    statements: list[str] = []
    me = threading.get_ident()

    def count(conn, cursor, statement, parameters, context, executemany):
        if threading.get_ident() == me and not statement.startswith("BEGIN"):
            statements.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", count)


def test_a_signed_url_serves_the_owners_bytes_to_anyone(client, api, photo_image):
    signed = sign(api, photo_image, {"width": 120, "format": "webp"}, expires_in=600)
    assert signed["url"].startswith("http")
    expires_at = datetime.fromisoformat(signed["expires_at"])
    assert expires_at - datetime.now(UTC) < timedelta(seconds=601)

    anonymous = get(client, signed["url"])
    owner = fetch(api, photo_image, "width=120&format=webp")
    assert anonymous.status_code == 200
    assert anonymous.content == owner.content
    assert size(decoded(anonymous)) == (120, 80)
    headers = anonymous.headers
    assert headers["content-type"] == "image/webp"
    assert headers["access-control-allow-origin"] == "*"
    directives = dict(
        part.strip().partition("=")[::2] for part in headers["cache-control"].split(",")
    )
    assert "public" in directives and "private" not in directives
    assert 0 < int(directives["max-age"]) <= 600
    assert "vary" not in headers  # the format was chosen when signing

    revalidated = get(client, signed["url"], headers={"If-None-Match": headers["etag"]})
    assert revalidated.status_code == 304
    assert revalidated.headers["cache-control"] == headers["cache-control"]

    head = get(client, signed["url"], method="HEAD")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(anonymous.content))


def test_the_original_is_signed_without_params_and_honours_range(
    client, api, photo_image
):
    signed = sign(api, photo_image)
    original = api.get(photo_image["links"]["content"]).content
    whole = get(client, signed["url"])
    assert whole.content == original
    assert whole.headers["etag"] == f'"{photo_image["sha256"]}"'
    assert whole.headers["accept-ranges"] == "bytes"
    part = get(client, signed["url"], headers={"Range": "bytes=0-9"})
    assert part.status_code == 206
    assert part.content == original[:10]
    assert part.headers["content-range"] == f"bytes 0-9/{len(original)}"


def test_format_auto_is_negotiated_per_request_and_varies(client, api, photo_image):
    signed = sign(api, photo_image, {"width": 64, "format": "auto"})
    webp = get(client, signed["url"], headers={"Accept": "image/webp,*/*"})
    plain = get(client, signed["url"], headers={"Accept": "*/*"})
    assert webp.headers["content-type"] == "image/webp"
    assert plain.headers["content-type"] == "image/jpeg"
    assert webp.headers["vary"] == plain.headers["vary"] == "Accept"
    assert webp.headers["etag"] != plain.headers["etag"]


def test_presets_sign_like_the_content_route(client, api, photo_image):
    signed = sign(api, photo_image, {"preset": "thumb"})
    owner = fetch(api, photo_image, "preset=thumb")
    assert get(client, signed["url"]).content == owner.content


def tampered(url: str, image_ids: tuple[str, str]) -> dict[str, str]:
    """One URL per part changed."""
    own, other = image_ids

    def replace(name, value):
        return with_query(
            url,
            lambda pairs: [(k, value if k == name else v) for k, v in pairs],
        )

    def changed(name: str, value: str) -> str:
        if name != "signature":
            return value + "1"
        # Another first character, whatever the signature starts with.
        return ("B" if value.startswith("A") else "A") + value[1:]

    pairs = dict(parse_qsl(urlsplit(url).query))
    versions = {
        name: replace(name, changed(name, value)) for name, value in pairs.items()
    }
    versions["format changed"] = replace("format", "webp")
    versions["parameter added"] = with_query(url, lambda p: [*p, ("blur", "2")])
    versions["parameter removed"] = with_query(
        url, lambda p: [(k, v) for k, v in p if k != "width"]
    )
    versions["signature removed"] = with_query(
        url, lambda p: [(k, v) for k, v in p if k != "signature"]
    )
    versions["image id"] = url.replace(own, other)
    return versions


def test_any_changed_part_is_a_403(client, api, photo_image):
    other = upload_image(api, photo(100, 100), ".jpg")
    signed = sign(api, photo_image, {"width": 100, "format": "png"})
    assert get(client, signed["url"]).status_code == 200
    versions = tampered(signed["url"], (photo_image["id"], other["id"]))
    assert {"width", "format", "owner", "generation", "expires", "source_format"} < set(
        versions
    )
    for name, url in versions.items():
        assert url != signed["url"], name
        result = get(client, url)
        assert result.status_code == 403, name
        assert_error(result, 403)


def test_an_expired_url_is_a_410(client, api, photo_image, clock):
    signed = sign(api, photo_image, {"width": 50}, expires_in=60)
    assert get(client, signed["url"]).status_code == 200
    clock.advance(seconds=60)
    assert_error(get(client, signed["url"]), 410)


@pytest.mark.parametrize("expires_in", [0, -5, 7 * 86400 + 1, "soon", 1.5, True])
def test_bad_lifetimes_are_a_400(api, photo_image, expires_in):
    result = api.post(
        f"/api/v1/images/{photo_image['id']}/signed-urls",
        json={"expires_in": expires_in},
    )
    assert "expires_in" in assert_error(result, 400)["description"]


def test_bad_params_are_a_400_naming_the_parameter(api, photo_image):
    for params, name in (({"width": "wide"}, "width"), ({"nope": 1}, "nope")):
        result = api.post(
            f"/api/v1/images/{photo_image['id']}/signed-urls", json={"params": params}
        )
        assert assert_error(result, 400)["description"].startswith(name)


def test_nobody_signs_another_users_image(api, other_api, photo_image):
    result = other_api.post(f"/api/v1/images/{photo_image['id']}/signed-urls", json={})
    assert_error(result, 404)


def test_a_deleted_image_is_a_404_on_every_app(config, make_app, clock, api):
    other_app = app_with(make_app, config, clock=clock)
    image = upload_image(api, photo(200, 100), ".jpg")
    thumb = sign(api, image, {"width": 40})
    original = sign(api, image)
    for url in (thumb["url"], original["url"]):
        assert get(other_app, url).status_code == 200  # cached over there
    # Read from its file once more, the thumbnail is kept in memory there too.
    assert get(other_app, thumb["url"]).headers["x-cache"] == "HIT"
    assert api.delete(image["links"]["self"]).status_code == 204
    for url in (thumb["url"], original["url"]):
        assert_error(get(api.client, url), 404)
        assert_error(get(other_app, url), 404)


def test_a_derivative_that_lost_its_row_goes_with_its_image(
    client, api, photo_image, db
):
    signed = sign(api, photo_image, {"width": 70})
    assert get(client, signed["url"]).headers["x-cache"] == "MISS"
    with db.write() as uow:  # as a crash between eviction's two steps leaves it
        uow.session.execute(delete(Derivative))
        uow.commit()
    assert get(client, signed["url"]).headers["x-cache"] == "HIT"
    assert api.delete(photo_image["links"]["self"]).status_code == 204
    assert_error(get(client, signed["url"]), 404)


def test_rotating_the_key_revokes_on_every_app_within_seconds(
    config, make_app, clock, api, photo_image
):
    second_app = app_with(make_app, config, clock=clock)  # same database
    signed = sign(api, photo_image, {"width": 30})
    assert get(second_app, signed["url"]).status_code == 200
    rotated = api.post("/api/v1/users/me/signing-key")
    assert rotated.status_code == 200
    assert rotated.json == {"generation": 1}
    assert_error(get(api.client, signed["url"]), 403)  # the rotating app: at once
    clock.advance(seconds=5)
    assert_error(get(second_app, signed["url"]), 403)
    fresh = sign(api, photo_image, {"width": 30})
    assert get(second_app, fresh["url"]).status_code == 200


def test_disabling_the_owner_revokes_their_urls(client, api, photo_image, db, clock):
    signed = sign(api, photo_image)
    assert get(client, signed["url"]).status_code == 200
    with db.write() as uow:
        uow.session.execute(
            update(User).where(User.email_key == api.email).values(disabled=True)
        )
        uow.commit()
    clock.advance(seconds=5)
    assert_error(get(client, signed["url"]), 403)


def test_signed_bytes_count_in_the_owners_usage(
    client, api, other_api, photo_image, usage_recorder
):
    signed = sign(api, photo_image, {"width": 80})
    sent = len(get(client, signed["url"]).content)
    sent += len(get(client, signed["url"]).content)
    usage_recorder.flush()
    report = api.get("/api/v1/users/me/usage").json
    routes = {row["route"]: row for row in report["by_route"]}
    assert routes[SIGNED_ROUTE]["requests"] == 2
    assert routes[SIGNED_ROUTE]["bytes_out"] == sent
    assert report["totals"]["derivatives_served"] == 2
    bob = other_api.get("/api/v1/users/me/usage").json
    assert SIGNED_ROUTE not in {row["route"] for row in bob["by_route"]}


def test_a_signed_cache_hit_reads_no_database(client, api, photo_image):
    signed = sign(api, photo_image, {"width": 90, "format": "auto"})
    accept = {"Accept": "image/avif,image/webp,*/*"}
    first = get(client, signed["url"], headers=accept)
    assert first.headers["x-cache"] == "MISS"
    with queries_on_this_thread() as statements:
        hit = get(client, signed["url"], headers=accept)
    assert hit.headers["x-cache"] == "HIT"
    assert hit.content == first.content
    assert statements == []


def test_an_authenticated_cache_hit_makes_at_most_one_query(config, make_app):
    # The per-minute rate limit is off here: kept in the database (rather
    # than Redis) its counter would be one more round trip per request.
    client = app_with(make_app, config, limits={"requests_per_minute": 0})
    api = ApiClient.signed_up(client, "hot@example.com")
    image = upload_image(api, photo(300, 200), ".jpg")
    first = fetch(api, image, "width=100")
    assert first.headers["x-cache"] == "MISS"
    with queries_on_this_thread() as statements:
        hit = fetch(api, image, "width=100")
    assert hit.headers["x-cache"] == "HIT"
    assert len(statements) <= 1, statements


def test_images_carry_signed_preset_urls_on_request(client, api, photo_image):
    listed = api.get("/api/v1/images", params={"sign": "thumb,small"}).json
    urls = listed["items"][0]["signed_urls"]
    assert set(urls) == {"thumb", "small"}
    thumb = fetch(api, photo_image, "preset=thumb").content
    assert get(client, urls["thumb"]).content == thumb
    one = api.get(photo_image["links"]["self"], params={"sign": "thumb"}).json
    assert set(one["signed_urls"]) == {"thumb"}
    assert "signed_urls" not in api.get(photo_image["links"]["self"]).json
    unknown = api.get("/api/v1/images", params={"sign": "huge"})
    assert "preset" in assert_error(unknown, 400)["description"]
