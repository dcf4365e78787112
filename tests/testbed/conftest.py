"""Fixtures for testbed tests: a private runs directory and named namespaces joined by a veth
pair, all recorded in a run directory and removed by the testbed's own cleanup; and
`run_scenario`, one headless quick scenario run on the small topology for the e2e tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from topologies.cleanup import clean_run
from topologies.rundir import CLEANED_MARKER, RUNS_DIR_ENV, RunDir

REPO = Path(__file__).resolve().parents[2]


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


@dataclass
class ScenarioRun:
    """What `python -m topologies.run` left: its exit, and the one run directory it made."""

    done: subprocess.CompletedProcess[str]
    runs: Path

    def assert_exited_ok(self) -> None:
        assert self.done.returncode == 0, self.done.stdout[-3000:] + self.done.stderr[-3000:]

    @property
    def path(self) -> Path:
        (run,) = [p for p in self.runs.iterdir() if p.is_dir()]
        return run

    def figures(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """The fantel and baseline figures of result.json."""
        figures = json.loads((self.path / "result.json").read_text())["figures"]
        return figures["fantel"], figures["baseline"]

    def assert_reported_and_cleaned(self) -> None:
        """The report, the fantel series and plot were written, and the run was cleaned up."""
        for name in ("report.md", "series-fantel.csv", "throughput-fantel.png"):
            assert (self.path / name).stat().st_size > 0
        assert (self.path / CLEANED_MARKER).exists()


def run_scenario(tmp_path: Path, scenario: str, timeout_s: float) -> ScenarioRun:
    """`make run SCENARIO=<scenario> HEADLESS=1 QUICK=1` on the small topology, its runs
    directory under `tmp_path`."""
    runs = tmp_path / "runs"
    argv = ["--scenario", scenario, "--topology", "small", "--headless", "--quick"]
    done = subprocess.run(
        [sys.executable, "-m", "topologies.run", *argv],
        cwd=REPO,
        env={**os.environ, RUNS_DIR_ENV: str(runs)},
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    return ScenarioRun(done, runs)
