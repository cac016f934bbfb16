"""Each finding of an attacker's test of a two-worker server, as a regression
test against the live server (real HTTP, the test database)."""

from __future__ import annotations

import uuid
from urllib.parse import quote

import pytest
import pyvips
import requests
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from imageapi.db.engine import make_engine
from tests import samples
from tests.helpers import PASSWORD
from tests.security.conftest import LiveServer
from tests.security.conftest import raw_request
from tests.unit.processing.imaging import photo

YEAR_1_EAST = "0001-01-01T00:00:00+14:00"
YEAR_9999_WEST = "9999-12-31T23:59:59-14:00"


def assert_json_error(response: requests.Response, *statuses: int) -> dict:
    assert response.status_code in statuses, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"title", "description"}
    return body


def upload(session: requests.Session, live: LiveServer, image: bytes, **kwargs):
    path = kwargs.pop("path", "/api/v1/images")
    name = kwargs.pop("name", "photo.jpg")
    return session.post(
        live.url(path), files={"image": (name, image, "image/jpeg")}, **kwargs
    )


def image_count(session: requests.Session, live: LiveServer) -> int:
    listing = session.get(live.url("/api/v1/images"), params={"limit": 100})
    assert listing.status_code == 200, listing.text
    return len(listing.json()["items"])


def stored_files(live: LiveServer) -> set[str]:
    return {
        str(path.relative_to(live.data_dir))
        for path in live.data_dir.rglob("*")
        if path.is_file() and "uploads" not in path.parts
    }


# Internal errors -------------------------------------------------------------


@pytest.mark.parametrize(
    ("taken", "offset"),
    [("0001:01:01 00:00:00", "+14:00"), ("9999:12:31 23:59:59", "-14:00")],
)
def test_exif_date_out_of_range_keeps_the_image_without_taken_at(live, taken, offset):
    owner = live.account(f"exif-{offset[0] == '+'}@example.com")
    image = photo(64, 48).copy()
    image.set_type(pyvips.GValue.gstr_type, "exif-ifd2-DateTimeOriginal", taken)
    image.set_type(pyvips.GValue.gstr_type, "exif-ifd2-OffsetTimeOriginal", offset)
    created = upload(owner, live, image.jpegsave_buffer())
    assert created.status_code == 201, created.text
    metadata = owner.get(live.url(created.json()["links"]["metadata"]))
    assert metadata.status_code == 200
    assert metadata.json()["exif"]["taken_at"] is None


def test_api_key_name_with_nul_is_refused(live):
    owner = live.account("nul-key@example.com")
    answer = owner.post(live.url("/api/v1/users/me/api-keys"), json={"name": "a\x00b"})
    assert_json_error(answer, 400, 422)
    form = owner.post(live.url("/api/v1/users/me/api-keys"), data={"name": "a\x00b"})
    assert_json_error(form, 400, 422)
    assert owner.get(live.url("/api/v1/users/me/api-keys")).json() == []


@pytest.mark.parametrize(
    "name", ["created_after", "created_before", "taken_after", "taken_before"]
)
@pytest.mark.parametrize("value", [YEAR_1_EAST, YEAR_9999_WEST])
def test_list_filters_at_the_ends_of_time(live, name, value):
    owner = live.account("filters@example.com")
    answer = owner.get(live.url("/api/v1/images"), params={name: value})
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("path", ["/api/v1/users/me/usage", "/api/v1/admin/usage"])
@pytest.mark.parametrize(
    "params",
    [{"to": "0001-01-05"}, {"from": "9999-12-31"}, {"from": "0001-01-01"}],
)
def test_usage_reports_at_the_ends_of_time(live, path, params):
    admin = live.account("usage-admin@example.com", admin=True)
    answer = admin.get(live.url(path), params=params)
    if answer.status_code != 200:
        assert_json_error(answer, 400)


@pytest.mark.parametrize(
    "params",
    [
        {"date": "253402300799"},
        {"start_date": "-62135596800", "end_date": "-62135596800"},
        {"start_date": "-62135596800", "end_date": "253402300799"},
    ],
)
def test_earlier_list_route_at_the_ends_of_time(live, params):
    owner = live.account("legacy-dates@example.com")
    answer = owner.get(live.url("/api/images"), params=params)
    assert answer.status_code == 200, answer.text


