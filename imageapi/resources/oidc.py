"""Single sign-on: the provider list, the login redirect, the callback, linking."""

from __future__ import annotations

from typing import TYPE_CHECKING

import falcon

from imageapi.config import AuthConfig
from imageapi.resources.sessions import SessionCookie
from imageapi.schemas.oidc import CallbackQuery
from imageapi.schemas.oidc import LinkRequest
from imageapi.schemas.oidc import LoginQuery
from imageapi.services.oidc import LinkRequired
from imageapi.services.oidc import SingleSignOnService
from imageapi.web.body import read_body
from imageapi.web.query import read_query

if TYPE_CHECKING:
    from imageapi.routes.urls import Urls

# Holds the sealed state of a login in progress, until the callback.
STATE_COOKIE = "oidc_login"


class LoginStateCookie:
    """The short-lived cookie that carries a login from its start to its callback.

    SameSite=Lax: the callback is a top-level navigation from the provider's
    site, which Lax cookies follow and cross-site subrequests do not.
    """

    def __init__(self, auth: AuthConfig) -> None:
        self._secure = auth.cookie_secure

    def set(self, resp: falcon.Response, value: str, max_age: int) -> None:
        resp.set_cookie(
            STATE_COOKIE,
            value,
            max_age=max_age,
            path="/",
            secure=self._secure,
            http_only=True,
            same_site="Lax",
        )

    def read(self, req: falcon.Request) -> str | None:
        values = req.get_cookie_values(STATE_COOKIE)
        return values[-1] if values else None

    def clear(self, resp: falcon.Response) -> None:
        resp.unset_cookie(STATE_COOKIE, path="/", same_site="Lax")


class CallbackUrls:
    """The absolute callback URL a provider redirects back to."""

    def __init__(self, urls: Urls, base_url: str) -> None:
        self._urls = urls
        self._base_url = base_url

    def callback(self, req: falcon.Request, provider: str) -> str:
        base = self._base_url or req.prefix
        return base + self._urls.url_for("oidc_callback", provider=provider)


class ProviderCollection:
    public_methods = frozenset({"GET"})

    def __init__(self, sign_on: SingleSignOnService, urls: Urls) -> None:
        self._sign_on = sign_on
        self._urls = urls

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = [
            {
                "name": provider.name,
                "display_name": provider.display_name,
                "login_url": self._urls.url_for("oidc_login", provider=provider.name),
            }
            for provider in self._sign_on.providers()
        ]


class OidcLogin:
    public_methods = frozenset({"GET"})

    def __init__(
        self,
        sign_on: SingleSignOnService,
        callbacks: CallbackUrls,
        state_cookie: LoginStateCookie,
    ) -> None:
        self._sign_on = sign_on
        self._callbacks = callbacks
        self._state_cookie = state_cookie

    def on_get(self, req: falcon.Request, resp: falcon.Response, provider: str):
        query = read_query(req, LoginQuery)
        start = self._sign_on.start(
            provider, self._callbacks.callback(req, provider), query.next
        )
        self._state_cookie.set(resp, start.state_cookie, start.max_age_seconds)
        resp.set_header("Cache-Control", "no-store")
        resp.status = falcon.HTTP_302
        resp.location = start.provider_url


class OidcCallback:
    public_methods = frozenset({"GET"})

    def __init__(
        self,
        sign_on: SingleSignOnService,
        callbacks: CallbackUrls,
        state_cookie: LoginStateCookie,
        session_cookie: SessionCookie,
        urls: Urls,
    ) -> None:
        self._sign_on = sign_on
        self._callbacks = callbacks
        self._state_cookie = state_cookie
        self._session_cookie = session_cookie
        self._urls = urls

    def on_get(self, req: falcon.Request, resp: falcon.Response, provider: str):
        # Providers add parameters of their own (iss, session_state, scope...).
        theirs = frozenset(req.params) - frozenset(CallbackQuery.model_fields)
        callback = read_query(req, CallbackQuery, ignore=theirs)
        # The state is good for one callback, whatever its outcome.
        self._state_cookie.clear(resp)
        resp.set_header("Cache-Control", "no-store")
        outcome = self._sign_on.finish(
            provider,
            self._callbacks.callback(req, provider),
            callback.model_dump(exclude_defaults=True),
            self._state_cookie.read(req),
        )
        if isinstance(outcome, LinkRequired):
            resp.media = {
                "status": "link_required",
                "description": f"An account with {outcome.email} exists: send its "
                "password with link_token to link this sign-on to it.",
                "email": outcome.email,
                "link_token": outcome.link_token,
                "link_url": self._urls.url_for("oidc_link"),
                "expires_at": outcome.expires_at,
            }
            return
        self._session_cookie.set(req, resp, outcome.issued)
        resp.status = falcon.HTTP_302
        resp.location = outcome.next_path


class OidcLink:
    public_methods = frozenset({"POST"})

    def __init__(self, sign_on: SingleSignOnService, cookie: SessionCookie) -> None:
        self._sign_on = sign_on
        self._cookie = cookie

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = read_body(req, LinkRequest)
        signed_in = self._sign_on.link(body.link_token, body.password, req.remote_addr)
        self._cookie.set(req, resp, signed_in.issued)
        resp.set_header("Cache-Control", "no-store")
        resp.media = {
            "token": signed_in.issued.token,
            "expires_at": signed_in.issued.expires_at,
        }
