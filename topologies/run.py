"""`make run`: bring up a topology in Mininet with P4 switches and the controller, run a scenario,
print its summary, write the report, and clean up by the run's own records.

    python -m topologies.run --scenario failure --topology small [--headless] [--quick]
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType, ModuleType

from controller.topology import Topology, TopologyError
from topologies import scenarios
from topologies.cleanup import clean_run, clean_stale_runs
from topologies.preflight import PreflightError, check_privileges, preflight
from topologies.rundir import RunDir, RunLock, RunLockedError

TOPOLOGY_DIR = Path(__file__).resolve().parent


def topology_names() -> list[str]:
    return sorted(p.stem for p in TOPOLOGY_DIR.glob("*.yaml"))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m topologies.run",
        description=__doc__,
        epilog=f"scenarios:\n{scenarios.describe()}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--scenario",
        default="failure",
        metavar="NAME",
        help=f"one of: {', '.join(sorted(scenarios.SCENARIOS))} (default: failure)",
    )
    parser.add_argument("--topology", default="small", help="a name in topologies/ or a YAML path")
    parser.add_argument("--headless", action="store_true", help="never open the Mininet CLI")
    parser.add_argument("--quick", action="store_true", help="shorter phases (CI)")
    return parser.parse_args(argv)


def resolve_topology(name: str) -> Path:
    path = Path(name)
    if path.suffix in (".yaml", ".yml") and path.exists():
        return path
    candidate = TOPOLOGY_DIR / f"{name}.yaml"
    if candidate.exists():
        return candidate
    raise KeyError(f"unknown topology {name!r}; valid topologies: {', '.join(topology_names())}")


class Interrupted(Exception):
    pass


def _raise_interrupted(signum: int, _frame: FrameType | None) -> None:
    raise Interrupted(signal.Signals(signum).name)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        scenario = scenarios.get(args.scenario)
        topology_file = resolve_topology(args.topology)
        topology = Topology.load(topology_file)
        if hasattr(scenario, "shaping"):
            scenario.shaping(topology)  # a topology the scenario cannot use fails here
        check_privileges()
    except (KeyError, TopologyError, PreflightError, RuntimeError) as err:
        print(f"make run: {err.args[0] if isinstance(err, KeyError) else err}", file=sys.stderr)
        return 2
    lock, network = RunLock(), RunLock.network()
    try:
        network.acquire(f"scenario {args.scenario}, runs in {lock.root}")
    except RunLockedError as err:
        print(f"make run: {err}", file=sys.stderr)
        return 1
    try:
        lock.acquire(f"scenario {args.scenario}")
    except RunLockedError as err:
        network.release()
        print(f"make run: {err}", file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, _raise_interrupted)
    try:
        stale = clean_stale_runs()
        if stale.killed or stale.deleted_ifaces or stale.deleted_netns:
            print(f"make run: cleaned up after a crashed run: {stale.summary()}")
        run = RunDir.create(args.scenario)
        print(f"make run: run directory {run.path}")
        try:
            return _run(args, scenario, topology_file, topology, run)
        finally:
            run.close()
            report = clean_run(run.path)
            if report.errors:
                print(f"make run: cleanup: {report.summary()}", file=sys.stderr)
    finally:
        lock.release()
        network.release()


def _run(
    args: argparse.Namespace,
    scenario: ModuleType,
    topology_file: Path,
    topology: Topology,
    run: RunDir,
) -> int:
    from mininet.log import setLogLevel

    from topologies.report import summary_lines, write_report
    from topologies.scenarios.common import ScenarioContext
    from topologies.testbed import Testbed, TestbedError
    from topologies.traffic.fnmon import FnMonitor

    try:
        features = preflight(run)
    except PreflightError as err:
        print(f"make run: {err}", file=sys.stderr)
        return 2
    print(
        f"make run: WAN delay emulated by {features.delay_mechanism} "
        f"({'kernel netem' if features.netem else 'no netem in this kernel: switch per-port delay'})"
    )
    setLogLevel("warning")
    shaping = scenario.shaping(topology) if hasattr(scenario, "shaping") else None
    testbed = Testbed(topology_file, topology, run, features, shaping=shaping)
    monitor: FnMonitor | None = None
    started = time.time()
    try:
        testbed.start()
        monitor = FnMonitor().start()
        ctx = ScenarioContext(testbed, run, features, monitor, quick=args.quick)
        result = scenario.run(ctx)
        header = {
            "topology": f"{topology.name} ({topology_file})",
            "delay mechanism": features.delay_mechanism,
            "capacity scale": f"1/{round(1 / topology.scale)}",
            "duration": f"{time.time() - started:.1f} s",
        }
        report = write_report(run.path, result, header)
        for line in summary_lines(result):
            print(line)
        print(f"make run: report {report}")
        if not args.headless and sys.stdin.isatty() and sys.stdout.isatty():
            from mininet.cli import CLI

            print("make run: Mininet CLI (exit or Ctrl-D to stop and clean up)")
            CLI(testbed.net)
        return 0 if result.passed else 1
    except (TestbedError, RuntimeError) as err:
        print(f"make run: {err}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, Interrupted):
        print("make run: interrupted; cleaning up", file=sys.stderr)
        return 130
    finally:
        if monitor is not None:
            monitor.stop()
        testbed.stop()


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
