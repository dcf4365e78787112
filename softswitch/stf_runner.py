"""Runs p4c STF tests against the in-process switch with BMv2 ``bmv2stf.py`` semantics.

Table commands are applied in file order; packets are processed as they are read;
``expect`` lines are collected per port. At the end (after every queued packet left),
each port's received packets must match its expectations one for one, in order: a
missing or an extra packet fails, except on ports with a bare ``expect PORT``, which
accept any number; ports that no packet/expect line names are not observed (bmv2stf
only attaches those interfaces). ``check_counter`` checks at its place in the file.
"""

from __future__ import annotations

import operator
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from softswitch import stf
from softswitch.codegen.values import CodegenError
from softswitch.runtime.clock import VirtualClock
from softswitch.runtime.errors import RuntimeApiError
from softswitch.runtime.externs import MeterRate
from softswitch.runtime.tables import FieldMatch, Table, TableEntry
from softswitch.switch import Switch, resolve_name

_OPS: dict[str, Callable[[int, int], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


@dataclass
class StfResult:
    """Outcome of one STF run; ``failures`` explain every mismatch."""

    passed: bool = True
    failures: list[str] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    packets_in: int = 0
    packets_out: int = 0

    def fail(self, message: str) -> None:
        self.passed = False
        self.failures.append(message)


def _key_alias(name: str) -> str:
    """STF spellings of key fields -> our P4Info-style names (``$valid$``, ``$0``)."""
    name = re.sub(r"\$([0-9]+)", r"[\1]", name)
    for suffix in (".$valid$", "$valid$", ".valid"):
        if name.endswith(suffix):
            return name[: -len(suffix)] + ".isValid()"
    return name


class StfRunner:
    def __init__(self, switch: Switch, result: StfResult, verbose: bool = False) -> None:
        self.switch = switch
        self.result = result
        self.verbose = verbose
        self.expected: dict[int, list[tuple[int, str]]] = {}
        self.any_count: set[int] = set()
        self.handles: dict[str, tuple[str, TableEntry]] = {}
        self.mc_handles: list[int] = []
        self.ports: set[int] = set()

    def say(self, message: str) -> None:
        self.result.log.append(message)
        if self.verbose:
            print(message)

    def run(self, commands: list[stf.StfCommand]) -> None:
        # bmv2stf only attaches interfaces for ports named by packet/expect lines; packets
        # sent elsewhere leave the switch unobserved.
        self.ports = {c.port for c in commands if isinstance(c, stf.Packet | stf.Expect)}
        for cmd in commands:
            try:
                self.execute(cmd)
            except (RuntimeApiError, ValueError) as err:
                self.result.fail(f"line {cmd.line}: {err}")
        self.switch.run_until_idle()
        self.compare()

    # ---- commands

    def execute(self, cmd: stf.StfCommand) -> None:
        sw = self.switch
        if isinstance(cmd, stf.Add):
            self._add(cmd)
        elif isinstance(cmd, stf.SetDefault):
            full, _ = resolve_name("table", cmd.table, sw.program.tables)
            sw.table_set_default(full, cmd.action, self._args(cmd.args))
        elif isinstance(cmd, stf.Packet):
            self.say(f"packet in  port {cmd.port}: {cmd.data.hex().upper()}")
            self.result.packets_in += 1
            sw.inject(cmd.port, cmd.data)
        elif isinstance(cmd, stf.Expect):
            if cmd.pattern is None:
                self.any_count.add(cmd.port)
            else:
                self.expected.setdefault(cmd.port, []).append((cmd.line, cmd.pattern))
        elif isinstance(cmd, stf.Wait):
            sw.run_until_idle()
        elif isinstance(cmd, stf.RemoveAll):
            for name in sw.table_names():
                if not sw.program.tables[name].immutable_entries:
                    sw.table_clear(name)
        elif isinstance(cmd, stf.CheckCounter):
            self._check_counter(cmd)
        else:
            self._pre_and_externs(cmd)

    def _pre_and_externs(self, cmd: stf.StfCommand) -> None:
        sw = self.switch
        if isinstance(cmd, stf.MirroringAdd):
            sw.clone_session_set(cmd.session, port=cmd.port)
        elif isinstance(cmd, stf.MirroringAddMc):
            sw.clone_session_set(cmd.session, mcast_group=cmd.group)
        elif isinstance(cmd, stf.MirroringDelete):
            sw.clone_session_delete(cmd.session)
        elif isinstance(cmd, stf.McMgrpCreate):
            sw.mc_group_create(cmd.group)
        elif isinstance(cmd, stf.McNodeCreate):
            self.mc_handles.append(sw.mc_node_create(cmd.rid, cmd.ports))
        elif isinstance(cmd, stf.McNodeUpdate):
            sw.multicast.update_node(cmd.handle, cmd.ports)
        elif isinstance(cmd, stf.McNodeAssociate):
            sw.mc_node_associate(cmd.group, cmd.handle)
        elif isinstance(cmd, stf.CounterWrite):
            sw.counter_write(cmd.counter, cmd.index, cmd.packets, cmd.bytes)
        elif isinstance(cmd, stf.CounterRead):
            self.say(
                f"counter {cmd.counter}[{cmd.index}] = {sw.counter_read(cmd.counter, cmd.index)}"
            )
        elif isinstance(cmd, stf.RegisterWrite):
            sw.register_write(cmd.register, cmd.index, cmd.value)
        elif isinstance(cmd, stf.RegisterRead):
            self.say(
                f"register {cmd.register}[{cmd.index}] = {sw.register_read(cmd.register, cmd.index)}"
            )
        elif isinstance(cmd, stf.RegisterReset):
            sw.register_reset(cmd.register)
        elif isinstance(cmd, stf.MeterSetRates):
            sw.meter_set_rates(cmd.meter, cmd.index, [MeterRate(r, b) for r, b in cmd.rates])
        elif isinstance(cmd, stf.MeterArraySetRates):
            sw.meter(cmd.meter).set_all_rates([MeterRate(r, b) for r, b in cmd.rates])
        else:
            self.say(f"line {cmd.line}: ignored {type(cmd).__name__}")

    @staticmethod
    def _args(args: stf.ActionArgs) -> dict[str, int]:
        out = {}
        for name, number in args:
            if number.has_wildcards:
                raise ValueError(f"action argument {name} has wildcards")
            out[name] = number.value
        return out

    def _add(self, cmd: stf.Add) -> None:
        sw = self.switch
        full, table = resolve_name("table", cmd.table, sw.program.tables)
        by_name = {f.name: f for f in table.key_fields}
        matches: dict[str, FieldMatch] = {}
        for m in cmd.matches:
            key_name, kf = resolve_name(f"key field of {full}", _key_alias(m.field), by_name)
            spec = m.to_field_match(kf.kind, kf.width)
            if spec is not None:
                matches[key_name] = spec
        priority = None
        if table.requires_priority:
            # STF priorities are "larger wins" from 0 (bmv2stf passes 10000 - prio to BMv2,
            # where smaller wins); the runtime's start at 1.
            priority = cmd.priority + 1 if cmd.priority is not None else self._fresh_priority(table)
        entry = sw.table_add(full, matches, cmd.action, self._args(cmd.args), priority)
        if cmd.handle is not None:
            self.handles[cmd.handle] = (full, entry)

    @staticmethod
    def _fresh_priority(table: Table) -> int:
        """Entries added without a priority: earlier ones win, as BMv2's CLI order does."""
        lowest = min((e.priority for e in table.entries()), default=1 << 24)
        return max(lowest - 1, 1)

    def _check_counter(self, cmd: stf.CheckCounter) -> None:
        sw = self.switch
        if isinstance(cmd.index, str):
            handle = self.handles.get(cmd.index)
            if handle is None:
                raise ValueError(f"unknown entry handle ${cmd.index}")
            packets, nbytes = handle[1].packets, handle[1].bytes
        else:
            packets, nbytes = sw.counter_read(cmd.counter, cmd.index)
        checks = (
            [("packets", packets), ("bytes", nbytes)]
            if cmd.count_type is None
            else [(cmd.count_type, packets if cmd.count_type == "packets" else nbytes)]
        )
        for what, actual in checks:
            if not _OPS[cmd.op](actual, cmd.expected):
                self.result.fail(
                    f"line {cmd.line}: counter {cmd.counter}({cmd.index}) {what} is {actual}, "
                    f"expected {cmd.op} {cmd.expected}"
                )

    # ---- final comparison

    def compare(self) -> None:
        received: dict[int, list[bytes]] = {}
        for port, data in self.switch.take_outputs():
            self.say(f"packet out port {port}: {data.hex().upper()}")
            if port in self.ports:
                received.setdefault(port, []).append(data)
        self.result.packets_out = sum(len(v) for v in received.values())
        for port in sorted(set(received) | set(self.expected)):
            if port in self.any_count:
                continue
            got = received.get(port, [])
            want = self.expected.get(port, [])
            for i, (line, pattern) in enumerate(want):
                if i >= len(got):
                    self.result.fail(
                        f"line {line}: expected packet {i} on port {port} was not received"
                    )
                    continue
                if not stf.match_expected(pattern, got[i]):
                    diff = stf.format_packet_diff(pattern, got[i])
                    self.result.fail(f"line {line}: packet {i} on port {port} differs\n{diff}")
            for extra in got[len(want) :]:
                self.result.fail(f"unexpected packet on port {port}: {extra.hex().upper()}")
        for message in self.switch.errors:
            self.say(f"switch: {message}")


def run_stf(
    p4_path: str | Path,
    stf_path: str | Path,
    *,
    include_dirs: tuple[str | Path, ...] = (),
    defines: tuple[str, ...] = (),
    verbose: bool = False,
) -> StfResult:
    """Compile ``p4_path`` and run ``stf_path`` against it on a virtual clock.

    Raises ``CompileError``, ``CodegenError`` or ``stf.StfError`` for bad inputs; test
    mismatches are reported in the result, never raised.
    """
    commands = stf.parse_stf_file(stf_path)
    switch = Switch.from_file(p4_path, include_dirs, defines, clock=VirtualClock())
    result = StfResult()
    StfRunner(switch, result, verbose).run(commands)
    return result


def main_stf(p4: Path, test: Path, verbose: bool) -> int:
    """``softswitch stf``: 0 when the test passes, 1 on any mismatch or error."""
    from softswitch.frontend.diagnostics import CompileError

    try:
        result = run_stf(p4, test, verbose=verbose)
    except CompileError as err:
        print(str(err), file=sys.stderr)
        return 1
    except (CodegenError, stf.StfError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for failure in result.failures:
        print(f"FAIL {failure}", file=sys.stderr)
    status = "PASS" if result.passed else "FAIL"
    print(f"{status}: {test} ({result.packets_in} packets in, {result.packets_out} out)")
    return 0 if result.passed else 1


__all__ = ["StfResult", "StfRunner", "main_stf", "run_stf"]
