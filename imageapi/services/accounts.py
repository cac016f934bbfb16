"""Accounts and sessions: register, authenticate, issue and revoke tokens."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from imageapi.auth.passwords import Passwords
from imageapi.auth.tokens import new_id
from imageapi.auth.tokens import new_token
from imageapi.auth.tokens import token_hash
from imageapi.db import models
from imageapi.db.repositories.api_keys import ACTIVE_KEY_USER
from imageapi.db.repositories.sessions import ACTIVE_SESSION_USER
from imageapi.db.uow import Database
from imageapi.domain import Principal
from imageapi.domain import User
from imageapi.errors import AlreadyExists
from imageapi.errors import InvalidCredentials
from imageapi.errors import InvalidInput
from imageapi.errors import NotFound
from imageapi.errors import PasswordLoginDisabled
from imageapi.services.rate_limits import DisabledLoginThrottle
from imageapi.services.rate_limits import LoginThrottle

API_KEY_PREFIX = "iak_"
# last_used_at is written at most this often per key, not on every request.
API_KEY_TOUCH_INTERVAL = timedelta(minutes=1)

# The password rule, for every way an account is made (the API, the command
# line); the request schema states the same numbers in the API document.
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime


class AccountService:
    def __init__(
        self,
        db: Database,
        passwords: Passwords,
        token_ttl: timedelta,
        clock: Callable[[], datetime],
        login_throttle: LoginThrottle | None = None,
        password_login: bool = True,
    ) -> None:
        self._password_login = password_login
        self._db = db
        self._passwords = passwords
        self._token_ttl = token_ttl
        self._clock = clock
        self._throttle = login_throttle or DisabledLoginThrottle()

    def register(self, email: str, password: str, role: str = "user") -> User:
        """Create an account; emails are unique whatever their case.

        Raises:
            InvalidInput: the password breaks the rule (see check_password).
            AlreadyExists: an account has this email.
        """
        check_password(password)
        user = models.User(
            id=new_id(),
            email=email.strip(),
            email_key=email.strip().lower(),
            password_hash=self._passwords.hash(password),
            role=role,
            disabled=False,
            created_at=self._clock(),
        )
        with self._db.write() as uow:
            if uow.users.get_by_email(email) is not None:
                raise AlreadyExists("An account with this email already exists.")
            uow.users.add(user)
            try:
                uow.commit()
            except IntegrityError:
                # Lost a race against a parallel registration of the same email.
                raise AlreadyExists(
                    "An account with this email already exists."
                ) from None
            return user.to_domain()

    def log_in(self, email: str, password: str, client_ip: str = "") -> IssuedToken:
        """Check the password and open a session. One message for both failures.

        Attempts count per client IP and email, before the password is
        checked (a success clears the count); past the configured number the
        pair gets 429 until the window ends, even with the right password, so
        guessing cannot go on, however many attempts run in parallel.
        """
        if not self._password_login:
            raise PasswordLoginDisabled(
                "Password login is switched off: sign in with single sign-on "
                "(the auth providers list names the providers), or use an API key."
            )
        user = self.verify_password(email, password, client_ip)
        return self.open_session(user.id)

    def verify_password(self, email: str, password: str, client_ip: str = "") -> User:
        """The account whose password this is (throttled like a login).

        Raises:
            InvalidCredentials: unknown email, wrong password, disabled account.
            TooManyRequests: too many failures for this client IP and email,
                or every password hashing place is taken.
        """
        # Counted before anything else, even when no place to hash is free:
        # a flood of parallel guesses then locks the pair out all the same.
        self._throttle.attempt(client_ip, email)
        # A place to hash before the account is looked up: past the bound the
        # answer is 429 at once, without a query.
        with self._passwords.admitted() as hashing:
            with self._db.read() as uow:
                user = uow.users.get_by_email(email)
            stored = user.password_hash if user is not None else None
            matches = hashing.verify(stored, password)
        if not matches or user is None:
            self._throttle.failed(client_ip, email)
            raise InvalidCredentials("The email or password is wrong.")
        if user.disabled:
            raise InvalidCredentials("This account is disabled.")
        self._throttle.succeeded(client_ip, email)
        return user.to_domain()

    def open_session(self, user_id: str) -> IssuedToken:
        """A new session token for an account whose owner proved who they are."""
        token = new_token()
        now = self._clock()
        expires_at = now + self._token_ttl
        with self._db.write() as uow:
            uow.sessions.add(
                models.Session(
                    user_id=user_id,
                    token_hash=token_hash(token),
                    created_at=now,
                    expires_at=expires_at,
                )
            )
            uow.commit()
        return IssuedToken(token=token, expires_at=expires_at)

    def set_password(self, user_id: str, password: str) -> None:
        """Replace the password (an administrator's reset) and end every
        session opened with the old one (API keys stay valid).

        Raises:
            InvalidInput: the password breaks the rule (see check_password).
            NotFound: no such user.
        """
        check_password(password)
        password_hash = self._passwords.hash(password)
        with self._db.write() as uow:
            user = uow.users.get(user_id)
            if user is None:
                raise NotFound(f"No user with id {user_id!r}.")
            user.password_hash = password_hash
            uow.sessions.revoke_all(user_id, self._clock())
            uow.commit()

    def authenticate(self, token: str) -> Principal | None:
        """The principal behind a bearer token, API key or cookie, or None."""
        if token.startswith(API_KEY_PREFIX):
            return self._authenticate_api_key(token)
        login = self._db.read_one(
            ACTIVE_SESSION_USER, {"token_hash": token_hash(token), "now": self._clock()}
        )
        if login is None or login.disabled:
            return None
        return Principal(
            user=models.User.domain_from(login), session_id=login.session_id
        )

    def _authenticate_api_key(self, key: str) -> Principal | None:
        now = self._clock()
        found = self._db.read_one(ACTIVE_KEY_USER, {"key_hash": token_hash(key)})
        if found is None or found.disabled:
            return None
        stale_before = now - API_KEY_TOUCH_INTERVAL
        last_used = found.api_key_last_used_at
        if last_used is None or last_used < stale_before:
            with self._db.write() as uow:
                uow.api_keys.touch(found.api_key_id, now, stale_before)
                uow.commit()
        return Principal(
            user=models.User.domain_from(found), api_key_id=found.api_key_id
        )

    def log_out(self, principal: Principal) -> None:
        if principal.session_id is None:
            return
        with self._db.write() as uow:
            uow.sessions.revoke(principal.session_id, self._clock())
            uow.commit()


def check_password(password: str) -> None:
    """Refuse a password outside the length rule, in the words the request
    schema uses for the same rule, so every caller sees one message."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"password: String should have at least {MIN_PASSWORD_LENGTH} characters"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            f"password: String should have at most {MAX_PASSWORD_LENGTH} characters"
        )
