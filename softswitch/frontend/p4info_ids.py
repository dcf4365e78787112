"""P4Runtime object IDs and aliases, computed exactly as p4c's P4RuntimeSymbolTable does.

An object ID is ``prefix << 24 | (hash(name) & 0xffffff)`` where the prefix byte names the
entity kind (``P4Ids.Prefix``) and the hash is Jenkins' one-at-a-time hash of the fully
qualified name. Collisions are resolved by linear probing on the hash value; because of that,
IDs depend on the order in which names are hashed, which p4c fixes by sorting the names of each
kind and handling kinds in increasing prefix order. ``@id`` annotations win over hashing.

The alias of an object is the shortest suffix of dot-separated name components that no other
control-plane name (of any kind) shares.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from softswitch.frontend.ast import NO_SRC, SrcInfo
from softswitch.frontend.diagnostics import CompileError

_MASK32 = 0xFFFFFFFF
_PREFIX_MASK = 0xFF << 24


def jenkins_one_at_a_time(data: bytes) -> int:
    """Jenkins' one-at-a-time hash on 32 bits (the hash p4c uses for P4Runtime IDs)."""
    value = 0
    for byte in data:
        value = (value + byte) & _MASK32
        value = (value + (value << 10)) & _MASK32
        value ^= value >> 6
    value = (value + (value << 3)) & _MASK32
    value ^= value >> 11
    return (value + (value << 15)) & _MASK32


def hashed_id(prefix: int, name: str) -> int:
    """The ID p4c gives ``name`` when nothing collides with it."""
    return (prefix << 24) | (jenkins_one_at_a_time(name.encode()) & 0xFFFFFF)


def with_prefix(prefix: int, explicit_id: int, what: str, src: SrcInfo = NO_SRC) -> int:
    """Apply p4c's rule for ``@id``: add the kind's prefix, reject a wrong one."""
    if not 0 <= explicit_id <= _MASK32:
        raise CompileError.at(src, f"{what}: @id should be an unsigned 32-bit integer")
    if explicit_id & _PREFIX_MASK and explicit_id & _PREFIX_MASK != prefix << 24:
        raise CompileError.at(src, f"{what}: @id has the wrong 8-bit prefix")
    return explicit_id | (prefix << 24)


@dataclass
class _SuffixNode:
    instances: int = 0
    edges: dict[str, _SuffixNode] = field(default_factory=dict)


class SuffixSet:
    """Every control-plane name, stored as a trie of reversed components to find aliases."""

    def __init__(self) -> None:
        self._root = _SuffixNode()
        self._names: set[str] = set()

    def add(self, name: str) -> None:
        if name in self._names:
            return
        self._names.add(name)
        node = self._root
        for component in reversed(name.split(".")):
            node = node.edges.setdefault(component, _SuffixNode())
            node.instances += 1

    def shortest_unique_suffix(self, name: str) -> str:
        components = name.split(".")
        node = self._root
        needed = 0
        for component in reversed(components):
            node = node.edges[component]
            needed += 1
            if node.instances < 2:
                break
        return ".".join(components[len(components) - needed :])


class SymbolTable:
    """Control-plane names by kind (a ``P4Ids.Prefix`` value) with their IDs and aliases.

    Add every symbol first, then call ``assign_ids()`` once; ``id_of`` and ``alias`` work after.
    Adding a name twice under one kind is harmless (p4c does it for actions shared by controls).
    """

    def __init__(self) -> None:
        self._ids: dict[int, dict[str, int | None]] = {}
        self._assigned: set[int] = set()
        self._suffixes = SuffixSet()

    def add(
        self, prefix: int, name: str, explicit_id: int | None = None, src: SrcInfo = NO_SRC
    ) -> None:
        table = self._ids.setdefault(prefix, {})
        if name in table:
            return
        if explicit_id is not None:
            explicit_id = with_prefix(prefix, explicit_id, name, src)
            if explicit_id in self._assigned:
                raise CompileError.at(
                    src, f"@id {explicit_id} is assigned to multiple declarations"
                )
            self._assigned.add(explicit_id)
        table[name] = explicit_id
        self._suffixes.add(name)

    def assign_ids(self) -> None:
        for prefix in sorted(self._ids):
            table = self._ids[prefix]
            for name in sorted(n for n, i in table.items() if i is None):
                table[name] = self._probe(prefix, jenkins_one_at_a_time(name.encode()), name)

    def _probe(self, prefix: int, start: int, name: str) -> int:
        value = start
        while True:
            candidate = (prefix << 24) | (value & 0xFFFFFF)
            if candidate not in self._assigned:
                self._assigned.add(candidate)
                return candidate
            value = (value + 1) & _MASK32
            if value == start:
                raise CompileError.at(NO_SRC, f"no available id to represent {name} in P4Runtime")

    def id_of(self, prefix: int, name: str) -> int:
        value = self._ids[prefix][name]
        if value is None:
            raise RuntimeError(f"assign_ids() was not called before looking up {name}")
        return value

    def alias(self, name: str) -> str:
        return self._suffixes.shortest_unique_suffix(name)

    def names(self, prefix: int) -> Iterable[str]:
        return self._ids.get(prefix, {}).keys()


def allocate_field_ids(explicit: Sequence[int | None], src: SrcInfo = NO_SRC) -> list[int]:
    """IDs of match fields, action parameters or packet metadata, as p4c's FieldIdAllocator:
    ``@id`` values first, then 1, 2, ... by position, skipping taken values (a field with an
    explicit ID still consumes its position's number)."""
    taken: set[int] = set()
    for value in explicit:
        if value is None:
            continue
        if value == 0:
            raise CompileError.at(src, "0 is not a valid @id value")
        if value in taken:
            raise CompileError.at(src, f"@id {value} is used multiple times")
        taken.add(value)
    result: list[int] = []
    index = 1
    for value in explicit:
        if value is not None:
            result.append(value)
            index += 1
            continue
        while index in taken:
            index += 1
        result.append(index)
        taken.add(index)
    return result
