"""Named helpers over falcon's TestClient, so tests read as user stories."""

from __future__ import annotations

import json
from dataclasses import dataclass

import falcon.testing
import urllib3

PASSWORD = "correct horse battery"


@dataclass
class ApiClient:
    client: falcon.testing.TestClient
    email: str
    token: str

    @classmethod
    def signed_up(cls, client: falcon.testing.TestClient, email: str) -> ApiClient:
        created = client.simulate_post(
            "/api/v1/users", json={"email": email, "password": PASSWORD}
        )
        assert created.status_code == 201, created.text
        login = client.simulate_post(
            "/api/v1/sessions", json={"email": email, "password": PASSWORD}
        )
        assert login.status_code == 200, login.text
        return cls(client=client, email=email, token=login.json["token"])

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def request(self, method: str, path: str, **kwargs) -> falcon.testing.Result:
        headers = {**self.auth, **kwargs.pop("headers", {})}
        return self.client.simulate_request(method, path, headers=headers, **kwargs)

    def get(self, path: str, **kwargs) -> falcon.testing.Result:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> falcon.testing.Result:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs) -> falcon.testing.Result:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs) -> falcon.testing.Result:
        return self.request("DELETE", path, **kwargs)


def assert_error(result: falcon.testing.Result, status: int) -> dict:
    """The response is a JSON error body with the given status."""
    assert result.status_code == status, result.text
    assert result.headers["content-type"].startswith("application/json")
    body = result.json
    assert set(body) == {"title", "description"}, body
    assert body["title"] and body["description"]
    return body


def upload(
    api: ApiClient,
    data: bytes,
    *,
    name: str = "photo.png",
    tags: list | None = None,
    content_type: str = "image/png",
    path: str = "/api/v1/images",
) -> falcon.testing.Result:
    """POST a multipart upload the way browsers and requests build it."""
    fields = [("image", (name, data, content_type))]
    if tags is not None:
        fields.append(("tags", (None, json.dumps(tags), "application/json")))
    body, content_type_header = encode_multipart(fields)
    return api.post(path, body=body, headers={"Content-Type": content_type_header})


def encode_multipart(fields: list) -> tuple[bytes, str]:
    """(body, content type) for multipart/form-data, via urllib3's encoder."""
    return urllib3.encode_multipart_formdata(fields)
