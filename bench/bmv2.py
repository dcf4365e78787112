"""BMv2 ``simple_switch`` packets/s for the same program, entries and packets as our switch.

Used by ``bench.executor`` when ``p4c`` and ``simple_switch`` are on PATH. The program is
compiled with ``p4c --target bmv2 --arch v1model``; the entries installed in our ``Switch``
are replayed through ``simple_switch_CLI`` (BMv2 names are the same fully qualified P4 names);
packets are fed from a pcap file (``--use-files``, as p4c's ``bmv2stf.py`` does). The figure is
packets output / (time of the last output write - time input reading started), so it includes
BMv2's pcap I/O but not its start-up.
"""

from __future__ import annotations

import os
import random
import shutil
import struct
import subprocess
import tempfile
import time
from pathlib import Path

from softswitch.runtime.actions import ActionCall
from softswitch.runtime.tables import MatchKind, TableEntry
from softswitch.switch import Switch

TOOLS = ("p4c", "simple_switch", "simple_switch_CLI")
# Seconds simple_switch waits before reading its input pcaps: time for the CLI to program it.
START_DELAY_S = 5
PCAP_HEADER = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def _key_text(table_kinds: list[MatchKind], entry: TableEntry) -> str:
    parts = []
    for kind, (a, b) in zip(table_kinds, entry.key, strict=True):
        if kind is MatchKind.EXACT:
            parts.append(str(a))
        elif kind is MatchKind.LPM:
            parts.append(f"{a}/{b.bit_count()}")
        elif kind is MatchKind.RANGE:
            parts.append(f"{a}->{b}")
        else:  # ternary and optional: value&&&mask
            parts.append(f"{a}&&&{b}")
    return " ".join(parts)


def cli_commands(sw: Switch) -> list[str]:
    """``table_add`` commands reproducing the direct entries installed in ``sw``."""
    commands = []
    for name in sw.table_names():
        table = sw.table(name)
        kinds = [f.kind for f in table.key_fields]
        for entry in table.entries():
            action = entry.action
            if entry.is_const or not isinstance(action, ActionCall):
                continue  # const entries come with the program; profiles are not replayed
            spec = table.actions[action.name]
            params = " ".join(str(action.params[p]) for p, _ in spec.params)
            # BMv2's CLI priorities are "smaller wins", ours "larger wins".
            prio = f" {(1 << 24) - entry.priority}" if table.requires_priority else ""
            commands.append(
                f"table_add {name} {action.name} {_key_text(kinds, entry)} => {params}{prio}"
            )
    return commands


def _write_pcap(path: Path, packets: list[bytes]) -> None:
    with path.open("wb") as f:
        f.write(PCAP_HEADER)
        for i, data in enumerate(packets):
            f.write(struct.pack("<IIII", i // 1_000_000, i % 1_000_000, len(data), len(data)))
            f.write(data)


def _pcap_count(path: Path) -> int:
    """Records in a pcap file (a partly written last record is not counted)."""
    if not path.exists():
        return 0
    raw = path.read_bytes()
    count, pos = 0, len(PCAP_HEADER)
    while pos + 16 <= len(raw):
        caplen = struct.unpack_from("<I", raw, pos + 8)[0]
        pos += 16 + caplen
        if pos <= len(raw):
            count += 1
    return count


def bmv2_pps(
    program: Path,
    sw: Switch,
    packets: list[bytes],
    ports: range,
    expected: int,
    timeout_s: float = 120.0,
) -> tuple[float, int]:
    """(packets/s, packets output) of simple_switch fed ``packets`` on port 1, waiting for
    ``expected`` outputs at most ``timeout_s``; raises RuntimeError with the reason."""
    with tempfile.TemporaryDirectory(prefix="bench-bmv2-") as tmp:
        work = Path(tmp)
        build = subprocess.run(
            ["p4c", "--target", "bmv2", "--arch", "v1model", "-o", str(work), str(program)],
            capture_output=True,
            text=True,
        )
        config = work / f"{program.stem}.json"
        if build.returncode != 0 or not config.exists():
            raise RuntimeError(f"p4c failed: {build.stderr.strip()[:300]}")
        _write_pcap(work / "p1_in.pcap", packets)
        thrift = str(random.randint(20000, 40000))
        args = ["simple_switch", "--use-files", str(START_DELAY_S), "--thrift-port", thrift]
        for port in ports:
            args += ["-i", f"{port}@p{port}"]
        started = time.monotonic()
        # Output pcap mtimes are wall-clock times: input reading starts START_DELAY_S after.
        reading_wall = time.time() + START_DELAY_S
        switch = subprocess.Popen(
            [*args, str(config)], cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            time.sleep(1)  # the thrift server starts first
            cli = subprocess.run(
                ["simple_switch_CLI", "--thrift-port", thrift],
                input="\n".join(cli_commands(sw)) + "\n",
                capture_output=True,
                text=True,
                timeout=START_DELAY_S,
            )
            if cli.returncode != 0:
                raise RuntimeError(f"simple_switch_CLI failed: {cli.stderr.strip()[:300]}")
            outputs = [work / f"p{port}_out.pcap" for port in ports]
            deadline = started + START_DELAY_S + timeout_s
            while time.monotonic() < deadline:
                if sum(_pcap_count(p) for p in outputs) >= expected:
                    break
                time.sleep(0.2)
        finally:
            switch.terminate()
            switch.wait(timeout=10)
        written = [p for p in outputs if p.exists()]
        out = sum(_pcap_count(p) for p in written)
        if not out:
            raise RuntimeError("simple_switch output no packet")
        elapsed = max(os.path.getmtime(p) for p in written) - reading_wall
        return out / max(elapsed, 1e-6), out
