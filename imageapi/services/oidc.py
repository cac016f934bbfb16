"""Single sign-on with OpenID Connect: start a login, finish it, link accounts.

Nothing is kept on the server between the login and the callback: the state,
the nonce and the PKCE verifier travel in a short-lived cookie encrypted and
authenticated with a key derived from the app secret (JWE, ``dir`` +
A256GCM), so any worker of any instance can finish a login another started.
The same kind of sealed token carries a pending account link.

Accounts are found by the provider's issuer and ``sub`` (``identities``),
never by e-mail alone: an e-mail that matches a password account is linked
only when the provider vouches for it (``email_verified``) and the user types
that account's password once (``link``).
"""

from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeVar

from sqlalchemy.exc import IntegrityError

from imageapi.auth.oidc import OidcClient
from imageapi.auth.oidc import ProviderRefused
from imageapi.auth.oidc import ProviderUnreachable
from imageapi.auth.tokens import new_id
from imageapi.config import OidcProviderConfig
from imageapi.db import models
from imageapi.db.uow import Database
from imageapi.db.uow import UnitOfWork
from imageapi.domain import IdentityProvider
from imageapi.errors import AlreadyExists
from imageapi.errors import IdentityProviderUnavailable
from imageapi.errors import InvalidCredentials
from imageapi.errors import NotFound
from imageapi.errors import SignInFailed
from imageapi.errors import SignInRefused
from imageapi.services.accounts import AccountService
from imageapi.services.accounts import IssuedToken

# Time a person has at the provider, and to type a password for a link.
LOGIN_WINDOW = timedelta(minutes=10)
LINK_WINDOW = timedelta(minutes=10)
T = TypeVar("T")

if TYPE_CHECKING:
    from imageapi.auth.sealed_tokens import SealedTokens


@dataclass(frozen=True)
class LoginStart:
    """Where to send the browser, and the sealed state it must bring back."""

    provider_url: str
    state_cookie: str
    max_age_seconds: int


@dataclass(frozen=True)
class SignedIn:
    issued: IssuedToken
    next_path: str


@dataclass(frozen=True)
class LinkRequired:
    """A password account has this e-mail: its password must be typed once."""

    email: str
    link_token: str
    expires_at: datetime


