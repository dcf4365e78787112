"""Errors raised by the runtime library for bad control-plane input.

Each class carries the gRPC status name a P4Runtime server should answer with, so
the server maps errors with ``grpc.StatusCode[err.grpc_code]`` instead of
matching on messages.
"""

from __future__ import annotations

from typing import ClassVar


class RuntimeApiError(Exception):
    """Base class: a control-plane request the runtime refuses; nothing changed."""

    grpc_code: ClassVar[str] = "UNKNOWN"


class InvalidArgumentError(RuntimeApiError, ValueError):
    """Malformed request: wrong width, bad mask or prefix, unknown parameter."""

    grpc_code = "INVALID_ARGUMENT"


class NotFoundError(RuntimeApiError, KeyError):
    """The entry, member, group, session or index does not exist."""

    grpc_code = "NOT_FOUND"

    def __str__(self) -> str:
        # KeyError would quote the message; keep it readable.
        return str(self.args[0]) if self.args else ""


class AlreadyExistsError(RuntimeApiError):
    """An entry with the same key (and priority) is already installed."""

    grpc_code = "ALREADY_EXISTS"


class ResourceExhaustedError(RuntimeApiError):
    """A table, profile or group is full."""

    grpc_code = "RESOURCE_EXHAUSTED"


class FailedPreconditionError(RuntimeApiError):
    """The object is still referenced (member in a group, group used by an entry)."""

    grpc_code = "FAILED_PRECONDITION"


class PermissionDeniedError(RuntimeApiError):
    """The object is immutable: const entries, const default action."""

    grpc_code = "PERMISSION_DENIED"


class OutOfRangeError(RuntimeApiError, IndexError):
    """Counter, meter or register index outside the array."""

    grpc_code = "OUT_OF_RANGE"
