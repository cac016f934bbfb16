"""Where a request was sent: its scheme and ``scheme://host[:port]`` origin.

Behind a reverse proxy the client's scheme and host reach us only in the
proxy's X-Forwarded-Proto and X-Forwarded-Host headers; those are believed
only when ``trust_forwarded_headers`` says a proxy always sets them, since a
client could send them too.
"""

from __future__ import annotations

import falcon

DEFAULT_PORTS = {"http": "80", "https": "443"}


def request_scheme(req: falcon.Request, trust_forwarded: bool) -> str:
    return (req.forwarded_scheme if trust_forwarded else req.scheme).lower()


def is_https(req: falcon.Request, trust_forwarded: bool) -> bool:
    return request_scheme(req, trust_forwarded) == "https"


def own_origin(req: falcon.Request, trust_forwarded: bool) -> str:
    """This service's origin as the client addressed it."""
    scheme = request_scheme(req, trust_forwarded)
    host = req.forwarded_host if trust_forwarded else req.get_header("Host")
    return normalized_origin(f"{scheme}://{host or req.host}")


def is_own_origin(req: falcon.Request, origin: str, trust_forwarded: bool) -> bool:
    """Whether a browser's ``Origin`` names this service.

    With trusted forwarded headers the whole origin must match. Without them
    only the host and port are compared: behind a TLS proxy that does not
    say so, our own pages' origin is https while the request reaching us is
    http, and only someone who controls this very host could send the other
    scheme.
    """
    if trust_forwarded:
        return normalized_origin(origin) == own_origin(req, trust_forwarded)
    theirs = normalized_origin(origin).partition("://")[2]
    ours = own_origin(req, trust_forwarded).partition("://")[2]
    return theirs == ours


def normalized_origin(origin: str) -> str:
    """Lower case, without the scheme's default port."""
    origin = origin.strip().lower()
    scheme, _, netloc = origin.partition("://")
    default = DEFAULT_PORTS.get(scheme)
    if default and netloc.endswith(f":{default}"):
        netloc = netloc.removesuffix(f":{default}")
    return f"{scheme}://{netloc}"
