"""What one instance does, the other sees: state lives in PostgreSQL, S3 and Redis.

Each flow starts on instance A and checks on instance B (addressed directly,
not through nginx, so that which instance answers is certain), then through
nginx.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests

from tests.helpers import PASSWORD
from tests.live_clients import TIMEOUT
from tests.live_clients import assert_json_error
from tests.live_clients import decoded_width
from tests.live_clients import logged_in
from tests.live_clients import png
from tests.live_clients import sign_up
from tests.live_clients import upload

pytestmark = pytest.mark.e2e

LOGIN_FAILURES = 10  # limits.login_failures, the default


def test_upload_on_one_instance_read_transform_delete_on_the_other(cluster):
    a, b, proxy = cluster.a.base_url, cluster.b.base_url, cluster.nginx.base_url
    session = sign_up(proxy, "flows@example.com")
    original = png(320, 200, shade=7)
    created = upload(session, a, original)
    assert created.status_code == 201, created.text
    image_id = created.json()["id"]
    content = f"/api/v1/images/{image_id}/content"

    read = session.get(f"{b}{content}", timeout=TIMEOUT)
    assert read.status_code == 200, read.text
    assert read.content == original
    listed = session.get(f"{b}/api/v1/images", timeout=TIMEOUT)
    assert image_id in [item["id"] for item in listed.json()["items"]]
    small = session.get(f"{b}{content}", params={"width": 64}, timeout=TIMEOUT)
    assert small.status_code == 200, small.text
    assert decoded_width(small) == 64
    through_proxy = session.get(f"{proxy}{content}", timeout=TIMEOUT)
    assert through_proxy.content == original

    deleted = session.delete(f"{b}/api/v1/images/{image_id}", timeout=TIMEOUT)
    assert deleted.status_code == 204, deleted.text
    for base in (a, b, proxy):
        assert_json_error(session.get(f"{base}{content}", timeout=TIMEOUT), 404)


def test_request_rate_is_counted_once_across_instances(cluster):
    session = sign_up(cluster.nginx.base_url, "counted@example.com")
    # A window ends on each minute: a run that crosses one starts again.
    for _ in range(3):
        remaining = []
        for base in (cluster.a.base_url, cluster.b.base_url) * 3:
            answer = session.get(f"{base}/api/v1/users/me", timeout=TIMEOUT)
            assert answer.status_code == 200, answer.text
            remaining.append(int(answer.headers["RateLimit-Remaining"]))
        if remaining == sorted(remaining, reverse=True):
            break
    assert remaining == list(range(remaining[0], remaining[0] - 6, -1))


def test_failed_logins_lock_out_on_every_instance(cluster):
    sign_up(cluster.nginx.base_url, "guessed@example.com")
    wrong = {"email": "guessed@example.com", "password": "not the password"}
    right = {"email": "guessed@example.com", "password": PASSWORD}
    instances = (cluster.a.base_url, cluster.b.base_url)
    for attempt in range(LOGIN_FAILURES):
        base = instances[attempt % 2]
        refused = requests.post(f"{base}/api/v1/sessions", json=wrong, timeout=TIMEOUT)
        assert_json_error(refused, 401)
    for base in (*instances, cluster.nginx.base_url):
        locked = requests.post(f"{base}/api/v1/sessions", json=right, timeout=TIMEOUT)
        assert_json_error(locked, 429)


def test_logout_on_one_instance_revokes_the_token_on_the_other(cluster):
    a, b = cluster.a.base_url, cluster.b.base_url
    session = sign_up(cluster.nginx.base_url, "leaving@example.com")
    assert session.get(f"{b}/api/v1/users/me", timeout=TIMEOUT).status_code == 200
    logged_out = session.delete(f"{a}/api/v1/sessions/current", timeout=TIMEOUT)
    assert logged_out.status_code == 204, logged_out.text
    for base in (b, cluster.nginx.base_url):
        assert_json_error(session.get(f"{base}/api/v1/users/me", timeout=TIMEOUT), 401)


def test_rotated_signing_key_revokes_urls_on_both_instances(cluster):
    a, b = cluster.a.base_url, cluster.b.base_url
    session = sign_up(cluster.nginx.base_url, "publisher@example.com")
    original = png(200, 100, shade=42)
    image_id = upload(session, a, original).json()["id"]
    signed = session.post(
        f"{a}/api/v1/images/{image_id}/signed-urls", json={}, timeout=TIMEOUT
    )
    assert signed.status_code == 201, signed.text
    parts = urlsplit(signed.json()["url"])
    path = f"{parts.path}?{parts.query}"
    for base in (a, b):
        assert requests.get(f"{base}{path}", timeout=TIMEOUT).content == original

    rotated = session.post(f"{b}/api/v1/users/me/signing-key", timeout=TIMEOUT)
    assert rotated.status_code == 200, rotated.text
    for base in (a, b, cluster.nginx.base_url):
        assert_json_error(requests.get(f"{base}{path}", timeout=TIMEOUT), 403)


def test_sessions_made_on_one_instance_work_on_the_other(cluster):
    sign_up(cluster.nginx.base_url, "roaming@example.com")
    session = logged_in(cluster.a.base_url, "roaming@example.com")
    me = session.get(f"{cluster.b.base_url}/api/v1/users/me", timeout=TIMEOUT)
    assert me.status_code == 200, me.text
    assert me.json()["email"] == "roaming@example.com"
