"""The one exception the P4Runtime layers raise: a gRPC status code plus a message."""

from __future__ import annotations

import grpc


class P4RTError(Exception):
    """A request the spec says must fail with ``code``; ``message`` goes to the client verbatim."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code.name}: {self.message}"


def invalid(message: str) -> P4RTError:
    return P4RTError(grpc.StatusCode.INVALID_ARGUMENT, message)


def not_found(message: str) -> P4RTError:
    return P4RTError(grpc.StatusCode.NOT_FOUND, message)


def already_exists(message: str) -> P4RTError:
    return P4RTError(grpc.StatusCode.ALREADY_EXISTS, message)


def failed_precondition(message: str) -> P4RTError:
    return P4RTError(grpc.StatusCode.FAILED_PRECONDITION, message)


def permission_denied(message: str) -> P4RTError:
    return P4RTError(grpc.StatusCode.PERMISSION_DENIED, message)


def resource_exhausted(message: str) -> P4RTError:
    return P4RTError(grpc.StatusCode.RESOURCE_EXHAUSTED, message)


def out_of_range(message: str) -> P4RTError:
    return P4RTError(grpc.StatusCode.OUT_OF_RANGE, message)


def unimplemented(message: str) -> P4RTError:
    return P4RTError(grpc.StatusCode.UNIMPLEMENTED, message)


def google_rpc_code(code: grpc.StatusCode) -> int:
    """The numeric google.rpc.Code of a grpc status (what ``p4.v1.Error.canonical_code`` holds)."""
    value = code.value[0]
    assert isinstance(value, int)
    return value
