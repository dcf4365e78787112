"""Match-action tables with BMv2 ``simple_switch`` lookup semantics.

Lookup structure depends on the key kinds (chosen once, at construction):

* only ``exact`` fields: one dict, O(1);
* ``exact`` fields plus one ``lpm`` field: one dict per installed prefix length,
  probed longest first, O(number of distinct prefix lengths);
* anything with ``ternary``/``range``/``optional``: entries kept sorted by
  priority; the packet key is packed once into a single int so each entry costs
  one ``&`` and one ``==`` (plus bound checks for range fields).

Priorities follow P4Runtime: a larger number wins. Among equal priorities the
entry installed first wins, which is what BMv2's ternary list does. (BMv2's own
CLI numbers are reversed, smaller wins; p4c's STF driver converts ``prio`` to
``10000 - prio``, so STF and P4Runtime both mean "larger wins".)
"""

from __future__ import annotations

import bisect
import enum
import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from softswitch.runtime import bits
from softswitch.runtime.actions import (
    ActionCall,
    ActionSpec,
    EntryAction,
    GroupRef,
    action_specs,
    validate_call,
)
from softswitch.runtime.clock import Clock
from softswitch.runtime.errors import (
    AlreadyExistsError,
    InvalidArgumentError,
    NotFoundError,
    PermissionDeniedError,
    ResourceExhaustedError,
)
from softswitch.runtime.externs import Meter, MeterType
from softswitch.runtime.profiles import ActionProfile


class MatchKind(enum.Enum):
    EXACT = "exact"
    LPM = "lpm"
    TERNARY = "ternary"
    RANGE = "range"
    OPTIONAL = "optional"


@dataclass(frozen=True, slots=True)
class KeyField:
    name: str
    width: int
    kind: MatchKind


@dataclass(frozen=True, slots=True)
class ExactMatch:
    value: int


@dataclass(frozen=True, slots=True)
class LpmMatch:
    value: int
    prefix_len: int


@dataclass(frozen=True, slots=True)
class TernaryMatch:
    value: int
    mask: int


@dataclass(frozen=True, slots=True)
class RangeMatch:
    low: int
    high: int


@dataclass(frozen=True, slots=True)
class OptionalMatch:
    """Optional key given a value (an omitted optional field is a wildcard)."""

    value: int


FieldMatch = ExactMatch | LpmMatch | TernaryMatch | RangeMatch | OptionalMatch


def prefix_mask(prefix_len: int, width: int) -> int:
    """The mask of a /``prefix_len`` prefix of a ``width``-bit field: its top bits set."""
    return bits.mask(width) ^ bits.mask(width - prefix_len)


# Normalized per-field match: (value, mask) or, for range fields, (low, high).
NormalizedKey = tuple[tuple[int, int], ...]

_ALLOWED_SPECS: dict[MatchKind, tuple[type, ...]] = {
    MatchKind.EXACT: (ExactMatch,),
    MatchKind.LPM: (LpmMatch, ExactMatch),
    MatchKind.TERNARY: (TernaryMatch, ExactMatch),
    MatchKind.RANGE: (RangeMatch, ExactMatch),
    MatchKind.OPTIONAL: (OptionalMatch, ExactMatch),
}

_PRIORITY_KINDS = frozenset({MatchKind.TERNARY, MatchKind.RANGE, MatchKind.OPTIONAL})

# Lookup structures (see module docstring).
_EXACT, _LPM, _SCAN = range(3)