def multipart_upload(
    live: LiveServer, token: str, path: bytes, name: bytes, filename: bytes
) -> tuple[int, dict, bytes]:
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="'
        + name
        + b'"; filename="'
        + filename
        + b'"\r\nContent-Type: image/png\r\n\r\n'
        + samples.png_bytes()
        + b"\r\n--XyZ--\r\n"
    )
    head = (
        b"POST " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Authorization: Bearer " + token.encode() + b"\r\n"
        b"Content-Type: multipart/form-data; boundary=XyZ\r\n"
        b"Content-Length: " + str(len(body)).encode()
    )
    return raw_request(live.port, head, body)


def bearer(session: requests.Session) -> str:
    return session.headers["Authorization"].removeprefix("Bearer ")


@pytest.mark.parametrize("path", [b"/api/v1/images", b"/api/images"])
@pytest.mark.parametrize(
    ("name", "filename"), [(b"ima\xffge", b"a.png"), (b"image", b"a\xff\xfe.png")]
)
def test_upload_part_names_that_are_not_utf8_are_refused(live, path, name, filename):
    owner = live.account("multipart-utf8@example.com")
    before, files = image_count(owner, live), stored_files(live)
    status, headers, body = multipart_upload(live, bearer(owner), path, name, filename)
    assert status == 400, body
    assert headers["content-type"].startswith("application/json")
    assert image_count(owner, live) == before
    assert stored_files(live) == files


def chunked(body: bytes, size: int = 4096) -> bytes:
    pieces = [body[i : i + size] for i in range(0, len(body), size)]
    encoded = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces)
    return encoded + b"0\r\n\r\n"


@pytest.mark.parametrize("path", [b"/api/v1/images", b"/api/images"])
def test_chunked_upload_is_accepted(live, path):
    owner = live.account("chunked@example.com")
    before = image_count(owner, live)
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="image"; filename="c.png"'
        b"\r\nContent-Type: image/png\r\n\r\n"
        + samples.png_bytes()
        + b"\r\n--XyZ--\r\n"
    )
    head = (
        b"POST " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Authorization: Bearer " + bearer(owner).encode() + b"\r\n"
        b"Content-Type: multipart/form-data; boundary=XyZ\r\n"
        b"Transfer-Encoding: chunked"
    )
    status, _, answer = raw_request(live.port, head, chunked(body))
    assert status == 201, answer
    assert image_count(owner, live) == before + 1


def test_chunked_upload_over_the_cap_is_413(live):
    owner = live.account("chunked-big@example.com")
    before, files = image_count(owner, live), stored_files(live)
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="image"; filename="c.png"'
        b"\r\nContent-Type: image/png\r\n\r\n" + b"\0" * (51 * 1024 * 1024)
    )
    head = (
        b"POST /api/v1/images HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Authorization: Bearer " + bearer(owner).encode() + b"\r\n"
        b"Content-Type: multipart/form-data; boundary=XyZ\r\n"
        b"Transfer-Encoding: chunked"
    )
    status, headers, answer = raw_request(live.port, head, chunked(body, 1 << 20))
    assert status == 413, answer
    assert headers["content-type"].startswith("application/json")
    assert image_count(owner, live) == before
    assert stored_files(live) == files
    assert list((live.data_dir / "uploads").glob("upload-*")) == []


# Wrong answers ---------------------------------------------------------------


@pytest.mark.parametrize("tag", [".", "..", " .. "])
def test_dot_segment_tags_are_refused(live, tag):
    owner = live.account("dots@example.com")
    created = upload(owner, live, samples.jpeg_bytes(), data={"tags": tag})
    assert_json_error(created, 400, 422)
    image = upload(owner, live, samples.jpeg_bytes()).json()
    tags_url = live.url(f"/api/v1/images/{image['id']}/tags")
    assert_json_error(owner.put(tags_url, json=[tag]), 400, 422)
    assert_json_error(owner.put(tags_url + "/%2e%2e"), 400, 404, 422)
    assert_json_error(owner.put(tags_url + "/%2E"), 400, 404, 422)
    assert owner.get(tags_url).json() == []


