"""auth.registration: open, closed (403 on both register routes) or invite."""

from __future__ import annotations

from tests.api.transforms import app_with
from tests.helpers import PASSWORD
from tests.helpers import assert_error

REGISTER_ROUTES = ("/api/v1/users", "/api/user/register")


def account(email: str, **extra) -> dict:
    return {"email": email, "password": PASSWORD, **extra}


def test_closed_registration_is_403_on_both_routes(config, make_app):
    client = app_with(make_app, config, auth={"registration": "closed"})
    for path in REGISTER_ROUTES:
        body = assert_error(client.simulate_post(path, json=account("a@x.org")), 403)
        assert "Registration is closed" in body["description"]


def test_invite_codes_are_needed_and_work_once(config, make_app, imageapi):
    client = app_with(make_app, config, auth={"registration": "invite"})
    refused = client.simulate_post("/api/v1/users", json=account("a@x.org"))
    assert "invite" in assert_error(refused, 403)["description"]
    wrong = account("a@x.org", invite_code="inv_made-up")
    assert_error(client.simulate_post("/api/v1/users", json=wrong), 403)

    created = imageapi("invites", "create", "--count", "2")
    assert created.returncode == 0, created.stderr
    first, second = created.stdout.split()

    ok = client.simulate_post(
        "/api/v1/users", json=account("a@x.org", invite_code=first)
    )
    assert ok.status_code == 201, ok.text
    reused = account("b@x.org", invite_code=first)
    assert_error(client.simulate_post("/api/v1/users", json=reused), 403)
    # A failed registration (the email is taken) does not spend the code.
    taken = account("a@x.org", invite_code=second)
    assert client.simulate_post("/api/v1/users", json=taken).status_code == 409
    legacy = account("c@x.org", invite_code=second)
    assert client.simulate_post("/api/user/register", json=legacy).status_code == 201
