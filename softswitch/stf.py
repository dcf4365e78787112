"""Parser for p4c's STF (simple test framework) files.

Grammar: p4c ``tools/stf/stf_parser.py`` plus the BMv2 commands
``backends/bmv2/bmv2stf.py`` passes to ``simple_switch_CLI``. Lines are
independent; ``#`` starts a comment; keywords are case-insensitive.

Values keep what the text says (digits, ``*`` wildcards, ``/len``, ``&&&mask``,
``low->high``); :meth:`StfMatch.to_field_match` turns them into table matches
for a field of known kind and width, the way bmv2stf builds its CLI commands.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from pathlib import Path

from softswitch.runtime import bits
from softswitch.runtime.tables import (
    ExactMatch,
    FieldMatch,
    LpmMatch,
    MatchKind,
    OptionalMatch,
    RangeMatch,
    TernaryMatch,
    prefix_mask,
)


class StfError(ValueError):
    """Malformed STF input; the message starts with ``file:line:``."""

    def __init__(self, filename: str, line: int, message: str) -> None:
        super().__init__(f"{filename}:{line}: {message}")
        self.filename = filename
        self.line = line


# -- numbers --------------------------------------------------------------------

_RADIX = {"0x": (16, 4), "0b": (2, 1), "0o": (8, 3)}
_NUMBER = re.compile(r"0[xX][0-9a-fA-F*]+|0[bB][01*]+|0[oO][0-7*]+|[0-9]+")


@dataclass(frozen=True, slots=True)
class StfNumber:
    """A numeric literal. ``*`` digits read as 0 in ``value``.

    ``digit_mask`` has 1s under every written non-``*`` digit (None for decimal
    literals, which have no digit positions); ``digit_bits`` is the number of
    bits the written digits span.
    """

    text: str
    value: int
    digit_mask: int | None
    digit_bits: int

    @property
    def has_wildcards(self) -> bool:
        return "*" in self.text


_MAC = re.compile(r"[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}")


def _address_value(text: str) -> int | None:
    """simple_switch_CLI also takes IPv4, MAC and IPv6 addresses as values."""
    if _MAC.fullmatch(text):
        return int("".join(part.zfill(2) for part in text.split(":")), 16)
    try:
        return int(ipaddress.ip_address(text))
    except ValueError:
        return None


def parse_number(text: str) -> StfNumber:
    """Parse ``0x..``/``0b..``/``0o..`` (with ``*`` digits), decimal, or an IPv4/MAC/IPv6
    address as simple_switch_CLI reads them; ValueError if none of these."""
    if not _NUMBER.fullmatch(text):
        address = _address_value(text)
        if address is None:
            raise ValueError(f"not a number: {text!r}")
        return StfNumber(text, address, None, 0)
    prefix = text[:2].lower()
    if prefix not in _RADIX:
        return StfNumber(text, int(text), None, 0)
    base, bits = _RADIX[prefix]
    digits = text[2:]
    value = int(digits.replace("*", "0"), base)
    digit_mask = 0
    for digit in digits:
        digit_mask = (digit_mask << bits) | (0 if digit == "*" else (1 << bits) - 1)
    return StfNumber(text, value, digit_mask, bits * len(digits))


def _parse_float(text: str) -> float:
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", text):
        raise ValueError(f"not a rate: {text!r}")
    return float(text)


# -- table matches ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StfMatch:
    """``field:value`` with an optional ``/prefix``, ``&&&mask`` or ``->high``."""

    field: str
    value: StfNumber
    prefix_len: int | None = None
    mask: StfNumber | None = None
    high: StfNumber | None = None

    def to_field_match(self, kind: MatchKind, width: int) -> FieldMatch | None:
        """Table match for a field of ``kind``/``width``; None means wildcard (omit)."""
        full = bits.mask(width)
        value = self.value.value
        if kind is MatchKind.RANGE:
            high = self.high.value if self.high else value
            return RangeMatch(value, high)
        if self.high is not None:
            raise ValueError(f"{self.field}: '->' range given for a {kind.value} field")
        if kind is MatchKind.LPM:
            if self.prefix_len is not None:
                return LpmMatch(value, self.prefix_len)
            if self.value.digit_mask is None or not self.value.has_wildcards:
                return LpmMatch(value, width)
            # bmv2stf makeLpm: the prefix is the written non-'*' digits.
            written = self.value.text[2:]
            bits_per_digit = _RADIX[self.value.text[:2].lower()][1]
            return LpmMatch(value, bits_per_digit * (len(written) - written.count("*")))
        if kind is MatchKind.TERNARY:
            if self.mask is not None:
                return TernaryMatch(value, self.mask.value & full)
            if self.prefix_len is not None:
                return TernaryMatch(value, prefix_mask(self.prefix_len, width))
            if self.value.digit_mask is None:
                return TernaryMatch(value, full)
            # bmv2stf makeMask: only the written digits are cared about.
            return TernaryMatch(value, self.value.digit_mask & full)
        if kind is MatchKind.OPTIONAL:
            if self.value.has_wildcards and not self.value.digit_mask:
                return None
            return OptionalMatch(value)
        if self.value.has_wildcards or self.mask is not None or self.prefix_len is not None:
            raise ValueError(f"{self.field}: exact field takes a plain value, got {self.text()}")
        return ExactMatch(value)

    def text(self) -> str:
        suffix = ""
        if self.prefix_len is not None:
            suffix = f"/{self.prefix_len}"
        elif self.mask is not None:
            suffix = f"&&&{self.mask.text}"
        elif self.high is not None:
            suffix = f"->{self.high.text}"
        return f"{self.field}:{self.value.text}{suffix}"


def _parse_match(token: str) -> StfMatch:
    # bmv2stf splits at the first ':' (a MAC address value has more of them).
    name, sep, value_text = token.partition(":")
    if not sep or not name or not value_text:
        raise ValueError(f"expected field:value, got {token!r}")
    if "&&&" in value_text:
        value, mask = value_text.split("&&&", 1)
        return StfMatch(name, parse_number(value), mask=parse_number(mask))
    if "->" in value_text:
        low, high = value_text.split("->", 1)
        return StfMatch(name, parse_number(low), high=parse_number(high))
    if "/" in value_text:
        value, prefix = value_text.split("/", 1)
        if not prefix.isdigit():
            raise ValueError(f"bad prefix length in {token!r}")
        return StfMatch(name, parse_number(value), prefix_len=int(prefix))
    return StfMatch(name, parse_number(value_text))


# -- commands -----------------------------------------------------------------------

ActionArgs = tuple[tuple[str, StfNumber], ...]


@dataclass(frozen=True, slots=True)
class Add:
    line: int
    table: str
    priority: int | None
    matches: tuple[StfMatch, ...]
    action: str
    args: ActionArgs
    handle: str | None = None


@dataclass(frozen=True, slots=True)
class SetDefault:
    line: int
    table: str
    action: str
    args: ActionArgs


@dataclass(frozen=True, slots=True)
class RemoveAll:
    line: int


@dataclass(frozen=True, slots=True)
class Packet:
    line: int
    port: int
    data: bytes


@dataclass(frozen=True, slots=True)
class Expect:
    """Expected packet on ``port``; ``pattern`` None means "any number of packets"."""

    line: int
    port: int
    pattern: str | None


@dataclass(frozen=True, slots=True)
class NoPacket:
    line: int


@dataclass(frozen=True, slots=True)
class Wait:
    line: int


@dataclass(frozen=True, slots=True)
class CheckCounter:
    """``check_counter name(index) [packets|bytes OP value]`` (default: ``== 0`` on both)."""

    line: int
    counter: str
    index: int | str
    count_type: str | None
    op: str
    expected: int


@dataclass(frozen=True, slots=True)
class MirroringAdd:
    line: int
    session: int
    port: int


@dataclass(frozen=True, slots=True)
class MirroringAddMc:
    line: int
    session: int
    group: int


@dataclass(frozen=True, slots=True)
class MirroringDelete:
    line: int
    session: int


@dataclass(frozen=True, slots=True)
class MirroringGet:
    line: int
    session: int


@dataclass(frozen=True, slots=True)
class McMgrpCreate:
    line: int
    group: int


@dataclass(frozen=True, slots=True)
class McNodeCreate:
    line: int
    rid: int
    ports: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class McNodeUpdate:
    line: int
    handle: int
    ports: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class McNodeAssociate:
    line: int
    group: int
    handle: int


@dataclass(frozen=True, slots=True)
class CounterRead:
    line: int
    counter: str
    index: int


@dataclass(frozen=True, slots=True)
class CounterWrite:
    line: int
    counter: str
    index: int
    packets: int
    bytes: int


@dataclass(frozen=True, slots=True)
class RegisterRead:
    line: int
    register: str
    index: int


@dataclass(frozen=True, slots=True)
class RegisterWrite:
    line: int
    register: str
    index: int
    value: int


@dataclass(frozen=True, slots=True)
class RegisterReset:
    line: int
    register: str


@dataclass(frozen=True, slots=True)
class MeterGetRates:
    line: int
    meter: str
    index: int


@dataclass(frozen=True, slots=True)
class MeterSetRates:
    """Rates as ``(units per microsecond, burst)`` pairs, committed first."""

    line: int
    meter: str
    index: int
    rates: tuple[tuple[float, int], ...]


@dataclass(frozen=True, slots=True)
class MeterArraySetRates:
    line: int
    meter: str
    rates: tuple[tuple[float, int], ...]


StfCommand = (
    Add
    | SetDefault
    | RemoveAll
    | Packet
    | Expect
    | NoPacket
    | Wait
    | CheckCounter
    | MirroringAdd
    | MirroringAddMc
    | MirroringDelete
    | MirroringGet
    | McMgrpCreate
    | McNodeCreate
    | McNodeUpdate
    | McNodeAssociate
    | CounterRead
    | CounterWrite
    | RegisterRead
    | RegisterWrite
    | RegisterReset
    | MeterGetRates
    | MeterSetRates
    | MeterArraySetRates
)

# -- line parsers ---------------------------------------------------------------------

_NAME = r"[A-Za-z_$][A-Za-z0-9_$]*(?:\[[0-9]+\])?(?:\.[A-Za-z_$][A-Za-z0-9_$]*(?:\[[0-9]+\])?)*"
_ACTION_CALL = re.compile(rf"({_NAME})\s*\((.*)\)\s*(?:=\s*([A-Za-z_$][A-Za-z0-9_$]*))?$")
_CHECK_COUNTER = re.compile(
    rf"({_NAME})\s*\(\s*([^)\s]+)\s*\)\s*(?:(packets|bytes)\s*(==|!=|<=|>=|<|>)\s*(\S+))?$",
    re.IGNORECASE,
)


def _int(text: str) -> int:
    number = parse_number(text)
    if number.has_wildcards:
        raise ValueError(f"wildcards not allowed here: {text!r}")
    return number.value


def _name(text: str) -> str:
    if not re.fullmatch(_NAME, text):
        raise ValueError(f"bad name {text!r}")
    return text


def _args(text: str) -> ActionArgs:
    args = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        name, sep, value = part.partition(":")
        if not sep:
            raise ValueError(f"action argument {part!r} is not name:value")
        args.append((_name(name.strip()), parse_number(value.strip())))
    return tuple(args)


def _action(rest: str) -> tuple[str, ActionArgs, str | None, str]:
    """Split ``<matches> action(args) [= ID]``; returns (action, args, handle, matches)."""
    rest = re.sub(r"\s+\(", "(", rest)
    paren = rest.find("(")
    if paren < 0:
        raise ValueError("missing action call 'name(...)'")
    start = max(rest.rfind(" ", 0, paren), rest.rfind("\t", 0, paren)) + 1
    call = _ACTION_CALL.match(rest[start:].strip())
    if call is None:
        raise ValueError(f"malformed action call {rest[start:].strip()!r}")
    return call.group(1), _args(call.group(2)), call.group(3), rest[:start]


def _normalize_matches(text: str) -> list[str]:
    text = re.sub(r"\s*(:|&&&|->|/)\s*", r"\1", text)
    return text.split()


def _parse_add(line: int, rest: str) -> Add:
    words = rest.split(None, 1)
    if len(words) < 2:
        raise ValueError("add needs a table, matches and an action")
    table, rest = _name(words[0]), words[1]
    priority = None
    first, _, remainder = rest.partition(" ")
    if first.isdigit():
        priority, rest = int(first), remainder
    action, args, handle, match_text = _action(rest)
    matches = tuple(_parse_match(token) for token in _normalize_matches(match_text))
    return Add(line, table, priority, matches, action, args, handle)


def _parse_setdefault(line: int, rest: str) -> SetDefault:
    words = rest.split(None, 1)
    if len(words) < 2:
        raise ValueError("setdefault needs a table and an action")
    action, args, handle, leftover = _action(words[1])
    if handle is not None or leftover.strip():
        raise ValueError("setdefault takes only an action call")
    return SetDefault(line, _name(words[0]), action, args)


def _parse_packet(line: int, rest: str) -> Packet:
    port_text, _, data = rest.partition(" ")
    hex_digits = "".join(data.split())
    if not re.fullmatch(r"[0-9a-fA-F]*", hex_digits):
        raise ValueError("packet data must be hex digits")
    # bmv2stf's HexToByte reads pairs of digits: a lone last digit is a byte of its own.
    data_bytes = bytes(int(hex_digits[i : i + 2], 16) for i in range(0, len(hex_digits), 2))
    return Packet(line, _int(port_text), data_bytes)


def _parse_expect(line: int, rest: str) -> Expect:
    port_text, _, data = rest.partition(" ")
    pattern = "".join(data.split()).upper()
    if not re.fullmatch(r"[0-9A-F*]*\$?", pattern):
        raise ValueError("expected data must be hex digits, '*' wildcards and a final '$'")
    return Expect(line, _int(port_text), pattern or None)


def _parse_check_counter(line: int, rest: str) -> CheckCounter:
    m = _CHECK_COUNTER.match(rest.strip())
    if m is None:
        raise ValueError("expected: check_counter name(index) [packets|bytes OP value]")
    name, index_text, count_type, op, expected = m.groups()
    index: int | str = index_text.lstrip("$") if not index_text[0].isdigit() else _int(index_text)
    if count_type is None:
        return CheckCounter(line, name, index, None, "==", 0)
    return CheckCounter(line, name, index, count_type.lower(), op, _int(expected))


def _rates(words: list[str]) -> tuple[tuple[float, int], ...]:
    rates = []
    for word in words:
        rate, sep, burst = word.partition(":")
        if not sep:
            raise ValueError(f"meter rate {word!r} is not rate:burst")
        rates.append((_parse_float(rate), _int(burst)))
    if not rates:
        raise ValueError("missing meter rates")
    return tuple(rates)


def _fixed(words: list[str], count: int, usage: str) -> list[str]:
    if len(words) != count:
        raise ValueError(f"usage: {usage}")
    return words


def _parse_simple(line: int, keyword: str, rest: str) -> StfCommand:
    w = rest.split()
    match keyword:
        case "wait":
            _fixed(w, 0, "wait")
            return Wait(line)
        case "no_packet":
            _fixed(w, 0, "no_packet")
            return NoPacket(line)
        case "remove":
            if [x.lower() for x in w] != ["all"]:
                raise ValueError("only 'remove all' is supported by the STF grammar")
            return RemoveAll(line)
        case "mirroring_add":
            a, b = _fixed(w, 2, "mirroring_add SESSION PORT")
            return MirroringAdd(line, _int(a), _int(b))
        case "mirroring_add_mc":
            a, b = _fixed(w, 2, "mirroring_add_mc SESSION GROUP")
            return MirroringAddMc(line, _int(a), _int(b))
        case "mirroring_delete":
            (a,) = _fixed(w, 1, "mirroring_delete SESSION")
            return MirroringDelete(line, _int(a))
        case "mirroring_get":
            (a,) = _fixed(w, 1, "mirroring_get SESSION")
            return MirroringGet(line, _int(a))
        case "mc_mgrp_create":
            (a,) = _fixed(w, 1, "mc_mgrp_create GROUP")
            return McMgrpCreate(line, _int(a))
        case "mc_node_create" | "mc_node_update":
            if len(w) < 1:
                raise ValueError(f"usage: {keyword} ID PORT...")
            ports = tuple(_int(p) for p in w[1:])
            if keyword == "mc_node_create":
                return McNodeCreate(line, _int(w[0]), ports)
            return McNodeUpdate(line, _int(w[0]), ports)
        case "mc_node_associate":
            a, b = _fixed(w, 2, "mc_node_associate GROUP HANDLE")
            return McNodeAssociate(line, _int(a), _int(b))
        case "counter_read":
            a, b = _fixed(w, 2, "counter_read COUNTER INDEX")
            return CounterRead(line, _name(a), _int(b))
        case "counter_write":
            a, b, c, d = _fixed(w, 4, "counter_write COUNTER INDEX PACKETS BYTES")
            return CounterWrite(line, _name(a), _int(b), _int(c), _int(d))
        case "register_read":
            a, b = _fixed(w, 2, "register_read REGISTER INDEX")
            return RegisterRead(line, _name(a), _int(b))
        case "register_write":
            a, b, c = _fixed(w, 3, "register_write REGISTER INDEX VALUE")
            return RegisterWrite(line, _name(a), _int(b), _int(c))
        case "register_reset":
            (a,) = _fixed(w, 1, "register_reset REGISTER")
            return RegisterReset(line, _name(a))
        case "meter_get_rates":
            a, b = _fixed(w, 2, "meter_get_rates METER INDEX")
            return MeterGetRates(line, _name(a), _int(b))
        case "meter_set_rates":
            if len(w) < 3:
                raise ValueError("usage: meter_set_rates METER INDEX RATE:BURST...")
            return MeterSetRates(line, _name(w[0]), _int(w[1]), _rates(w[2:]))
        case "meter_array_set_rates":
            if len(w) < 2:
                raise ValueError("usage: meter_array_set_rates METER RATE:BURST...")
            return MeterArraySetRates(line, _name(w[0]), _rates(w[1:]))
    raise ValueError(f"unknown command {keyword!r}")


def parse_stf(text: str, filename: str = "<stf>") -> list[StfCommand]:
    """Parse a whole STF file; raises :class:`StfError` at the first bad line."""
    commands: list[StfCommand] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        keyword, _, rest = line.replace("\t", " ").partition(" ")  # bmv2stf: any whitespace
        keyword = keyword.lower()
        rest = rest.strip()
        try:
            if keyword == "add":
                commands.append(_parse_add(lineno, rest))
            elif keyword == "setdefault":
                commands.append(_parse_setdefault(lineno, rest))
            elif keyword == "packet":
                commands.append(_parse_packet(lineno, rest))
            elif keyword == "expect":
                commands.append(_parse_expect(lineno, rest))
            elif keyword == "check_counter":
                commands.append(_parse_check_counter(lineno, rest))
            else:
                commands.append(_parse_simple(lineno, keyword, rest))
        except ValueError as exc:
            raise StfError(filename, lineno, str(exc)) from None
    return commands


def parse_stf_file(path: str | Path) -> list[StfCommand]:
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise StfError(str(path), 0, f"cannot read: {exc.strerror}") from None
    return parse_stf(text, str(path))


# -- packet comparison --------------------------------------------------------------------


def match_expected(pattern: str, got: bytes) -> bool:
    """bmv2stf ``comparePacket``: nibble-wise, ``*`` matches anything, ``$`` forbids extra bytes.

    Without ``$`` the received packet may be longer than the pattern.
    """
    strict = pattern.endswith("$")
    expected = pattern[:-1] if strict else pattern
    received = got.hex().upper()
    if len(received) < len(expected) or (strict and len(received) > len(expected)):
        return False
    return all(e == "*" or e == r for e, r in zip(expected, received, strict=False))


def format_packet_diff(pattern: str, got: bytes, width: int = 32) -> str:
    """Readable expected-versus-received dump, ``^`` under differing nibbles.

    ``width`` is in nibbles per row (32 = 16 bytes).
    """
    strict = pattern.endswith("$")
    expected = pattern[:-1] if strict else pattern
    received = got.hex().upper()
    rows = [
        f"expected {len(expected) / 2:g} bytes{' (exact length)' if strict else ''}, "
        f"received {len(got)} bytes"
    ]
    for start in range(0, max(len(expected), len(received)), width):
        exp_row = expected[start : start + width]
        got_row = received[start : start + width]
        marks = "".join(
            " "
            if i < len(exp_row) and i < len(got_row) and exp_row[i] in ("*", got_row[i])
            else ("^" if i < len(exp_row) or strict else " ")
            for i in range(max(len(exp_row), len(got_row)))
        )
        rows.append(f"{start // 2:06x}  expected {_spaced(exp_row)}")
        rows.append(f"        received {_spaced(got_row)}")
        if marks.strip():
            rows.append(f"                 {_spaced(marks)}")
    return "\n".join(rows)


def _spaced(nibbles: str) -> str:
    return " ".join(nibbles[i : i + 2] for i in range(0, len(nibbles), 2))
