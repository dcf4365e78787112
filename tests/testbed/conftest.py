"""Fixtures for testbed tests: a private runs directory and named namespaces joined by a veth
pair, all recorded in a run directory and removed by the testbed's own cleanup."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from topologies.cleanup import clean_run
from topologies.rundir import RUNS_DIR_ENV, RunDir


@pytest.fixture
def runs_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "runs"
    monkeypatch.setenv(RUNS_DIR_ENV, str(root))
    return root


def ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


class NamespacePair:
    """Namespaces `a` and `b`, interface `a0` in a and `b0` in b, on one veth pair."""

    def __init__(self, run: RunDir) -> None:
        tag = f"ft{os.getpid() % 100000}"
        self.a, self.b = f"{tag}a", f"{tag}b"
        for ns in (self.a, self.b):
            run.record_netns(ns)
            ip("netns", "add", ns)
        ip(
            "link",
            "add",
            f"{tag}x",
            "netns",
            self.a,
            "type",
            "veth",
            "peer",
            f"{tag}y",
            "netns",
            self.b,
        )
        ip("-n", self.a, "link", "set", f"{tag}x", "name", "a0")
        ip("-n", self.b, "link", "set", f"{tag}y", "name", "b0")
        for ns, iface in ((self.a, "a0"), (self.b, "b0")):
            ip("-n", ns, "link", "set", iface, "up")
            ip("-n", ns, "link", "set", "lo", "up")

    def exec(self, ns: str, *argv: str) -> list[str]:
        return ["ip", "netns", "exec", ns, *argv]


@pytest.fixture
def netns_pair(runs_root: Path) -> Iterator[NamespacePair]:
    run = RunDir.create("test-netns", runs_root)
    try:
        yield NamespacePair(run)
    finally:
        run.close()
        report = clean_run(run.path)
        assert not report.errors, report.summary()
