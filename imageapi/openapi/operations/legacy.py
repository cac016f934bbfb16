"""The earlier project's routes: deprecated, served by the same services."""

from __future__ import annotations

from imageapi.openapi.operation import Body
from imageapi.openapi.operation import Operation
from imageapi.openapi.operation import Response
from imageapi.openapi.operations.accounts import EMAIL_TAKEN
from imageapi.openapi.operations.accounts import NO_STORE
from imageapi.openapi.operations.accounts import SET_COOKIE
from imageapi.openapi.operations.accounts import WRONG_CREDENTIALS
from imageapi.schemas.accounts import Credentials
from imageapi.schemas.accounts import NewUser
from imageapi.schemas.accounts import TokenOut
from imageapi.schemas.accounts import UserOut

OPERATIONS = (
    Operation(
        "POST",
        "/api/user/register",
        operation_id="legacyRegister",
        summary="Register (earlier project; use POST /api/v1/users)",
        tags=("legacy",),
        public=True,
        deprecated=True,
        body=Body(NewUser),
        responses={201: Response("The new account.", model=UserOut), 409: EMAIL_TAKEN},
    ),
    Operation(
        "POST",
        "/api/user/login",
        operation_id="legacyLogin",
        summary="Log in (earlier project; use POST /api/v1/sessions)",
        tags=("legacy",),
        public=True,
        deprecated=True,
        body=Body(Credentials),
        responses={
            200: Response(
                "Logged in; sets the session cookie.",
                model=TokenOut,
                headers={"Set-Cookie": SET_COOKIE, "Cache-Control": NO_STORE},
            ),
            401: WRONG_CREDENTIALS,
        },
    ),
)
