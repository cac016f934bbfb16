"""Accounts and sessions: register, see your account, log in and out."""

from __future__ import annotations

from imageapi.openapi.operation import Body
from imageapi.openapi.operation import Header
from imageapi.openapi.operation import Operation
from imageapi.openapi.operation import Response
from imageapi.openapi.operation import error
from imageapi.resources.sessions import CurrentSession
from imageapi.resources.sessions import SessionCollection
from imageapi.resources.users import CurrentUser
from imageapi.resources.users import UserCollection
from imageapi.routes.route import Route
from imageapi.routes.route import v1
from imageapi.schemas.accounts import Credentials
from imageapi.schemas.accounts import NewUser
from imageapi.schemas.accounts import TokenOut
from imageapi.schemas.accounts import UserOut

SET_COOKIE = Header("The session cookie: HttpOnly, SameSite=Lax, Path=/.")
NO_STORE = Header("`no-store`: the body holds a credential.")
EMAIL_TAKEN = error("An account with this email (in any letter case) exists.")
REGISTRATION_REFUSED = error(
    "Registration is closed, or invite-only and no valid unused invite_code was sent."
)
WRONG_CREDENTIALS = error(
    "Unknown email or wrong password (the answer does not say which), or the "
    "account is disabled."
)
PASSWORD_LOGIN_OFF = error(
    "Password login is switched off (`auth.password_login`): use single sign-on."
)
LOGIN_THROTTLED = error(
    "Too many failed logins for this email from this address, from this "
    "address, or for this email; or the server is busy checking passwords: "
    "wait.",
    {"Retry-After": Header("Seconds until you may try again.")},
)

ROUTES = (
    Route(
        "users",
        v1("/users"),
        lambda ctx: UserCollection(ctx.services.registration, ctx.urls),
        (
            Operation(
                "POST",
                operation_id="registerUser",
                summary="Register an account",
                description="Then log in with `POST /api/v1/sessions`.",
                tags=("accounts",),
                public=True,
                body=Body(NewUser, accepts_form=True),
                responses={
                    201: Response(
                        "The new account.",
                        model=UserOut,
                        headers={"Location": Header("`/api/v1/users/me`.")},
                    ),
                    403: REGISTRATION_REFUSED,
                    409: EMAIL_TAKEN,
                },
            ),
        ),
    ),
    Route(
        "current_user",
        v1("/users/me"),
        lambda ctx: CurrentUser(),
        (
            Operation(
                "GET",
                operation_id="getCurrentUser",
                summary="The logged-in user's account",
                tags=("accounts",),
                responses={200: Response("The account.", model=UserOut)},
            ),
        ),
    ),
    Route(
        "sessions",
        v1("/sessions"),
        lambda ctx: SessionCollection(ctx.services.accounts, ctx.services.cookie),
        (
            Operation(
                "POST",
                operation_id="createSession",
                summary="Log in",
                description="Returns a bearer token and sets the same token as the "
                "`auth_token` cookie; either authenticates later requests.",
                tags=("sessions",),
                public=True,
                body=Body(Credentials, accepts_form=True),
                responses={
                    200: Response(
                        "Logged in.",
                        model=TokenOut,
                        headers={"Set-Cookie": SET_COOKIE, "Cache-Control": NO_STORE},
                    ),
                    401: WRONG_CREDENTIALS,
                    403: PASSWORD_LOGIN_OFF,
                    429: LOGIN_THROTTLED,
                },
            ),
        ),
    ),
    Route(
        "current_session",
        v1("/sessions/current"),
        lambda ctx: CurrentSession(ctx.services.accounts, ctx.services.cookie),
        (
            Operation(
                "DELETE",
                operation_id="deleteCurrentSession",
                summary="Log out",
                description="Revokes the token this request used and clears the "
                "cookie; other sessions stay valid.",
                tags=("sessions",),
                responses={
                    204: Response(
                        "Logged out.",
                        headers={"Set-Cookie": Header("Clears the session cookie.")},
                    )
                },
            ),
        ),
    ),
)