class TableEntry:
    """An installed entry with its direct resources (counter, meter, idle timer)."""

    __slots__ = (
        "_mask",
        "_ranges",
        "_seq",
        "_value",
        "action",
        "bytes",
        "idle_timeout_ns",
        "is_const",
        "key",
        "last_hit_ns",
        "match",
        "meter",
        "packets",
        "priority",
    )

    def __init__(
        self,
        match: Mapping[str, FieldMatch],
        key: NormalizedKey,
        priority: int,
        action: EntryAction,
        seq: int,
    ) -> None:
        self.match = dict(match)
        self.key = key
        self.priority = priority
        self.action = action
        self.is_const = False
        self.packets = 0
        self.bytes = 0
        self.meter: Meter | None = None
        self.idle_timeout_ns = 0
        self.last_hit_ns = 0
        self._seq = seq
        self._value = 0
        self._mask = 0
        self._ranges: tuple[tuple[int, int, int], ...] = ()

    def __repr__(self) -> str:
        return f"TableEntry(match={self.match!r}, priority={self.priority}, action={self.action!r})"


ApplyResult = tuple[bool, ActionCall, TableEntry | None]


class Table:
    """One P4 table: entries, default action and per-entry direct state.

    ``key`` fields come in P4 declaration order and ``lookup``/``apply`` take the
    packet's key values in that order. ``profile`` makes the table indirect
    (entries then hold :class:`MemberRef`/:class:`GroupRef`); ``direct_meter``
    gives every entry its own :class:`Meter`; ``clock`` is needed for meters and
    idle timeouts.
    """

    def __init__(
        self,
        name: str,
        key: Sequence[KeyField],
        actions: Sequence[ActionSpec],
        default_action: ActionCall,
        *,
        size: int = 1024,
        const_default_action: bool = False,
        immutable_entries: bool = False,
        table_only: Sequence[str] = (),
        default_only: Sequence[str] = (),
        profile: ActionProfile | None = None,
        direct_meter: MeterType | None = None,
        clock: Clock | None = None,
        idle_timeout: bool = False,
    ) -> None:
        self.name = name
        self.key_fields = tuple(key)
        self.size = size
        self.profile = profile
        self.direct_meter = direct_meter
        self.immutable_entries = immutable_entries
        self.const_default_action = const_default_action
        if (direct_meter is not None or idle_timeout) and clock is None:
            raise InvalidArgumentError(f"{name}: direct meters and idle timeouts need a clock")
        self._clock = clock
        self._idle_clock = clock if idle_timeout else None
        self._specs = action_specs(actions)
        self._table_only = frozenset(table_only)
        self._default_only = frozenset(default_only)
        for action_name in self._table_only | self._default_only:
            if action_name not in self._specs:
                raise InvalidArgumentError(f"{name}: unknown action {action_name!r} in scope")
        for f in self.key_fields:
            if f.width <= 0:
                raise InvalidArgumentError(f"{name}: key field {f.name} has width {f.width}")
        kinds = [f.kind for f in self.key_fields]
        self.requires_priority = any(k in _PRIORITY_KINDS for k in kinds)
        self._widths = tuple(f.width for f in self.key_fields)
        lpm_positions = [i for i, k in enumerate(kinds) if k is MatchKind.LPM]
        self._lpm_index = (
            lpm_positions[0] if len(lpm_positions) == 1 and not self.requires_priority else None
        )
        if len(lpm_positions) > 1 and not self.requires_priority:
            # Several LPM fields have no longest-prefix order; they need priorities.
            self.requires_priority = True
        if self.requires_priority:
            self._mode = _SCAN
        elif self._lpm_index is not None:
            self._mode = _LPM
        else:
            self._mode = _EXACT
        self._by_key: dict[tuple[NormalizedKey, int], TableEntry] = {}
        self._exact: dict[tuple[int, ...], TableEntry] = {}
        self._lpm_levels: list[tuple[int, int, dict[tuple[int, ...], TableEntry]]] = []
        self._scan: list[TableEntry] = []
        self._seq = itertools.count()
        self._default = self._check_default(default_action)
        self._initial_default = self._default

    @property
    def actions(self) -> Mapping[str, ActionSpec]:
        """The actions entries and the default may use, by fully qualified name."""
        return MappingProxyType(self._specs)

    # -- validation -------------------------------------------------------------

    def _check_default(self, call: ActionCall) -> ActionCall:
        if call.name in self._table_only:
            raise InvalidArgumentError(f"{self.name}: {call.name!r} is @tableonly")
        return validate_call(call, self._specs, self.name)

    def _check_action(self, action: EntryAction) -> EntryAction:
        if isinstance(action, ActionCall):
            if self.profile is not None:
                raise InvalidArgumentError(
                    f"{self.name}: indirect table needs a member or group, not an action"
                )
            if action.name in self._default_only:
                raise InvalidArgumentError(f"{self.name}: {action.name!r} is @defaultonly")
            return validate_call(action, self._specs, self.name)
        if self.profile is None:
            raise InvalidArgumentError(f"{self.name}: direct table cannot use members or groups")
        if isinstance(action, GroupRef) and self.profile.selector is None:
            raise InvalidArgumentError(f"{self.name}: action profile has no selector for groups")
        return action

    def _normalize(self, match: Mapping[str, FieldMatch]) -> NormalizedKey:
        if not self.key_fields:
            raise InvalidArgumentError(f"{self.name}: table has no key; only the default applies")
        names = {f.name for f in self.key_fields}
        unknown = sorted(set(match) - names)
        if unknown:
            raise InvalidArgumentError(f"{self.name}: unknown key fields {unknown}")
        return tuple(self._normalize_field(f, match.get(f.name)) for f in self.key_fields)

    def _normalize_field(self, f: KeyField, spec: FieldMatch | None) -> tuple[int, int]:
        full = bits.mask(f.width)
        where = f"{self.name}.{f.name}"
        if spec is None:
            if f.kind is MatchKind.EXACT:
                raise InvalidArgumentError(f"{where}: exact field must be given")
            return (0, full) if f.kind is MatchKind.RANGE else (0, 0)
        if not isinstance(spec, _ALLOWED_SPECS[f.kind]):
            raise InvalidArgumentError(
                f"{where}: {type(spec).__name__} not valid for a {f.kind.value} field"
            )
        if isinstance(spec, RangeMatch):
            low, high = self._fits(spec.low, f, where), self._fits(spec.high, f, where)
            if low > high:
                raise InvalidArgumentError(f"{where}: range low {low} > high {high}")
            return (low, high)
        if isinstance(spec, LpmMatch):
            if not 0 <= spec.prefix_len <= f.width:
                raise InvalidArgumentError(
                    f"{where}: prefix length {spec.prefix_len} outside [0, {f.width}]"
                )
            field_mask = prefix_mask(spec.prefix_len, f.width)
            return (self._fits(spec.value, f, where) & field_mask, field_mask)
        if isinstance(spec, TernaryMatch):
            field_mask = self._fits(spec.mask, f, where)
            return (self._fits(spec.value, f, where) & field_mask, field_mask)
        value = self._fits(spec.value, f, where)
        if f.kind is MatchKind.RANGE:
            return (value, value)
        return (value, full)

    @staticmethod
    def _fits(value: int, f: KeyField, where: str) -> int:
        if not isinstance(value, int) or value < 0 or value >> f.width:
            raise InvalidArgumentError(f"{where}: {value!r} does not fit in {f.width} bits")
        return value

    def _check_priority(self, priority: int) -> None:
        if self.requires_priority and priority < 1:
            raise InvalidArgumentError(f"{self.name}: entries need a priority >= 1")
        if not self.requires_priority and priority != 0:
            raise InvalidArgumentError(f"{self.name}: exact/lpm entries take no priority")

    def _check_mutable(self) -> None:
        if self.immutable_entries:
            raise PermissionDeniedError(f"{self.name}: entries are const")

    # -- control plane ------------------------------------------------------------

    def add_entry(
        self,
        match: Mapping[str, FieldMatch],
        action: EntryAction,
        priority: int = 0,
        *,
        idle_timeout_ns: int = 0,
    ) -> TableEntry:
        """Install an entry; raises if it exists, is malformed or the table is full."""
        self._check_mutable()
        return self._insert(match, action, priority, idle_timeout_ns)

    def add_const_entry(
        self, match: Mapping[str, FieldMatch], action: EntryAction, priority: int = 0
    ) -> TableEntry:
        """Install an entry of the program's ``entries`` list (loader only)."""
        entry = self._insert(match, action, priority, 0)
        entry.is_const = True
        return entry

    def _insert(
        self,
        match: Mapping[str, FieldMatch],
        action: EntryAction,
        priority: int,
        idle_timeout_ns: int,
    ) -> TableEntry:
        key = self._normalize(match)
        self._check_priority(priority)
        checked = self._check_action(action)
        if (key, priority) in self._by_key:
            raise AlreadyExistsError(f"{self.name}: entry {dict(match)} exists")
        if len(self._by_key) >= self.size:
            raise ResourceExhaustedError(f"{self.name}: table full ({self.size} entries)")
        if idle_timeout_ns and self._idle_clock is None:
            raise InvalidArgumentError(f"{self.name}: table does not support idle timeout")
        if self.profile is not None and not isinstance(checked, ActionCall):
            self.profile.retain(checked)
        entry = TableEntry(match, key, priority, checked, next(self._seq))
        if self.direct_meter is not None:
            assert self._clock is not None
            entry.meter = Meter(self.direct_meter, self._clock)
        if self._idle_clock is not None:
            entry.idle_timeout_ns = idle_timeout_ns
            entry.last_hit_ns = self._idle_clock.now_ns()
        self._by_key[(key, priority)] = entry
        self._index(entry)
        return entry

    def _find(self, match: Mapping[str, FieldMatch], priority: int) -> TableEntry:
        key = self._normalize(match)
        entry = self._by_key.get((key, priority))
        if entry is None:
            raise NotFoundError(f"{self.name}: no entry {dict(match)} priority {priority}")
        return entry

    def get_entry(self, match: Mapping[str, FieldMatch], priority: int = 0) -> TableEntry:
        return self._find(match, priority)

    def modify_entry(
        self, match: Mapping[str, FieldMatch], action: EntryAction, priority: int = 0
    ) -> TableEntry:
        """Change an entry's action; its counters and meter state are kept."""
        self._check_mutable()
        entry = self._find(match, priority)
        if entry.is_const:
            raise PermissionDeniedError(f"{self.name}: entry {dict(match)} is const")
        checked = self._check_action(action)
        if self.profile is not None:
            if not isinstance(checked, ActionCall):
                self.profile.retain(checked)
            if not isinstance(entry.action, ActionCall):
                self.profile.release(entry.action)
        entry.action = checked
        return entry

    def delete_entry(self, match: Mapping[str, FieldMatch], priority: int = 0) -> None:
        self._check_mutable()
        entry = self._find(match, priority)
        if entry.is_const:
            raise PermissionDeniedError(f"{self.name}: entry {dict(match)} is const")
        self._remove(entry)

    def clear(self) -> None:
        """Delete every non-const entry."""
        self._check_mutable()
        for entry in [e for e in self._by_key.values() if not e.is_const]:
            self._remove(entry)

    def _remove(self, entry: TableEntry) -> None:
        del self._by_key[(entry.key, entry.priority)]
        self._unindex(entry)
        if self.profile is not None and not isinstance(entry.action, ActionCall):
            self.profile.release(entry.action)

    def entries(self) -> Iterator[TableEntry]:
        """Installed entries, in installation order."""
        return iter(sorted(self._by_key.values(), key=lambda e: e._seq))

    def __len__(self) -> int:
        return len(self._by_key)

    @property
    def default_action(self) -> ActionCall:
        return self._default

    def set_default_action(self, call: ActionCall) -> None:
        if self.const_default_action:
            raise PermissionDeniedError(f"{self.name}: default action is const")
        self._default = self._check_default(call)

    def reset_default_action(self) -> None:
        """Back to the program's default action (P4Runtime default-entry reset)."""
        self._default = self._initial_default

    def expired_entries(self) -> list[TableEntry]:
        """Entries with a timeout whose last hit is at least that long ago."""
        if self._idle_clock is None:
            return []
        now = self._idle_clock.now_ns()
        return [
            e
            for e in self.entries()
            if e.idle_timeout_ns and now - e.last_hit_ns >= e.idle_timeout_ns
        ]

    # -- lookup structures ---------------------------------------------------------

    def _index(self, entry: TableEntry) -> None:
        if self._mode == _EXACT:
            self._exact[tuple(value for value, _ in entry.key)] = entry
        elif self._mode == _LPM:
            assert self._lpm_index is not None
            level_mask = entry.key[self._lpm_index][1]
            level = self._lpm_level(level_mask)
            level[tuple(value for value, _ in entry.key)] = entry
        else:
            self._pack(entry)
            bisect.insort(self._scan, entry, key=lambda e: (-e.priority, e._seq))

    def _unindex(self, entry: TableEntry) -> None:
        plain = tuple(value for value, _ in entry.key)
        if self._mode == _EXACT:
            del self._exact[plain]
        elif self._mode == _LPM:
            assert self._lpm_index is not None
            level_mask = entry.key[self._lpm_index][1]
            for i, (_, mask, level) in enumerate(self._lpm_levels):
                if mask == level_mask:
                    del level[plain]
                    if not level:
                        del self._lpm_levels[i]
                    break
        else:
            self._scan.remove(entry)

    def _lpm_level(self, level_mask: int) -> dict[tuple[int, ...], TableEntry]:
        prefix_len = level_mask.bit_count()
        for _, mask, level in self._lpm_levels:
            if mask == level_mask:
                return level
        level = {}
        self._lpm_levels.append((prefix_len, level_mask, level))
        self._lpm_levels.sort(key=lambda item: -item[0])
        return level

    def _pack(self, entry: TableEntry) -> None:
        value = mask = 0
        ranges = []
        for i, (f, (a, b)) in enumerate(zip(self.key_fields, entry.key, strict=True)):
            value <<= f.width
            mask <<= f.width
            if f.kind is MatchKind.RANGE:
                ranges.append((i, a, b))
            else:
                value |= a
                mask |= b
        entry._value, entry._mask, entry._ranges = value, mask, tuple(ranges)

    # -- data plane -------------------------------------------------------------------

    def lookup(self, key: Sequence[int]) -> TableEntry | None:
        """Matching entry for the packet's key values, without side effects."""
        mode = self._mode
        if mode == _EXACT:
            return self._exact.get(tuple(key))
        if mode == _LPM:
            lpm_index = self._lpm_index
            assert lpm_index is not None
            head = tuple(key[:lpm_index])
            tail = tuple(key[lpm_index + 1 :])
            lpm_value = key[lpm_index]
            for _, mask, level in self._lpm_levels:
                entry = level.get((*head, lpm_value & mask, *tail))
                if entry is not None:
                    return entry
            return None
        packed = 0
        for width, value in zip(self._widths, key, strict=True):
            packed = (packed << width) | value
        for entry in self._scan:
            if packed & entry._mask == entry._value and (
                not entry._ranges or all(lo <= key[i] <= hi for i, lo, hi in entry._ranges)
            ):
                return entry
        return None

    def apply(
        self, key: Sequence[int], packet_length: int, selector_values: Sequence[int] = ()
    ) -> ApplyResult:
        """``table.apply()``: ``(hit, action to run, entry)``; updates direct counter/idle time.

        An action-selector group with no live member behaves as a miss.
        """
        entry = self.lookup(key)
        if entry is None:
            return False, self._default, None
        entry.packets += 1
        entry.bytes += packet_length
        if self._idle_clock is not None:
            entry.last_hit_ns = self._idle_clock.now_ns()
        action = entry.action
        if isinstance(action, ActionCall):
            return True, action, entry
        assert self.profile is not None
        resolved = self.profile.resolve(action, selector_values)
        if resolved is None:
            return False, self._default, None
        return True, resolved, entry
