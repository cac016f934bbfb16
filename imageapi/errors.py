"""Domain errors. Each carries its HTTP status and a public title and description.

Only ``web/errors.py`` turns them into responses; the rest of the package raises
them without knowing about HTTP.
"""

from __future__ import annotations


class ImageApiError(Exception):
    status: int = 400
    title: str = "Bad request"

    def __init__(self, description: str, *, headers: dict[str, str] | None = None):
        super().__init__(description)
        self.description = description
        self.headers = headers or {}

    def details(self) -> dict[str, object]:
        """Fields the error body carries besides title and description."""
        return {}


class InvalidInput(ImageApiError):
    status = 422
    title = "Invalid input"


class InvalidParameter(ImageApiError):
    status = 400
    title = "Invalid parameter"


class MalformedBody(ImageApiError):
    status = 400
    title = "Malformed body"


class UnsupportedMediaType(ImageApiError):
    status = 415
    title = "Unsupported media type"


class NotAuthenticated(ImageApiError):
    status = 401
    title = "Not authenticated"


class InvalidCredentials(NotAuthenticated):
    title = "Invalid credentials"


class Forbidden(ImageApiError):
    status = 403
    title = "Forbidden"


class NotFound(ImageApiError):
    status = 404
    title = "Not found"


class ImageNotFound(NotFound):
    title = "Image not found"

    def __init__(self, image_id: str) -> None:
        super().__init__(f"No image with id {image_id!r}.")


class TagNotFound(NotFound):
    title = "Tag not found"


class StoredObjectNotFound(NotFound):
    """An image's row is there but the bytes it points to are not."""

    title = "Stored object not found"


class AlreadyExists(ImageApiError):
    status = 409
    title = "Already exists"


class DuplicateImage(AlreadyExists):
    """An upload that asked to refuse near-duplicates is one."""

    title = "Duplicate image"

    def __init__(self, duplicate_of: str, distance: int) -> None:
        super().__init__(
            f"The image is a near-duplicate of your image {duplicate_of!r} "
            f"({distance} bits apart); nothing was stored."
        )
        self.duplicate_of = duplicate_of
        self.distance = distance

    def details(self) -> dict[str, object]:
        return {"duplicate_of": self.duplicate_of, "distance": self.distance}


class PayloadTooLarge(ImageApiError):
    status = 413
    title = "Payload too large"


class UnsupportedImage(ImageApiError):
    status = 415
    title = "Unsupported image"


class RangeNotSatisfiable(ImageApiError):
    status = 416
    title = "Range not satisfiable"


class TooManyRequests(ImageApiError):
    status = 429
    title = "Too many requests"


class ServiceUnavailable(ImageApiError):
    status = 503
    title = "Service unavailable"


class QuotaExceeded(Forbidden):
    title = "Quota exceeded"


class InvalidSignature(Forbidden):
    """A signed URL was changed, or its owner revoked it (new key, disabled)."""

    title = "Invalid signature"


class SignedUrlExpired(ImageApiError):
    status = 410
    title = "Signed URL expired"


class PasswordLoginDisabled(Forbidden):
    title = "Password login disabled"


class SignInFailed(ImageApiError):
    """A single sign-on that must not log anyone in: a wrong state, a refused
    code, an ID token that fails verification."""

    status = 400
    title = "Sign-in failed"


class SignInRefused(Forbidden):
    """The sign-on worked, but the rules say no: registration is closed, the
    e-mail is not verified, the account is disabled."""

    title = "Sign-in refused"


class IdentityProviderUnavailable(ImageApiError):
    status = 502
    title = "Identity provider unavailable"
