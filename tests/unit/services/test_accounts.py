"""AccountService: the password rule, unique emails, logins and sessions."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import select

from imageapi import domain
from imageapi.db.models import User
from imageapi.errors import AlreadyExists
from imageapi.errors import InvalidCredentials
from imageapi.errors import InvalidInput
from imageapi.services.accounts import MAX_PASSWORD_LENGTH
from imageapi.services.accounts import MIN_PASSWORD_LENGTH
from tests.helpers import PASSWORD


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("", f"at least {MIN_PASSWORD_LENGTH} characters"),
        ("x" * (MIN_PASSWORD_LENGTH - 1), f"at least {MIN_PASSWORD_LENGTH} characters"),
        ("x" * (MAX_PASSWORD_LENGTH + 1), f"at most {MAX_PASSWORD_LENGTH} characters"),
    ],
)
def test_register_refuses_a_password_outside_the_rule(accounts, db, password, rule):
    with pytest.raises(InvalidInput) as refused:
        accounts.register("carol@example.com", password)
    assert refused.value.status == 422
    assert refused.value.description == f"password: String should have {rule}"
    with db.read() as uow:
        assert uow.users.get_by_email("carol@example.com") is None


def test_register_accepts_the_shortest_and_longest_passwords(accounts):
    accounts.register("short@example.com", "x" * MIN_PASSWORD_LENGTH)
    accounts.register("long@example.com", "x" * MAX_PASSWORD_LENGTH)
    accounts.log_in("long@example.com", "x" * MAX_PASSWORD_LENGTH)


def test_register_returns_a_frozen_user_and_stores_only_a_hash(accounts, db, clock):
    user = accounts.register(" Carol@Example.com ", PASSWORD, role="admin")
    assert type(user) is domain.User
    assert (user.email, user.role, user.disabled) == (
        "Carol@Example.com",
        "admin",
        False,
    )
    assert user.created_at == clock()
    with pytest.raises(dataclasses.FrozenInstanceError):
        user.role = "user"
    with db.read() as uow:
        row = uow.session.scalars(select(User).where(User.id == user.id)).one()
        assert row.email_key == "carol@example.com"
        assert row.password_hash.startswith("$argon2id$")


def test_emails_are_unique_whatever_their_case(accounts):
    accounts.register("carol@example.com", PASSWORD)
    with pytest.raises(AlreadyExists) as refused:
        accounts.register("CAROL@example.com", PASSWORD)
    assert refused.value.status == 409


def test_log_in_gives_a_token_that_authenticates_until_it_expires(accounts, clock):
    user = accounts.register("carol@example.com", PASSWORD)
    issued = accounts.log_in("CAROL@example.com", PASSWORD)
    assert issued.expires_at == clock() + timedelta(hours=1)  # see conftest
    principal = accounts.authenticate(issued.token)
    assert principal == domain.Principal(
        user=user, session_id=principal.session_id, api_key_id=None
    )
    clock.advance(hours=1)
    assert accounts.authenticate(issued.token) is None


def test_wrong_password_and_unknown_email_fail_alike(accounts):
    accounts.register("carol@example.com", PASSWORD)
    with pytest.raises(InvalidCredentials) as wrong:
        accounts.log_in("carol@example.com", PASSWORD + "!")
    with pytest.raises(InvalidCredentials) as unknown:
        accounts.log_in("nobody@example.com", PASSWORD)
    assert wrong.value.description == unknown.value.description
    assert wrong.value.status == 401


def test_log_out_revokes_only_that_session(accounts):
    accounts.register("carol@example.com", PASSWORD)
    first = accounts.log_in("carol@example.com", PASSWORD)
    second = accounts.log_in("carol@example.com", PASSWORD)
    accounts.log_out(accounts.authenticate(first.token))
    assert accounts.authenticate(first.token) is None
    assert accounts.authenticate(second.token) is not None


def test_a_disabled_user_can_neither_log_in_nor_use_a_session(accounts, db):
    user = accounts.register("carol@example.com", PASSWORD)
    issued = accounts.log_in("carol@example.com", PASSWORD)
    with db.write() as uow:
        uow.users.get(user.id).disabled = True
        uow.commit()
    assert accounts.authenticate(issued.token) is None
    with pytest.raises(InvalidCredentials, match="disabled"):
        accounts.log_in("carol@example.com", PASSWORD)
