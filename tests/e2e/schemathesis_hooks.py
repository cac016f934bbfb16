"""Loaded by schemathesis (``SCHEMATHESIS_HOOKS``): log in like a real client.

Registers one account on the server under test and logs it in; the token goes
out as a bearer header. schemathesis fetches a new one after any 401, which
matters because ``DELETE /api/v1/sessions/current`` revokes it mid-run.
"""

from __future__ import annotations

import os

import requests
import schemathesis

BASE_URL_VARIABLE = "IMAGEAPI_SCHEMATHESIS_BASE_URL"
EMAIL = "schemathesis@example.com"
PASSWORD = "schemathesis password"


@schemathesis.auth()
class SessionToken:
    def get(self, case, context) -> str:
        base = os.environ[BASE_URL_VARIABLE]
        account = {"email": EMAIL, "password": PASSWORD}
        registered = requests.post(f"{base}/api/v1/users", json=account, timeout=10)
        assert registered.status_code in (201, 409), registered.text
        login = requests.post(f"{base}/api/v1/sessions", json=account, timeout=10)
        login.raise_for_status()
        return login.json()["token"]

    def set(self, case, data: str, context) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}
