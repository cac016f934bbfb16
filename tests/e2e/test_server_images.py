"""Images against the real server: the earlier README's example, concurrency."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import requests

from tests import samples
from tests.helpers import PASSWORD


def logged_in_session(base: str, email: str) -> requests.Session:
    session = requests.Session()
    session.post(
        f"{base}/api/user/register", data={"email": email, "password": PASSWORD}
    )
    login = session.post(
        f"{base}/api/user/login", data={"email": email, "password": PASSWORD}
    )
    assert login.status_code == 200
    return session


# The earlier project's README client code, character for character.
README_EXAMPLE = """
from requests import Session
import json
host = "localhost"
port = 8000
session = Session()
# Login
session.post(
"http://localhost:8000/api/user/login",
data={
"email": f"[email protected]",
"password": "some_valid_password"
},
)
# Post request
files = [
("image", ("image_name.png", b"image_bytes_data", "image/png")),
("tags", (None, json.dumps(["tags",]), "application/json"))
]
post_response = session.post(
f"http://{host}:{port}/api/images",
files=files,
)
# Get request
get_response = session.get(
f"http://{host}:{port}/api/image/{post_response.json()['img_id']}",
)
"""


def test_earlier_readme_example_verbatim(server):
    """Run the README's code; only the port and the placeholder bytes change."""
    image_bytes = samples.png_bytes(32, 32)
    email = "[email protected]"
    registered = requests.post(
        f"{server.base_url}/api/user/register",
        data={"email": "readme@example.com", "password": "some_valid_password"},
    )
    assert registered.status_code == 201
    code = (
        README_EXAMPLE.replace("8000", str(server.port))
        .replace('b"image_bytes_data"', "image_bytes")
        .replace(email, "readme@example.com")
    )
    namespace = {"image_bytes": image_bytes}
    exec(compile(code, "original-README", "exec"), namespace)
    post_response = namespace["post_response"]
    get_response = namespace["get_response"]
    assert post_response.status_code == 201
    assert post_response.json()["tags"] == ["tags"]
    assert post_response.json()["name"] == "image_name.png"
    assert get_response.status_code == 200
    assert get_response.content == image_bytes
    assert get_response.headers["Content-Type"] == "image/png"


def test_placeholder_bytes_of_the_old_example_are_refused(server):
    session = logged_in_session(server.base_url, "old@example.com")
    files = [("image", ("image_name.png", b"image_bytes_data", "image/png"))]
    result = session.post(f"{server.base_url}/api/images", files=files)
    assert result.status_code == 415
    assert set(result.json()) == {"title", "description"}


def test_parallel_uploads_sharing_a_new_tag_all_succeed(server):
    base = server.base_url
    session = logged_in_session(base, "busy@example.com")
    token = session.cookies["auth_token"]
    data = samples.png_bytes(16, 16)

    def upload_one(number: int) -> int:
        files = [
            ("image", (f"p{number}.png", data, "image/png")),
            ("tags", (None, json.dumps(["Shared-New", f"own{number}"]), None)),
        ]
        # A fresh connection per request, so both workers take part.
        response = requests.post(
            f"{base}/api/v1/images",
            files=files,
            headers={"Authorization": f"Bearer {token}", "Connection": "close"},
        )
        return response.status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(upload_one, range(20)))
    assert statuses == [201] * 20
    cloud = session.get(f"{base}/api/v1/tags", params={"prefix": "shared"}).json()
    assert cloud == [{"tag": "Shared-New", "count": 20}]


def test_parallel_tag_edits_on_one_image_lose_nothing(server):
    base = server.base_url
    session = logged_in_session(base, "editor@example.com")
    token = session.cookies["auth_token"]
    files = [("image", ("x.png", samples.png_bytes(), "image/png"))]
    image_id = session.post(f"{base}/api/v1/images", files=files).json()["id"]

    def add(number: int) -> int:
        return requests.put(
            f"{base}/api/v1/images/{image_id}/tags/tag{number}",
            headers={"Authorization": f"Bearer {token}", "Connection": "close"},
        ).status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(add, range(30)))
    assert statuses == [201] * 30
    tags = session.get(f"{base}/api/v1/images/{image_id}/tags").json()
    assert sorted(tags) == sorted(f"tag{number}" for number in range(30))
