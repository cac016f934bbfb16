"""Single sign-on with OpenID Connect: providers, login, callback, linking."""

from __future__ import annotations

from imageapi.openapi.operation import Body
from imageapi.openapi.operation import Header
from imageapi.openapi.operation import Operation
from imageapi.openapi.operation import Response
from imageapi.openapi.operation import error
from imageapi.resources.oidc import CallbackUrls
from imageapi.resources.oidc import OidcCallback
from imageapi.resources.oidc import OidcLink
from imageapi.resources.oidc import OidcLogin
from imageapi.resources.oidc import ProviderCollection
from imageapi.routes.accounts import LOGIN_THROTTLED
from imageapi.routes.accounts import NO_STORE
from imageapi.routes.accounts import SET_COOKIE
from imageapi.routes.route import Route
from imageapi.routes.route import RouteContext
from imageapi.routes.route import v1
from imageapi.schemas.accounts import TokenOut
from imageapi.schemas.oidc import CallbackQuery
from imageapi.schemas.oidc import LinkRequest
from imageapi.schemas.oidc import LinkRequiredOut
from imageapi.schemas.oidc import LoginQuery
from imageapi.schemas.oidc import ProviderOut
from imageapi.schemas.oidc import ProviderPath

UNKNOWN_PROVIDER = error("No provider of this name is configured.")
PROVIDER_DOWN = error(
    "The identity provider did not answer, or not readably (discovery, keys or "
    "token endpoint)."
)


def _callbacks(ctx: RouteContext) -> CallbackUrls:
    return CallbackUrls(ctx.urls, ctx.services.sign_on_base_url)


ROUTES = (
    Route(
        "auth_providers",
        v1("/auth/providers"),
        lambda ctx: ProviderCollection(ctx.services.sign_on, ctx.urls),
        (
            Operation(
                "GET",
                operation_id="listAuthProviders",
                summary="The single sign-on providers",
                description='For "Sign in with …" buttons: each links to its '
                "`login_url`. Empty when none is configured.",
                tags=("sessions",),
                public=True,
                responses={200: Response("The providers.", model=list[ProviderOut])},
            ),
        ),
    ),
    Route(
        "oidc_login",
        v1("/auth/oidc/{provider}/login"),
        lambda ctx: OidcLogin(
            ctx.services.sign_on, _callbacks(ctx), ctx.services.login_state
        ),
        (
            Operation(
                "GET",
                operation_id="startOidcLogin",
                summary="Sign in with a provider",
                description="Redirects the browser to the provider (authorization "
                "code flow with PKCE) and sets a short-lived cookie holding the "
                "login's sealed state.",
                tags=("sessions",),
                public=True,
                path_params=ProviderPath,
                query=LoginQuery,
                responses={
                    302: Response(
                        "To the provider.",
                        headers={
                            "Location": Header("The provider's authorization URL."),
                            "Set-Cookie": Header("The login state, HttpOnly."),
                        },
                    ),
                    404: UNKNOWN_PROVIDER,
                    502: PROVIDER_DOWN,
                },
            ),
        ),
    ),
    Route(
        "oidc_callback",
        v1("/auth/oidc/{provider}/callback"),
        lambda ctx: OidcCallback(
            ctx.services.sign_on,
            _callbacks(ctx),
            ctx.services.login_state,
            ctx.services.cookie,
            ctx.urls,
        ),
        (
            Operation(
                "GET",
                operation_id="finishOidcLogin",
                summary="Where the provider sends the browser back",
                description="Checks the state, exchanges the code, verifies the ID "
                "token (signature, issuer, audience, expiry, nonce) and signs in: "
                "the account is found by the provider's issuer and subject, and "
                "made on a first sign-in. Parameters other than these are ignored.",
                tags=("sessions",),
                public=True,
                path_params=ProviderPath,
                query=CallbackQuery,
                responses={
                    200: Response(
                        "Not signed in yet: a password account has this e-mail; "
                        "`POST link_url` with its password links the two, once.",
                        model=LinkRequiredOut,
                        headers={"Cache-Control": NO_STORE},
                    ),
                    302: Response(
                        "Signed in: to the `next` path given at login.",
                        headers={
                            "Location": Header("A path on this site."),
                            "Set-Cookie": SET_COOKIE,
                        },
                    ),
                    400: error(
                        "The sign-in failed: no login in progress, wrong state, "
                        "code refused by the provider, an ID token that fails "
                        "verification, or a parallel first sign-in won."
                    ),
                    403: error(
                        "Refused: registration is closed, the provider has not "
                        "verified the e-mail, or the account is disabled."
                    ),
                    404: UNKNOWN_PROVIDER,
                    502: PROVIDER_DOWN,
                },
            ),
        ),
    ),
    Route(
        "oidc_link",
        v1("/auth/oidc/link"),
        lambda ctx: OidcLink(ctx.services.sign_on, ctx.services.cookie),
        (
            Operation(
                "POST",
                operation_id="linkOidcIdentity",
                summary="Link a sign-on to the password account with its e-mail",
                description="Proves the account is yours once; later sign-ins "
                "with the provider need no password.",
                tags=("sessions",),
                public=True,
                body=Body(LinkRequest, accepts_form=True),
                responses={
                    200: Response(
                        "Linked and logged in.",
                        model=TokenOut,
                        headers={"Set-Cookie": SET_COOKIE, "Cache-Control": NO_STORE},
                    ),
                    401: error(
                        "The link token is not valid or has expired, or the "
                        "password is wrong."
                    ),
                    409: error("This identity is linked to another account."),
                    429: LOGIN_THROTTLED,
                },
            ),
        ),
    ),
)