class SingleSignOnService:
    def __init__(
        self,
        db: Database,
        accounts: AccountService,
        providers: Mapping[str, OidcProviderConfig],
        clients: Mapping[str, OidcClient],
        secret_key: str,
        clock: Callable[[], datetime],
        create_accounts: bool = True,
    ) -> None:
        self._db = db
        self._accounts = accounts
        self._providers = providers
        self._clients = clients
        self._clock = clock
        self._create_accounts = create_accounts
        self._secret_key = secret_key

    # Made at first use: joserfc (and the cryptography it loads) costs each
    # worker ~9 MiB, and most servers never see a sign-on.
    @functools.cached_property
    def _states(self) -> SealedTokens:
        from imageapi.auth.sealed_tokens import SealedTokens

        return SealedTokens(self._secret_key, "oidc-state", self._clock)

    @functools.cached_property
    def _links(self) -> SealedTokens:
        from imageapi.auth.sealed_tokens import SealedTokens

        return SealedTokens(self._secret_key, "oidc-link", self._clock)

    def providers(self) -> list[IdentityProvider]:
        return [
            IdentityProvider(name=name, display_name=settings.display_name or name)
            for name, settings in self._providers.items()
        ]

    def start(self, provider: str, redirect_uri: str, next_path: str) -> LoginStart:
        client = self._client(provider)
        state = secrets.token_urlsafe(32)
        nonce = secrets.token_urlsafe(32)
        verifier = secrets.token_urlsafe(48)  # 64 characters, within RFC 7636
        url = _provider_call(
            lambda: client.authorization_request(redirect_uri, state, nonce, verifier)
        )
        sealed = self._states.seal(
            {
                "provider": provider,
                "state": state,
                "nonce": nonce,
                "verifier": verifier,
                "next": next_path,
            },
            LOGIN_WINDOW,
        )
        return LoginStart(url, sealed, int(LOGIN_WINDOW.total_seconds()))

    def finish(
        self,
        provider: str,
        redirect_uri: str,
        callback: Mapping[str, str],
        state_cookie: str | None,
    ) -> SignedIn | LinkRequired:
        """Check the callback against the sealed state, verify the ID token and
        sign the account in (creating it on a first sign-in)."""
        client = self._client(provider)
        login = self._states.open(state_cookie) if state_cookie else None
        if login is None or login["provider"] != provider:
            raise SignInFailed(
                "No sign-in with this provider is in progress in this browser, "
                "or it took too long: start again."
            )
        if not hmac.compare_digest(callback.get("state", ""), login["state"]):
            raise SignInFailed("The state does not match this browser's sign-in.")
        if "error" in callback:
            raise SignInFailed(f"The provider answered: {callback['error']}.")
        if not callback.get("code"):
            raise SignInFailed("The provider sent no authorization code.")
        claims = _provider_call(
            lambda: client.verified_claims(
                callback["code"], redirect_uri, login["verifier"], login["nonce"]
            )
        )
        return self._sign_in(provider, client.issuer, claims, login["next"])

    def link(self, link_token: str, password: str, client_ip: str) -> SignedIn:
        """Attach a pending identity to the password account it matched."""
        pending = self._links.open(link_token)
        if pending is None:
            raise InvalidCredentials("The link token is not valid or has expired.")
        user = self._accounts.verify_password(pending["email"], password, client_ip)
        if user.id != pending["user_id"]:
            raise SignInFailed("The link token is for another account.")
        with self._db.write() as uow:
            identity = uow.identities.get(pending["issuer"], pending["subject"])
            if identity is not None and identity.user_id != user.id:
                raise AlreadyExists("This identity is linked to another account.")
            if identity is None:
                uow.identities.add(
                    models.Identity(
                        user_id=user.id,
                        issuer=pending["issuer"],
                        subject=pending["subject"],
                        created_at=self._clock(),
                    )
                )
            if pending["role"]:
                uow.users.get(user.id).role = pending["role"]
            try:
                uow.commit()
            except IntegrityError:
                # The same identity was linked by a parallel request.
                raise AlreadyExists("This identity is already linked.") from None
        return SignedIn(self._accounts.open_session(user.id), pending["next"])

    def _sign_in(
        self, provider: str, issuer: str, claims: dict[str, Any], next_path: str
    ) -> SignedIn | LinkRequired:
        subject = str(claims["sub"])
        role = self._role(provider, claims)
        with self._db.write() as uow:
            identity = uow.identities.get(issuer, subject)
            if identity is not None:
                if identity.user.disabled:
                    raise SignInRefused("This account is disabled.")
                if role:
                    identity.user.role = role
                uow.commit()
                user_id = identity.user_id
            else:
                outcome = self._first_sign_in(
                    uow, issuer, subject, claims, role, next_path
                )
                if isinstance(outcome, LinkRequired):
                    return outcome
                user_id = outcome
        # After the unit of work: a session is its own write transaction.
        return SignedIn(self._accounts.open_session(user_id), next_path)

    def _first_sign_in(
        self,
        uow: UnitOfWork,
        issuer: str,
        subject: str,
        claims: dict[str, Any],
        role: str,
        next_path: str,
    ) -> str | LinkRequired:
        """The new account's id, or the link a matching password account needs."""
        email = _verified_email(claims)
        existing = uow.users.get_by_email(email)
        if existing is not None:
            return self._link_required(
                existing.id, email, issuer, subject, role, next_path
            )
        if not self._create_accounts:
            raise SignInRefused(
                "Registration is closed: an administrator must create the "
                "account first."
            )
        user_id = self._add_user(uow, email, role or "user")
        uow.identities.add(
            models.Identity(
                user_id=user_id,
                issuer=issuer,
                subject=subject,
                created_at=self._clock(),
            )
        )
        try:
            uow.commit()
        except IntegrityError:
            # A parallel first sign-in of the same person won the race.
            raise AlreadyExists(
                "This account was just created by another sign-in: sign in again."
            ) from None
        return user_id

    def _link_required(
        self,
        user_id: str,
        email: str,
        issuer: str,
        subject: str,
        role: str,
        next_path: str,
    ) -> LinkRequired:
        token = self._links.seal(
            {
                "user_id": user_id,
                "email": email,
                "issuer": issuer,
                "subject": subject,
                "role": role,
                "next": next_path,
            },
            LINK_WINDOW,
        )
        return LinkRequired(email, token, self._clock() + LINK_WINDOW)

    def _add_user(self, uow: UnitOfWork, email: str, role: str) -> str:
        user = models.User(
            id=new_id(),
            email=email,
            email_key=email.lower(),
            # No password: argon2 never verifies an empty hash, so the account
            # signs in through its provider only (until a password is set).
            password_hash="",
            role=role,
            disabled=False,
            created_at=self._clock(),
        )
        uow.users.add(user)
        return user.id

    def _role(self, provider: str, claims: dict[str, Any]) -> str:
        """ "admin" or "user" when the provider's claim decides roles, else ""."""
        settings = self._providers[provider]
        if not settings.admin_claim:
            return ""
        value = claims.get(settings.admin_claim)
        values = value if isinstance(value, list) else [value]
        return "admin" if settings.admin_value in values else "user"

    def _client(self, provider: str) -> OidcClient:
        client = self._clients.get(provider)
        if client is None:
            raise NotFound(f"No single sign-on provider named {provider!r}.")
        return client


def _verified_email(claims: dict[str, Any]) -> str:
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise SignInRefused(
            "The provider sent no e-mail address; it must release the email scope."
        )
    # Some providers (Cognito) send the boolean as a string.
    if claims.get("email_verified") not in (True, "true"):
        raise SignInRefused(
            "The provider has not verified this e-mail address, so it cannot "
            "make or join an account here."
        )
    return email.strip()


def _provider_call(call: Callable[[], T]) -> T:
    try:
        return call()
    except ProviderUnreachable as exc:
        raise IdentityProviderUnavailable(
            f"The identity provider did not answer: {exc}"
        ) from None
    except ProviderRefused as exc:
        raise SignInFailed(str(exc)) from None
