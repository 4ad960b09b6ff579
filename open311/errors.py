"""One exception root for the package; the web edge turns it into the spec's error format."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ErrorItem:
    """One entry of the spec's error list: a numeric-ish code and a sentence."""

    code: str
    description: str


class Open311Error(Exception):
    """Root of every error raised by this package."""


class Open311Rejected(Open311Error):
    """The server refused the request (a 4xx): sending it again will not help."""

    def __init__(self, status: int, errors: tuple[ErrorItem, ...]) -> None:
        self.status, self.errors = status, errors
        text = "; ".join(f"{e.code}: {e.description}" for e in errors) or "no detail"
        super().__init__(f"HTTP {status}: {text}")


class Open311Unavailable(Open311Error):
    """The server could not be reached, timed out, or failed (5xx): try again later."""


class Open311ProtocolError(Open311Error):
    """The server answered with something that is not GeoReport v2 (bad XML, wrong shape)."""


class InvalidSubmission(Open311Error):
    """What a client sent does not meet the spec (a form, a filter, a date): a 400 at the edge.

    The message is written for the client and names the field; it never quotes personal data.
    """


class UnknownService(InvalidSubmission):
    """A service_code this backend does not offer."""


class BackendConfigError(Open311Error):
    """The embedded backend was constructed with settings it cannot serve (a programming error)."""


class RequestStoreError(Open311Error):
    """The request store failed or could not be reached; nothing was half-written."""


class RequestNotFound(RequestStoreError):
    """No service request has this id."""

    def __init__(self, service_request_id: str) -> None:
        self.service_request_id = service_request_id
        super().__init__(f"no service request {service_request_id!r}")


class InvalidUpdate(RequestStoreError):
    """An update the store refuses: an unknown status, or nothing to change."""
