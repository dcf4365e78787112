"""Run directories: where a testbed run keeps its logs, results and the record of what it created.

Every run gets `runs/<timestamp>-<scenario>/`. Before anything is created on the machine it is
appended to `resources.jsonl` in that directory (one JSON object per line, flushed at once), so
`make clean-net` can remove exactly those processes, namespaces and interfaces even after the
run crashed. Processes are recorded with their kernel start time and interfaces with their
ifindex: a recycled PID or a same-named interface created later by someone else is left alone.

A lock file (`runs/.lock`, held with `flock` for the whole run) makes a second run refuse while
one is active; the kernel drops the lock when the owner dies, so a crashed run never blocks.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Literal

RUNS_DIR_ENV = "FANTEL_RUNS_DIR"
RECORD_FILE = "resources.jsonl"
CLEANED_MARKER = "cleaned"
LOCK_FILE = ".lock"
#: Interface names and ports (API 9090, gRPC 50000+) are machine-wide, so one lock is too:
#: runs under different runs directories (tests set FANTEL_RUNS_DIR) must not build two
#: networks with the same names at once.
NETWORK_LOCK_DIR = Path("/run/lock") if Path("/run/lock").is_dir() else Path(tempfile.gettempdir())
NETWORK_LOCK_FILE = "fantel-testbed.lock"

ResourceKind = Literal["process", "iface", "netns"]


def runs_root() -> Path:
    """`$FANTEL_RUNS_DIR`, else `runs/` at the repository root."""
    override = os.environ.get(RUNS_DIR_ENV)
    if override:
        return Path(override)
    return Path(__file__).resolve().parent.parent / "runs"


class RunLockedError(RuntimeError):
    """Another testbed run holds the lock."""


def process_start_ticks(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (field 22 of /proc/PID/stat)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[19])


def iface_index(name: str) -> int | None:
    """The ifindex of interface `name` in this process's network namespace."""
    try:
        return int(Path(f"/sys/class/net/{name}/ifindex").read_text())
    except (OSError, ValueError):
        return None


@dataclass(frozen=True)
class Resource:
    """One thing a run created: a process (pid + start ticks), an interface (name + ifindex)
    in the root namespace, or a named network namespace (`ip netns`)."""

    kind: ResourceKind
    name: str
    pid: int | None = None
    start_ticks: int | None = None
    ifindex: int | None = None

    def to_json(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v is not None})

    @classmethod
    def from_json(cls, line: str) -> Resource:
        data = json.loads(line)
        return cls(
            kind=data["kind"],
            name=data["name"],
            pid=data.get("pid"),
            start_ticks=data.get("start_ticks"),
            ifindex=data.get("ifindex"),
        )


_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


class RunDir:
    """An open run directory that records resources as they are created."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.logs = path / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self._record: IO[str] = (path / RECORD_FILE).open("a", encoding="utf-8")

    @classmethod
    def create(cls, scenario: str, root: Path | None = None, now: float | None = None) -> RunDir:
        """A new `<root>/<YYYYmmdd-HHMMSS>-<scenario>/` (suffixed if the name is taken)."""
        root = root or runs_root()
        root.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
        base = f"{stamp}-{_SAFE.sub('_', scenario)}"
        for attempt in range(1000):
            path = root / (base if attempt == 0 else f"{base}.{attempt}")
            try:
                path.mkdir()
            except FileExistsError:
                continue
            return cls(path)
        raise RuntimeError(f"cannot create a run directory under {root}")

    def record(self, resource: Resource) -> None:
        self._record.write(resource.to_json() + "\n")
        self._record.flush()
        os.fsync(self._record.fileno())

    def record_process(self, pid: int, name: str) -> None:
        """Record a process we started (call right after starting it)."""
        self.record(Resource("process", name, pid=pid, start_ticks=process_start_ticks(pid)))

    def record_iface(self, name: str) -> None:
        """Record an interface we created in the root namespace."""
        self.record(Resource("iface", name, ifindex=iface_index(name)))

    def record_netns(self, name: str) -> None:
        """Record a named network namespace (call *before* creating it: a crash in between
        leaves a record of something absent, which cleanup skips)."""
        self.record(Resource("netns", name))

    def close(self) -> None:
        self._record.close()


def read_resources(run: Path) -> list[Resource]:
    """The resources a run recorded; a torn last line (crash mid-write) is ignored."""
    resources = []
    try:
        lines = (run / RECORD_FILE).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    for line in lines:
        try:
            resources.append(Resource.from_json(line))
        except (ValueError, KeyError):
            continue
    return resources


def recorded_runs(root: Path | None = None) -> Iterator[Path]:
    """Run directories with a resource record that were not cleaned yet, oldest first."""
    root = root or runs_root()
    if not root.is_dir():
        return
    for run in sorted(p for p in root.iterdir() if p.is_dir()):
        if (run / RECORD_FILE).exists() and not (run / CLEANED_MARKER).exists():
            yield run


class RunLock:
    """An exclusive, non-blocking lock on the runs directory for one run's lifetime."""

    def __init__(self, root: Path | None = None, name: str = LOCK_FILE) -> None:
        self.root = root or runs_root()
        self.name = name
        self._file: IO[str] | None = None

    @classmethod
    def network(cls) -> RunLock:
        """The machine-wide lock every run holds while its network exists."""
        return cls(NETWORK_LOCK_DIR, NETWORK_LOCK_FILE)

    def acquire(self, owner: str) -> None:
        """Take the lock or raise RunLockedError naming the active run."""
        self.root.mkdir(parents=True, exist_ok=True)
        handle = (self.root / self.name).open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise RunLockedError(
                f"another testbed run is active ({holder}); wait for it to finish or stop it"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{owner}, pid {os.getpid()}\n")
        handle.flush()
        self._file = handle

    def held_elsewhere(self) -> bool:
        """True when another process holds the lock (a run is active)."""
        if self._file is not None:
            return False
        path = self.root / self.name
        if not path.exists():
            return False
        with path.open("a+", encoding="utf-8") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
            return False

    def release(self) -> None:
        if self._file is not None:
            self._file.seek(0)
            self._file.truncate()
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
