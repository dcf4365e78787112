"""Action references shared by tables and action profiles."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from softswitch.runtime.errors import InvalidArgumentError


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """An action of the program: its name and ordered ``(param, width)`` list."""

    name: str
    params: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True, slots=True)
class ActionCall:
    """A concrete action invocation: action name plus parameter values (ints)."""

    name: str
    params: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))

    def __hash__(self) -> int:
        return hash((self.name, tuple(sorted(self.params.items()))))

    def args(self, spec: ActionSpec) -> tuple[int, ...]:
        """Parameter values in declaration order (what the generated action takes)."""
        return tuple(self.params[name] for name, _ in spec.params)


@dataclass(frozen=True, slots=True)
class MemberRef:
    """A table entry pointing at an action-profile member."""

    member_id: int


@dataclass(frozen=True, slots=True)
class GroupRef:
    """A table entry pointing at an action-selector group."""

    group_id: int


EntryAction = ActionCall | MemberRef | GroupRef


def validate_call(call: ActionCall, specs: Mapping[str, ActionSpec], owner: str) -> ActionCall:
    """Check ``call`` names a known action with exactly its params, each in range.

    Returns a call whose params mapping is read-only, so stored entries cannot be
    changed behind the runtime's back.
    """
    spec = specs.get(call.name)
    if spec is None:
        known = ", ".join(sorted(specs)) or "none"
        raise InvalidArgumentError(f"{owner}: action {call.name!r} not allowed (allowed: {known})")
    expected = {name for name, _ in spec.params}
    given = set(call.params)
    if given != expected:
        missing = sorted(expected - given)
        extra = sorted(given - expected)
        raise InvalidArgumentError(
            f"{owner}: action {call.name!r} params mismatch (missing {missing}, unknown {extra})"
        )
    for name, width in spec.params:
        value = call.params[name]
        if not isinstance(value, int) or value < 0 or value >> width:
            raise InvalidArgumentError(
                f"{owner}: action {call.name!r} param {name!r}={value!r} does not fit in {width} bits"
            )
    return ActionCall(call.name, MappingProxyType(dict(call.params)))


def action_specs(specs: Sequence[ActionSpec]) -> dict[str, ActionSpec]:
    """Index action specs by name, rejecting duplicates."""
    by_name: dict[str, ActionSpec] = {}
    for spec in specs:
        if spec.name in by_name:
            raise InvalidArgumentError(f"duplicate action {spec.name!r}")
        by_name[spec.name] = spec
    return by_name
