"""ApiKeyService and API-key authentication: shown once, stored hashed, revocable."""

from __future__ import annotations

import pytest

from imageapi import domain
from imageapi.auth.tokens import token_hash
from imageapi.db.models import ApiKey
from imageapi.errors import Forbidden
from imageapi.errors import NotFound
from imageapi.services.accounts import API_KEY_PREFIX
from imageapi.services.api_keys import ApiKeyService
from tests.helpers import PASSWORD


@pytest.fixture
def api_keys(db, clock) -> ApiKeyService:
    return ApiKeyService(db, clock)


@pytest.fixture
def carol(accounts) -> domain.User:
    return accounts.register("carol@example.com", PASSWORD)


def test_a_key_is_shown_once_and_only_its_hash_is_stored(api_keys, carol, db):
    issued = api_keys.create(domain.Principal(user=carol), "backup script")
    assert issued.key.startswith(API_KEY_PREFIX)
    assert type(issued.api_key) is domain.ApiKey
    assert issued.api_key.name == "backup script"
    with db.read() as uow:
        row = uow.session.get(ApiKey, issued.api_key.id)
        assert row.key_hash == token_hash(issued.key) != issued.key


def test_a_key_authenticates_its_user(api_keys, accounts, carol):
    issued = api_keys.create(domain.Principal(user=carol), "k")
    principal = accounts.authenticate(issued.key)
    assert principal == domain.Principal(user=carol, api_key_id=issued.api_key.id)
    assert accounts.authenticate(issued.key + "x") is None


def test_use_is_recorded_at_most_once_a_minute(api_keys, accounts, carol, clock):
    issued = api_keys.create(domain.Principal(user=carol), "k")
    first_use = clock()
    accounts.authenticate(issued.key)
    clock.advance(seconds=30)
    accounts.authenticate(issued.key)
    assert api_keys.list_for(carol.id)[0].last_used_at == first_use
    clock.advance(seconds=31)
    accounts.authenticate(issued.key)
    assert api_keys.list_for(carol.id)[0].last_used_at == clock()


def test_list_shows_only_the_users_active_keys_oldest_first(
    api_keys, accounts, carol, clock
):
    bob = accounts.register("bob@example.com", PASSWORD)
    first = api_keys.create(domain.Principal(user=carol), "first")
    clock.advance(seconds=1)
    second = api_keys.create(domain.Principal(user=carol), "second")
    revoked = api_keys.create(domain.Principal(user=carol), "revoked")
    api_keys.create(domain.Principal(user=bob), "bob's")
    api_keys.revoke(carol.id, revoked.api_key.id)
    assert api_keys.list_for(carol.id) == [first.api_key, second.api_key]


def test_revoking_stops_the_key_and_is_not_repeatable(api_keys, accounts, carol):
    issued = api_keys.create(domain.Principal(user=carol), "k")
    api_keys.revoke(carol.id, issued.api_key.id)
    assert accounts.authenticate(issued.key) is None
    with pytest.raises(NotFound) as again:
        api_keys.revoke(carol.id, issued.api_key.id)
    assert again.value.status == 404


def test_another_users_key_cannot_be_revoked(api_keys, accounts, carol):
    bob = accounts.register("bob@example.com", PASSWORD)
    issued = api_keys.create(domain.Principal(user=carol), "k")
    with pytest.raises(NotFound):
        api_keys.revoke(bob.id, issued.api_key.id)
    assert accounts.authenticate(issued.key) is not None


def test_a_disabled_users_keys_stop_working(api_keys, accounts, carol, db):
    issued = api_keys.create(domain.Principal(user=carol), "k")
    with db.write() as uow:
        uow.users.get(carol.id).disabled = True
        uow.commit()
    assert accounts.authenticate(issued.key) is None


def test_a_key_cannot_create_keys(api_keys, carol, accounts):
    issued = api_keys.create(domain.Principal(user=carol), "script")
    through_key = accounts.authenticate(issued.key)
    assert through_key is not None and through_key.api_key_id == issued.api_key.id
    with pytest.raises(Forbidden):
        api_keys.create(through_key, "successor")
    assert [key.name for key in api_keys.list_for(carol.id)] == ["script"]
