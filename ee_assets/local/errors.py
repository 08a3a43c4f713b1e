"""Errors of the local backend, each mapped to a Google API error status.

Evaluation code raises these; the protocol layer turns them into
`{"error": {"code", "message", "status"}}`. Deterministic failures are never
5xx or 429, because clients retry those.
"""

from __future__ import annotations


class ApiError(Exception):
    """An error the server reports to the client in Google's JSON error format (not to be confused with
    ee_assets.transport.rest.EEError, what the transport raises when an EE server answers with one)."""

    code = 400
    status = "INVALID_ARGUMENT"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def to_json(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "status": self.status}}


class InvalidArgument(ApiError):
    """Evaluation errors and malformed requests (HTTP 400)."""


class NotFound(ApiError):
    code = 404
    status = "NOT_FOUND"


class Unauthenticated(ApiError):
    code = 401
    status = "UNAUTHENTICATED"


class RequestTooLarge(InvalidArgument):
    """A request over EE's size limits; still a 400, as EE answers."""


class UserMemoryLimitExceeded(InvalidArgument):
    """A request that would need more memory than its budget: EE's "User memory limit exceeded.", a 400."""

    def __init__(self, detail: str = ""):
        super().__init__("User memory limit exceeded." + (f" ({detail})" if detail else ""))


class ComputationTimedOut(InvalidArgument):
    """A request that ran past its time budget: EE's "Computation timed out.", a 400."""

    def __init__(self, detail: str = ""):
        super().__init__("Computation timed out." + (f" ({detail})" if detail else ""))


class RequestCancelled(ApiError):
    """The client went away; nobody will read the answer (gRPC's CANCELLED, nginx's 499)."""

    code = 499
    status = "CANCELLED"