@pytest.mark.parametrize(
    "target",
    [
        b"/api/v1/images?name=%ff",
        b"/api/v1/images?tag=caf%C3",
        b"/api/v1/tags?prefix=%80abc",
        b"/api/v1/images/%ff%fe",
    ],
)
def test_invalid_utf8_in_query_or_path_is_400(live, target):
    owner = live.account("utf8@example.com")
    head = (
        b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Authorization: Bearer " + bearer(owner).encode()
    )
    status, headers, body = raw_request(live.port, head)
    assert status == 400, body
    assert headers["content-type"].startswith("application/json")


@pytest.mark.parametrize("body", [b"name=%ff", b"name=caf%C3", b"name=\xff"])
def test_invalid_utf8_in_a_form_body_name_is_400(live, body):
    owner = live.account("utf8-form@example.com")
    answer = owner.post(
        live.url("/api/v1/users/me/api-keys"),
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_json_error(answer, 400)
    assert owner.get(live.url("/api/v1/users/me/api-keys")).json() == []


def test_invalid_utf8_tag_in_path_is_400(live):
    owner = live.account("utf8-tag@example.com")
    image = upload(owner, live, samples.jpeg_bytes()).json()
    target = f"/api/v1/images/{image['id']}/tags/caf%C3".encode()
    head = (
        b"PUT " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n"
        b"Authorization: Bearer " + bearer(owner).encode()
    )
    status, _, body = raw_request(live.port, head)
    assert status == 400, body
    assert owner.get(live.url(f"/api/v1/images/{image['id']}/tags")).json() == []


def test_an_api_key_cannot_create_api_keys(live):
    owner = live.account("keys@example.com")
    key = owner.post(live.url("/api/v1/users/me/api-keys"), json={"name": "ci"})
    assert key.status_code == 201
    with_key = requests.Session()
    with_key.headers["X-API-Key"] = key.json()["key"]
    minted = with_key.post(live.url("/api/v1/users/me/api-keys"), json={"name": "x"})
    assert_json_error(minted, 403)
    names = [k["name"] for k in owner.get(live.url("/api/v1/users/me/api-keys")).json()]
    assert names == ["ci"]
    # Revoking the key leaves nothing behind that still works.
    owner.delete(live.url(key.headers["Location"]))
    assert with_key.get(live.url("/api/v1/users/me")).status_code == 401


@pytest.mark.parametrize(
    "name",
    ['evil".jpg', 'a"; filename="x.exe', "crlf\r\nX-Injected: 1.jpg", "ünï ço.jpg"],
)
def test_content_disposition_cannot_be_injected(live, name):
    owner = live.account("disposition@example.com")
    created = upload(owner, live, samples.jpeg_bytes(), name=name)
    assert created.status_code == 201, created.text
    content = owner.get(
        live.url(created.json()["links"]["content"]), params={"download": "true"}
    )
    assert content.status_code == 200
    header = content.headers["Content-Disposition"]
    assert "X-Injected" not in content.headers
    fallback, encoded = header.split("; filename*=UTF-8''")
    assert fallback.startswith('attachment; filename="') and fallback.endswith('"')
    assert '"' not in fallback.removeprefix('attachment; filename="')[:-1]
    assert ";" not in fallback.removeprefix("attachment; ")
    stored_name = created.json()["name"]
    assert encoded == quote(stored_name, safe="!#$&+^`|")


def test_bound_parameters_never_reach_error_messages(database_url):
    """A failing statement's message (what a 500 logs) omits its values."""
    engine = make_engine(database_url)
    secret = f"secret-{uuid.uuid4().hex}"
    try:
        with (
            engine.connect() as connection,
            pytest.raises(SQLAlchemyError) as failure,
        ):
            connection.execute(
                text("SELECT * FROM no_such_table WHERE x = :value"),
                {"value": secret},
            )
    finally:
        engine.dispose()
    assert secret not in str(failure.value)


def test_strict_json_body_for_admin_update(live):
    admin = live.account("strict-admin@example.com", admin=True)
    user = live.account("strict-user@example.com")
    user_id = user.get(live.url("/api/v1/users/me")).json()["id"]
    url = live.url(f"/api/v1/admin/users/{user_id}")
    for body in ({"disabled": 0.0}, {"max_images": True}, {"disabled": "false"}):
        assert_json_error(admin.patch(url, json=body), 422)
    assert user.get(live.url("/api/v1/users/me")).status_code == 200
    # Form bodies are text: "1" is read as a number there.
    assert admin.patch(url, data={"max_images": "1"}).status_code == 200
    assert admin.patch(url, json={"max_images": 2}).status_code == 200


def test_refused_upload_gets_413_not_a_reset(live):
    """The 413 reaches a client still sending an over-limit body."""
    owner = live.account("big@example.com")
    body = b"\0" * (60 * 1024 * 1024)  # over the 50 MiB default
    answer = owner.post(
        live.url("/api/v1/images"),
        data=body,
        headers={"Content-Type": "multipart/form-data; boundary=XyZ"},
    )
    assert_json_error(answer, 413)


# Browser defences ------------------------------------------------------------


def test_cross_site_requests_with_the_cookie_change_nothing(live):
    browser = live.cookie_session("csrf@example.com")
    evil = {"Origin": "https://evil.example"}
    keys_url = live.url("/api/v1/users/me/api-keys")
    assert_json_error(browser.post(keys_url, json={"name": "x"}, headers=evil), 403)
    fetch = {"Sec-Fetch-Site": "cross-site"}
    assert_json_error(browser.post(keys_url, json={"name": "x"}, headers=fetch), 403)
    null = {"Origin": "null"}
    assert_json_error(browser.post(keys_url, json={"name": "x"}, headers=null), 403)
    created = upload(browser, live, samples.jpeg_bytes(), headers=evil)
    assert_json_error(created, 403)
    logout = browser.delete(live.url("/api/v1/sessions/current"), headers=evil)
    assert_json_error(logout, 403)
    login = requests.post(
        live.url("/api/v1/sessions"),
        json={"email": "csrf@example.com", "password": PASSWORD},
        headers=evil,
    )
    assert_json_error(login, 403)
    assert browser.get(keys_url).json() == []
    assert image_count(browser, live) == 0
    # Same origin, no Origin at all, and reads pass.
    own = {"Origin": live.base_url}
    assert browser.post(keys_url, json={"name": "a"}, headers=own).status_code == 201
    assert browser.post(keys_url, json={"name": "b"}).status_code == 201
    # Behind a TLS proxy that is not trusted to say so, our pages are https.
    tls = {"Origin": live.base_url.replace("http://", "https://")}
    assert browser.post(keys_url, json={"name": "c"}, headers=tls).status_code == 201
    assert browser.get(keys_url, headers=evil).status_code == 200


def test_bearer_and_api_key_requests_are_not_cross_site_checked(live):
    owner = live.account("csrf-bearer@example.com")
    evil = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
    keys_url = live.url("/api/v1/users/me/api-keys")
    assert owner.post(keys_url, json={"name": "a"}, headers=evil).status_code == 201


def test_cookie_is_lax_and_secure_over_https(live):
    live.account("cookie@example.com")
    login = requests.post(
        live.url("/api/v1/sessions"),
        json={"email": "cookie@example.com", "password": PASSWORD},
    )
    assert login.status_code == 200, login.text
    cookie = login.headers["Set-Cookie"]
    assert "SameSite=Lax" in cookie and "HttpOnly" in cookie
    assert "Secure" not in cookie  # plain HTTP, no trusted proxy


def test_security_headers(live):
    owner = live.account("headers@example.com")
    page = requests.get(live.url("/apidoc/swagger"))
    csp = page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert "<script>" not in page.text
    for answer in (
        page,
        owner.get(live.url("/api/v1/users/me")),
        requests.get(live.url("/api/v1/no-such-route")),
        requests.get(live.url("/healthz")),
    ):
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Referrer-Policy"] == "no-referrer"
        assert "Strict-Transport-Security" not in answer.headers  # plain HTTP
    me = owner.get(live.url("/api/v1/users/me"))
    assert me.headers["Cache-Control"] == "no-store"
    keys = owner.get(live.url("/api/v1/users/me/api-keys"))
    assert keys.headers["Cache-Control"] == "no-store"
    script = requests.get(live.url("/apidoc/static/imageapi/swagger-init.js"))
    assert "persistAuthorization: false" in script.text


def test_no_request_above_failed_with_a_server_error(live):
    """Runs last in this module: the server logged no unhandled error."""
    assert "unhandled error" not in live.log()
