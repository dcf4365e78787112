"""Client arbitration (P4Runtime spec 5.3-5.5): one primary per (device, role) by election ID.

The server remembers the highest election ID it has ever seen per role; a controller becomes
primary only with an ID at least that high, so when a primary disconnects nobody is promoted
until a controller claims it again. Every change of primary is announced to every controller
of the role: OK to the primary, ALREADY_EXISTS to backups (NOT_FOUND when there is none).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import grpc
from finsy.proto import p4r, rpc_status

from softswitch.p4rt.errors import P4RTError, google_rpc_code

Send = Callable[[p4r.StreamMessageResponse], None]


def election_value(eid: p4r.Uint128) -> int:
    return (eid.high << 64) | eid.low


def to_uint128(value: int) -> p4r.Uint128:
    return p4r.Uint128(high=value >> 64, low=value & ((1 << 64) - 1))


def role_name(role: p4r.Role | None, role_id: int = 0) -> str:
    """The role's identity: its 1.4 name, else the deprecated numeric ID, else the default role."""
    if role is not None and role.name:
        return role.name
    if role is not None and role.id:
        return str(role.id)
    return str(role_id) if role_id else ""


@dataclass(eq=False)
class Controller:
    """One StreamChannel after its first arbitration update."""

    send: Send
    device_id: int = 0
    role: str = ""
    role_proto: p4r.Role | None = None
    election_id: int | None = None
    arbitrated: bool = False


@dataclass
class _RoleState:
    controllers: list[Controller] = field(default_factory=list)
    primary: Controller | None = None
    highest_seen: int | None = None  # only ever set by a controller that became primary
    role_config: p4r.Role | None = None


class Arbiter:
    """Arbitration for one device; the server owns one per device ID it serves."""

    def __init__(self, device_id: int, max_controllers_per_role: int = 64) -> None:
        self.device_id = device_id
        self.max_controllers = max_controllers_per_role
        self._roles: dict[str, _RoleState] = {}

    def primary(self, role: str) -> Controller | None:
        state = self._roles.get(role)
        return state.primary if state else None

    def primaries(self) -> list[Controller]:
        return [s.primary for s in self._roles.values() if s.primary is not None]

    def is_primary(self, role: str, election_id: int) -> bool:
        """Whether a unary request claiming (role, election_id) comes from the primary."""
        primary = self.primary(role)
        return primary is not None and primary.election_id == election_id

    def update(self, ctrl: Controller, msg: p4r.MasterArbitrationUpdate) -> None:
        """Apply an arbitration update; a P4RTError means: terminate this stream with it."""
        role = role_name(msg.role if msg.HasField("role") else None)
        eid = election_value(msg.election_id) if msg.HasField("election_id") else None
        if not ctrl.arbitrated:
            if msg.device_id != self.device_id:
                raise P4RTError(grpc.StatusCode.NOT_FOUND, f"unknown device ID {msg.device_id}")
        elif msg.device_id != ctrl.device_id:
            raise P4RTError(grpc.StatusCode.FAILED_PRECONDITION, "the stream's device ID changed")
        elif role != ctrl.role:
            raise P4RTError(
                grpc.StatusCode.FAILED_PRECONDITION,
                "the stream's role changed: open a new stream for another role",
            )
        state = self._roles.setdefault(role, _RoleState())
        if eid is not None and any(
            c.election_id == eid for c in state.controllers if c is not ctrl
        ):
            raise P4RTError(
                grpc.StatusCode.INVALID_ARGUMENT,
                f"Election id {eid} is already used by another controller",
            )
        if not ctrl.arbitrated:
            if len(state.controllers) >= self.max_controllers:
                raise P4RTError(grpc.StatusCode.RESOURCE_EXHAUSTED, "too many controllers")
            ctrl.arbitrated = True
            ctrl.device_id = msg.device_id
            ctrl.role = role
            state.controllers.append(ctrl)
        ctrl.role_proto = msg.role if msg.HasField("role") else None
        ctrl.election_id = eid
        was_primary = state.primary is ctrl
        if eid is not None and (state.highest_seen is None or eid >= state.highest_seen):
            state.primary = ctrl
            state.highest_seen = eid
            state.role_config = ctrl.role_proto
            self._notify(state, state.controllers)
        elif was_primary:
            state.primary = None
            self._notify(state, state.controllers)
        else:
            self._notify(state, [ctrl])

    def remove(self, ctrl: Controller) -> None:
        """The controller's stream ended (closed, cancelled or broken)."""
        state = self._roles.get(ctrl.role)
        if state is None or ctrl not in state.controllers:
            return
        state.controllers.remove(ctrl)
        if state.primary is ctrl:
            state.primary = None
            self._notify(state, state.controllers)

    def _notify(self, state: _RoleState, targets: list[Controller]) -> None:
        for ctrl in targets:
            update = p4r.MasterArbitrationUpdate(device_id=self.device_id)
            if state.role_config is not None:
                update.role.CopyFrom(state.role_config)
            elif ctrl.role_proto is not None:
                update.role.CopyFrom(ctrl.role_proto)
            if state.highest_seen is not None:
                update.election_id.CopyFrom(to_uint128(state.highest_seen))
            if state.primary is ctrl:
                code, message = grpc.StatusCode.OK, "you are the primary"
            elif state.primary is not None:
                code, message = grpc.StatusCode.ALREADY_EXISTS, "another controller is the primary"
            else:
                code, message = grpc.StatusCode.NOT_FOUND, "there is no primary"
            update.status.CopyFrom(rpc_status.Status(code=google_rpc_code(code), message=message))
            ctrl.send(p4r.StreamMessageResponse(arbitration=update))
