"""Loaded by schemathesis (``SCHEMATHESIS_HOOKS``): log in, and make images.

Registers one account on the server under test and logs it in; the token goes
out as a bearer header. schemathesis fetches a new one after any 401, which
matters because ``DELETE /api/v1/sessions/current`` revokes it mid-run.

The upload's ``image`` part is documented as ``image/*``; the strategy
registered for it sends real images (made here with pyvips, in several formats
and sizes) and, as often, arbitrary bytes, which the server must refuse with
415 rather than fail on.
"""

from __future__ import annotations

import os

import requests
import schemathesis
from hypothesis import strategies as st

from tests import samples

BASE_URL_VARIABLE = "IMAGEAPI_SCHEMATHESIS_BASE_URL"
EMAIL = "schemathesis@example.com"
PASSWORD = "schemathesis password"
FORMATS = (".png", ".jpg", ".webp", ".gif", ".tif")


@st.composite
def _real_image(draw: st.DrawFn) -> bytes:
    suffix = draw(st.sampled_from(FORMATS))
    width = draw(st.integers(min_value=1, max_value=48))
    height = draw(st.integers(min_value=1, max_value=48))
    return samples.encoded(suffix, width, height)


IMAGES = st.one_of(_real_image(), st.binary(max_size=2048))
schemathesis.openapi.media_type("image/png", IMAGES)


@schemathesis.auth()
class SessionToken:
    def get(self, case, context) -> str:
        base = os.environ[BASE_URL_VARIABLE]
        account = {"email": EMAIL, "password": PASSWORD}
        registered = requests.post(f"{base}/api/v1/users", json=account, timeout=10)
        assert registered.status_code in (201, 409), registered.text
        login = requests.post(f"{base}/api/v1/sessions", json=account, timeout=10)
        assert login.status_code == 200, (login.status_code, login.text)
        return login.json()["token"]

    def set(self, case, data: str, context) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}
