"""Clients of a running server or cluster: sign up, log in, upload, all over
real HTTP."""

from __future__ import annotations

import pyvips
import requests

from tests.helpers import PASSWORD

TIMEOUT = 60  # seconds per request; only reached if something hangs


def png(width: int, height: int, shade: int) -> bytes:
    """A small generated PNG; ``shade`` makes each one different."""
    image = pyvips.Image.black(width, height).add([shade % 256, 120, 200])
    return image.cast("uchar").pngsave_buffer()


def sign_up(base_url: str, email: str) -> requests.Session:
    credentials = {"email": email, "password": PASSWORD}
    created = requests.post(
        f"{base_url}/api/v1/users", json=credentials, timeout=TIMEOUT
    )
    assert created.status_code == 201, created.text
    return logged_in(base_url, email)


def logged_in(base_url: str, email: str) -> requests.Session:
    """A session with a fresh bearer token, usable on any instance."""
    session = requests.Session()
    login = session.post(
        f"{base_url}/api/v1/sessions",
        json={"email": email, "password": PASSWORD},
        timeout=TIMEOUT,
    )
    assert login.status_code == 200, login.text
    session.headers["Authorization"] = f"Bearer {login.json()['token']}"
    return session


def upload(
    session: requests.Session,
    base_url: str,
    data: bytes,
    *,
    name: str = "upload.png",
    tags: tuple[str, ...] = (),
) -> requests.Response:
    files = {"image": (name, data, "image/png")}
    return session.post(
        f"{base_url}/api/v1/images",
        files=files,
        data={"tags": list(tags)},
        timeout=TIMEOUT,
    )


def decoded_width(response: requests.Response) -> int:
    return pyvips.Image.new_from_buffer(response.content, "").width


def assert_json_error(response: requests.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"title", "description"}, body
    return body
