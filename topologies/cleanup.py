"""`make clean-net`: remove what recorded testbed runs created, and nothing else.

For every run directory with a resource record and no `cleaned` marker (see `rundir.py`):
stop the recorded processes (only when the PID still has the recorded start time), delete the
recorded interfaces (only when the ifindex still matches) and the named namespaces. Never kills
by process name and never calls Mininet's `mn -c`. A run that is still active (its lock is held)
is left alone unless `--force` is given.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from topologies.rundir import (
    CLEANED_MARKER,
    Resource,
    RunLock,
    iface_index,
    process_start_ticks,
    read_resources,
    recorded_runs,
    runs_root,
)

TERM_GRACE_S = 3.0


@dataclass
class CleanupReport:
    killed: list[str] = field(default_factory=list)
    deleted_ifaces: list[str] = field(default_factory=list)
    deleted_netns: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def merge(self, other: CleanupReport) -> None:
        self.killed += other.killed
        self.deleted_ifaces += other.deleted_ifaces
        self.deleted_netns += other.deleted_netns
        self.errors += other.errors

    def summary(self) -> str:
        parts = [
            f"{len(self.killed)} process(es) stopped",
            f"{len(self.deleted_ifaces)} interface(s) deleted",
            f"{len(self.deleted_netns)} namespace(s) deleted",
        ]
        text = ", ".join(parts)
        if self.errors:
            text += f"; {len(self.errors)} error(s): " + "; ".join(self.errors)
        return text


def _same_process(resource: Resource) -> bool:
    assert resource.pid is not None
    ticks = process_start_ticks(resource.pid)
    return ticks is not None and ticks == resource.start_ticks


def wait_until(predicate: Callable[[], bool], timeout_s: float, step_s: float = 0.02) -> bool:
    """Poll `predicate` until it holds or the timeout passes; returns its last value."""
    deadline = time.monotonic() + timeout_s
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(step_s)


def stop_processes(resources: Iterable[Resource], report: CleanupReport) -> None:
    """SIGTERM every still-running recorded process, then SIGKILL what survives the grace time."""
    alive = [r for r in resources if r.kind == "process" and r.pid and _same_process(r)]
    for resource in alive:
        assert resource.pid is not None
        try:
            os.kill(resource.pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
    wait_until(lambda: not any(_same_process(r) for r in alive), TERM_GRACE_S)
    for resource in alive:
        assert resource.pid is not None
        if _same_process(resource):
            with contextlib.suppress(ProcessLookupError):
                os.kill(resource.pid, signal.SIGKILL)
        _reap(resource.pid)
        report.killed.append(f"{resource.name} (pid {resource.pid})")


def _reap(pid: int) -> None:
    """Collect the exit status when the process is our own child (avoids zombies in tests)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def _ip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=False)


def delete_ifaces(resources: Iterable[Resource], report: CleanupReport) -> None:
    for resource in resources:
        if resource.kind != "iface":
            continue
        index = iface_index(resource.name)
        if index is None or (resource.ifindex is not None and index != resource.ifindex):
            continue  # already gone (deleting one veth end removes its peer) or not ours
        result = _ip("link", "del", resource.name)
        if result.returncode == 0:
            report.deleted_ifaces.append(resource.name)
        elif iface_index(resource.name) is not None:
            report.errors.append(f"ip link del {resource.name}: {result.stderr.strip()}")


def delete_netns(resources: Iterable[Resource], report: CleanupReport) -> None:
    for resource in resources:
        if resource.kind != "netns" or not Path(f"/run/netns/{resource.name}").exists():
            continue
        result = _ip("netns", "del", resource.name)
        if result.returncode == 0:
            report.deleted_netns.append(resource.name)
        else:
            report.errors.append(f"ip netns del {resource.name}: {result.stderr.strip()}")


def clean_resources(resources: list[Resource]) -> CleanupReport:
    """Remove the given resources: processes first (they hold interfaces and namespaces)."""
    report = CleanupReport()
    stop_processes(resources, report)
    delete_ifaces(resources, report)
    delete_netns(resources, report)
    return report


def clean_run(run: Path) -> CleanupReport:
    """Clean one run directory and mark it cleaned when nothing failed."""
    report = clean_resources(read_resources(run))
    if not report.errors:
        (run / CLEANED_MARKER).write_text(time.strftime("%Y-%m-%d %H:%M:%S\n"))
    return report


def clean_stale_runs(root: Path | None = None) -> CleanupReport:
    """Clean every recorded run; the caller must hold the run lock (no run is active)."""
    total = CleanupReport()
    for run in recorded_runs(root):
        total.merge(clean_run(run))
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m topologies.cleanup",
        description="Remove the processes, interfaces and namespaces recorded by testbed runs.",
    )
    parser.add_argument("--runs-dir", type=Path, default=None, help="default: runs/")
    parser.add_argument(
        "--force", action="store_true", help="clean even while a run holds the lock"
    )
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("clean-net: must run as root (it deletes interfaces and namespaces)", file=sys.stderr)
        return 1
    root = args.runs_dir or runs_root()
    active = RunLock(root).held_elsewhere() or RunLock.network().held_elsewhere()
    if active and not args.force:
        print(
            "clean-net: a testbed run is active; it cleans up when it ends "
            "(use --force to clean it anyway)",
            file=sys.stderr,
        )
        return 1
    runs = list(recorded_runs(root))
    if not runs:
        print(f"clean-net: nothing to clean under {root}")
        return 0
    total = CleanupReport()
    for run in runs:
        report = clean_run(run)
        print(f"clean-net: {run.name}: {report.summary()}")
        total.merge(report)
    return 1 if total.errors else 0


if __name__ == "__main__":
    sys.exit(main())
