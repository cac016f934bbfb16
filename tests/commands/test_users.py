"""``imageapi users``: list, disable, enable, set-password, set-role, delete."""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy import select

from imageapi.auth.tokens import new_id
from imageapi.db import models
from tests import samples
from tests.helpers import PASSWORD
from tests.helpers import upload
from tests.rows import add_user

NEW_PASSWORD = "another long passphrase"


def log_in(client, email: str, password: str = PASSWORD):
    return client.simulate_post(
        "/api/v1/sessions", json={"email": email, "password": password}
    )


def test_list_disable_enable_and_set_role(imageapi, api, other_api, client):
    listed = imageapi("users", "list")
    assert listed.returncode == 0, listed.stderr
    rows = [line.split("\t") for line in listed.stdout.splitlines()]
    assert [row[1:] for row in rows] == [
        ["alice@example.com", "user", "active"],
        ["bob@example.com", "user", "active"],
    ]

    assert imageapi("users", "disable", "ALICE@example.com").returncode == 0
    assert log_in(client, "alice@example.com").status_code == 401
    assert api.get("/api/v1/users/me").status_code == 401  # sessions too
    assert imageapi("users", "enable", rows[0][0]).returncode == 0
    assert log_in(client, "alice@example.com").status_code == 200

    promoted = imageapi("users", "set-role", "bob@example.com", "admin")
    assert promoted.returncode == 0, promoted.stderr
    assert other_api.get("/api/v1/users/me").json["role"] == "admin"


def test_an_id_that_begins_with_a_dash_goes_after_double_dash(imageapi, db):
    # Ids made by earlier versions may begin with "-", which argparse reads
    # as an option; the help says to put them after "--".
    old_id = add_user(db, user_id="-" + new_id()[1:]).id
    assert imageapi("users", "disable", old_id).returncode == 2
    assert "goes after --" in imageapi("users", "disable", "--help").stdout
    disabled = imageapi("users", "disable", "--", old_id)
    assert disabled.returncode == 0, disabled.stderr
    with db.read() as uow:
        assert uow.session.get(models.User, old_id).disabled


def test_set_password_reads_stdin_and_checks_the_rule(imageapi, api, client):
    short = imageapi("users", "set-password", api.email, input="short\n")
    assert short.returncode == 1
    assert "Traceback" not in short.stderr
    changed = imageapi("users", "set-password", api.email, input=NEW_PASSWORD + "\n")
    assert changed.returncode == 0, changed.stderr
    assert api.get("/api/v1/users/me").status_code == 401  # sessions ended
    assert log_in(client, api.email).status_code == 401
    assert log_in(client, api.email, NEW_PASSWORD).status_code == 200


def test_unknown_user_is_one_line(imageapi):
    result = imageapi("users", "disable", "nobody@example.com")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "imageapi: No user with email or id 'nobody@example.com'."
    )


def test_delete_removes_images_derivatives_keys_and_objects(
    imageapi, config, db, api, other_api
):
    mine = upload(api, samples.png_bytes(300, 200)).json
    assert api.get(f"{mine['links']['content']}?width=50").status_code == 200
    assert (
        api.post("/api/v1/users/me/api-keys", json={"name": "script"}).status_code
        == 201
    )
    kept = upload(other_api, samples.png_bytes()).json
    objects = config.data_dir / "images"
    assert any(objects.rglob(f"*{mine['id']}*"))

    refused = imageapi("users", "delete", api.email)  # no terminal, no --yes
    assert refused.returncode == 1
    deleted = imageapi("users", "delete", api.email, "--yes")
    assert deleted.returncode == 0, deleted.stderr
    assert "deleted alice@example.com and 1 images" in deleted.stdout

    leftovers = [path for path in objects.rglob("*") if path.is_file()]
    assert not [path for path in leftovers if mine["id"] in str(path)]
    assert [path for path in leftovers if kept["id"] in str(path)]
    with db.read() as uow:
        count = uow.session.scalar
        assert count(select(func.count()).select_from(models.User)) == 1
        assert count(select(func.count()).select_from(models.Image)) == 1
        assert count(select(func.count()).select_from(models.ApiKey)) == 0
        assert count(select(func.count()).select_from(models.Derivative)) == 0
    assert other_api.get(f"/api/v1/images/{kept['id']}").status_code == 200
