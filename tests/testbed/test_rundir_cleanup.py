"""Run directories, the run lock and `make clean-net`'s record-driven cleanup."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from topologies.cleanup import clean_run
from topologies.cleanup import main as cleanup_main
from topologies.run import main as run_main
from topologies.rundir import (
    CLEANED_MARKER,
    RECORD_FILE,
    Resource,
    RunDir,
    RunLock,
    RunLockedError,
    iface_index,
    process_start_ticks,
    read_resources,
    recorded_runs,
)


def test_run_dir_name_and_suffix(runs_root: Path) -> None:
    first = RunDir.create("failure", runs_root, now=0)
    second = RunDir.create("failure", runs_root, now=0)
    assert first.path.name.endswith("-failure")
    assert second.path.name == first.path.name + ".1"
    assert (first.path / "logs").is_dir()


def test_resources_round_trip_and_torn_line(runs_root: Path) -> None:
    run = RunDir.create("x", runs_root)
    run.record(Resource("iface", "s1-eth1", ifindex=42))
    run.record(Resource("process", "h1", pid=7, start_ticks=99))
    run.close()
    with (run.path / RECORD_FILE).open("a") as record:
        record.write('{"kind": "netns", "na')  # a crash in the middle of a write
    assert read_resources(run.path) == [
        Resource("iface", "s1-eth1", ifindex=42),
        Resource("process", "h1", pid=7, start_ticks=99),
    ]
    assert list(recorded_runs(runs_root)) == [run.path]


def test_lock_refuses_second_run_and_names_the_first(runs_root: Path) -> None:
    first = RunLock(runs_root)
    first.acquire("runs/123-failure")
    second = RunLock(runs_root)
    assert second.held_elsewhere()
    with pytest.raises(RunLockedError, match="123-failure"):
        second.acquire("runs/124-failure")
    first.release()
    assert not second.held_elsewhere()
    second.acquire("runs/124-failure")
    second.release()


def test_lock_is_released_when_the_holder_dies(runs_root: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from topologies.rundir import RunLock; "
        f"RunLock(Path({str(runs_root)!r})).acquire('crashed'); sys.exit(3)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 3
    RunLock(runs_root).acquire("next")


@pytest.mark.root
def test_cleanup_removes_recorded_things_only(runs_root: Path) -> None:
    run = RunDir.create("crash", runs_root)
    ours = subprocess.Popen(["sleep", "60"])
    bystander = subprocess.Popen(["sleep", "60"])
    run.record_process(ours.pid, "ours")
    # A recycled PID: same number, different start time -> must not be killed.
    run.record(Resource("process", "recycled", pid=bystander.pid, start_ticks=1))
    subprocess.run(["ip", "link", "add", "ftc0", "type", "veth", "peer", "ftc1"], check=True)
    run.record_iface("ftc0")
    run.record_netns("ftc-ns")
    subprocess.run(["ip", "netns", "add", "ftc-ns"], check=True)
    run.close()
    try:
        report = clean_run(run.path)
        assert ours.wait(timeout=5) is not None
        assert bystander.poll() is None
        assert iface_index("ftc0") is None and iface_index("ftc1") is None
        assert not Path("/run/netns/ftc-ns").exists()
        assert report.deleted_ifaces == ["ftc0"] and report.deleted_netns == ["ftc-ns"]
        assert (run.path / CLEANED_MARKER).exists()
        assert list(recorded_runs(runs_root)) == []
    finally:
        bystander.kill()
        bystander.wait()


@pytest.mark.root
def test_cleanup_leaves_a_same_named_interface_that_is_not_ours(runs_root: Path) -> None:
    run = RunDir.create("old", runs_root)
    run.record(Resource("iface", "ftd0", ifindex=999_999))
    run.close()
    subprocess.run(["ip", "link", "add", "ftd0", "type", "veth", "peer", "ftd1"], check=True)
    try:
        clean_run(run.path)
        assert iface_index("ftd0") is not None
    finally:
        subprocess.run(["ip", "link", "del", "ftd0"], check=True)


@pytest.mark.root
def test_clean_net_refuses_while_a_run_is_active(
    runs_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lock = RunLock(runs_root)
    lock.acquire("active")
    try:
        assert cleanup_main(["--runs-dir", str(runs_root)]) == 1
        assert "a testbed run is active" in capsys.readouterr().err
    finally:
        lock.release()
    assert cleanup_main(["--runs-dir", str(runs_root)]) == 0


def test_process_start_ticks_of_self() -> None:
    assert process_start_ticks(os.getpid()) is not None
    assert process_start_ticks(2**22 + 12345) is None


@pytest.mark.root
def test_runs_with_different_runs_dirs_exclude_each_other(
    runs_root: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Interface names and ports are machine-wide: a run under another runs directory (a test's
    FANTEL_RUNS_DIR) holds the network lock, so this one refuses before touching anything."""
    monkeypatch.setattr("topologies.rundir.NETWORK_LOCK_DIR", tmp_path)
    other = RunLock.network()
    other.acquire("scenario failure, runs in /elsewhere")
    try:
        assert run_main(["--scenario", "failure", "--headless"]) == 1
        assert "another testbed run is active (scenario failure, runs in /elsewhere" in (
            capsys.readouterr().err
        )
        assert not RunLock(runs_root).held_elsewhere()  # this run's own lock was released
        assert not any(runs_root.glob("*-failure"))
    finally:
        other.release()
