"""Browser defences on every response, in one place.

- ``X-Content-Type-Options: nosniff`` everywhere: a stored image or a JSON
  error is never run as a script or rendered as HTML by content sniffing.
- ``Referrer-Policy: no-referrer``: URLs (image ids, cursors) stay here.
- HTML pages get a ``Content-Security-Policy`` allowing only our own scripts,
  styles and requests (no inline script; Swagger UI's starter is a file) and
  ``frame-ancestors 'none'`` against clickjacking.
- Responses without their own ``Cache-Control`` get ``no-store``: API answers
  carry account data, tokens or keys, and must not stay in a browser's or a
  proxy's cache. Image content sets its own (``private``, revalidated).
- ``Strict-Transport-Security`` when the request came over HTTPS (directly or,
  with ``trust_forwarded_headers``, through the proxy).
"""

from __future__ import annotations

import falcon

from imageapi.web.origin import is_https

# A year: the usual value, long enough for browsers' preload lists.
HSTS_MAX_AGE_SECONDS = 31_536_000

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        # The gallery draws blurhash placeholders as data: URLs and previews
        # files chosen for upload as blob: URLs.
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


class SecurityHeaders:
    def __init__(self, trust_forwarded_headers: bool) -> None:
        self._trust_forwarded = trust_forwarded_headers

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource, req_succeeded
    ) -> None:
        resp.set_header("X-Content-Type-Options", "nosniff")
        resp.set_header("Referrer-Policy", "no-referrer")
        if (resp.content_type or "").startswith(falcon.MEDIA_HTML):
            resp.set_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if resp.get_header("Cache-Control") is None:
            resp.set_header("Cache-Control", "no-store")
        if is_https(req, self._trust_forwarded):
            resp.set_header(
                "Strict-Transport-Security", f"max-age={HSTS_MAX_AGE_SECONDS}"
            )
