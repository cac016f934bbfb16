"""Accounts and sessions."""

from __future__ import annotations

from imageapi.openapi.operation import Body
from imageapi.openapi.operation import Header
from imageapi.openapi.operation import Operation
from imageapi.openapi.operation import Response
from imageapi.openapi.operation import error
from imageapi.schemas.accounts import Credentials
from imageapi.schemas.accounts import NewUser
from imageapi.schemas.accounts import TokenOut
from imageapi.schemas.accounts import UserOut

SET_COOKIE = Header("The session cookie: HttpOnly, SameSite=Lax, Path=/.")
NO_STORE = Header("`no-store`: the body holds a credential.")
EMAIL_TAKEN = error("An account with this email (in any letter case) exists.")
WRONG_CREDENTIALS = error(
    "Unknown email or wrong password (the answer does not say which), or the "
    "account is disabled."
)
LOGIN_THROTTLED = error(
    "Too many failed logins for this email from this address: wait.",
    {"Retry-After": Header("Seconds until you may try again.")},
)

OPERATIONS = (
    Operation(
        "POST",
        "/api/v1/users",
        operation_id="registerUser",
        summary="Register an account",
        description="Then log in with `POST /api/v1/sessions`.",
        tags=("accounts",),
        public=True,
        body=Body(NewUser),
        responses={
            201: Response(
                "The new account.",
                model=UserOut,
                headers={"Location": Header("`/api/v1/users/me`.")},
            ),
            409: EMAIL_TAKEN,
        },
    ),
    Operation(
        "GET",
        "/api/v1/users/me",
        operation_id="getCurrentUser",
        summary="The logged-in user's account",
        tags=("accounts",),
        responses={200: Response("The account.", model=UserOut)},
    ),
    Operation(
        "POST",
        "/api/v1/sessions",
        operation_id="createSession",
        summary="Log in",
        description="Returns a bearer token and sets the same token as the "
        "`auth_token` cookie; either authenticates later requests.",
        tags=("sessions",),
        public=True,
        body=Body(Credentials),
        responses={
            200: Response(
                "Logged in.",
                model=TokenOut,
                headers={"Set-Cookie": SET_COOKIE, "Cache-Control": NO_STORE},
            ),
            401: WRONG_CREDENTIALS,
            429: LOGIN_THROTTLED,
        },
    ),
    Operation(
        "DELETE",
        "/api/v1/sessions/current",
        operation_id="deleteCurrentSession",
        summary="Log out",
        description="Revokes the token this request used and clears the cookie; "
        "other sessions stay valid.",
        tags=("sessions",),
        responses={
            204: Response(
                "Logged out.",
                headers={"Set-Cookie": Header("Clears the session cookie.")},
            )
        },
    ),
)
