"""The domain's own errors.

Every failure a client can cause is one of these; the web layer maps each
class to one HTTP status and the SPEC's error shape. Nothing branches on the
message text: ``code`` is the stable, machine-readable part.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base class: a stable snake_case code, a human message, maybe a field."""

    code = "error"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code


class InvalidInput(DomainError):
    """The request is malformed or a value breaks a rule (HTTP 400)."""

    code = "invalid_input"


class Unauthenticated(DomainError):
    """No credentials, or credentials we cannot trust (HTTP 401)."""

    code = "unauthenticated"


class Forbidden(DomainError):
    """Authenticated, but the role or owner does not match (HTTP 403)."""

    code = "forbidden"


class NotFound(DomainError):
    """The thing does not exist, or the caller may not know it does (HTTP 404)."""

    code = "not_found"


class Conflict(DomainError):
    """A duplicate or a state that forbids the change (HTTP 409)."""

    code = "conflict"


class PayloadTooLarge(DomainError):
    """The body exceeds the configured limit (HTTP 413)."""

    code = "payload_too_large"


class UnsupportedMediaType(DomainError):
    """The body is not JSON (HTTP 415)."""

    code = "unsupported_media_type"


class RateLimited(DomainError):
    """Too many requests; ``retry_after`` seconds until the next may pass (HTTP 429)."""

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after = retry_after


class UpstreamUnavailable(DomainError):
    """A dependency (WeChat, Alipay, DynamoDB) is down or busy, or the service is shedding
    load (HTTP 503); ``retry_after`` seconds is the client's hint (``Retry-After``)."""

    code = "upstream_unavailable"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str | None = None,
        retry_after: int = 1,
    ) -> None:
        super().__init__(message, field=field, code=code)
        self.retry_after = retry_after


class UpstreamBadResponse(DomainError):
    """A dependency answered something we cannot trust, e.g. a bad signature (HTTP 502)."""

    code = "upstream_bad_response"


class ConfigError(Exception):
    """The deployment is misconfigured: an operator problem, never a client's."""
