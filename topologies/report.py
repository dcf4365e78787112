"""Results of a scenario under its run directory: `result.json`, one CSV time series per phase,
PNG plots (matplotlib, headless Agg backend) and `report.md` with the key figures, the
pass/fail checks and the ratio of each figure against the baseline phase."""

from __future__ import annotations

import csv
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from topologies.scenarios.common import ScenarioResult


def ratio(baseline: Any, value: Any) -> str:
    """ "baseline / fantel" as text: how many times better the notified run did."""
    if not isinstance(baseline, int | float) or not isinstance(value, int | float):
        return "n/a"
    if value == 0:
        return "inf" if baseline > 0 else "1.0"
    return f"{baseline / value:.1f}"


def write_series_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    if not rows:
        path.write_text("")
        return
    with path.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def plot_series(path: Path, title: str, rows: list[dict[str, Any]], t_fail_s: float | None) -> None:
    """Received packets/s per flow; below it the mean one-way latency per flow where the rows
    carry one, and the queue depth where they carry one."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    flows = sorted({r["flow"] for r in rows})
    latency = [r for r in rows if r.get("latency_ms") is not None]
    queue = [r for r in rows if r.get("queue_depth") is not None]
    panels = 1 + bool(latency) + bool(queue)
    fig, axes = plt.subplots(panels, 1, figsize=(8, 3 + 2.5 * (panels - 1)), sharex=True)
    axes = list(axes) if panels > 1 else [axes]
    ax = axes[0]
    for flow in flows:
        points = [(r["t_s"], r["received_pps"]) for r in rows if r["flow"] == flow]
        ax.plot([p[0] for p in points], [p[1] for p in points], label=flow)
    if t_fail_s is not None:
        ax.axvline(t_fail_s, color="red", linestyle="--", label="link failure")
    ax.set_ylabel("received packets/s")
    ax.set_title(title)
    ax.legend(loc="lower left", fontsize="small")
    if latency:
        ax = axes[1]
        for flow in flows:
            points = [(r["t_s"], r["latency_ms"]) for r in latency if r["flow"] == flow]
            ax.plot([p[0] for p in points], [p[1] for p in points], label=flow)
        ax.set_ylabel("one-way latency (ms)")
        ax.set_yscale("log")
    if queue:
        ax = axes[-1]
        depth = sorted({(r["t_s"], r["queue_depth"]) for r in queue})
        ax.step([d[0] for d in depth], [d[1] for d in depth], where="post")
        ax.set_ylabel("queue depth (pkts, FN)")
    axes[-1].set_xlabel("time since flow start (s)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def markdown(result: ScenarioResult, header: dict[str, Any]) -> str:
    lines = [f"# Scenario `{result.scenario}`: {'PASS' if result.passed else 'FAIL'}", ""]
    lines += [f"- {key}: {value}" for key, value in header.items()]
    setup = result.figures.get("setup", {})
    if setup:
        lines += ["", "## Setup", ""] + [f"- {key}: {value}" for key, value in setup.items()]
    rtt = result.figures.get("rtt", {})
    if rtt:
        lines += [
            "",
            "## Measured RTT before the scenario",
            "",
            "| sites | min ms | mean ms | max ms | lost |",
            "|---|---|---|---|---|",
        ]
        for pair, r in rtt.items():
            lost = r.get("sent", 0) - r.get("received", 0)
            lines.append(
                f"| {pair} | {r.get('min_ms')} | {r.get('mean_ms')} | {r.get('max_ms')} | {lost} |"
            )
    phases = [p for p in ("fantel", "baseline") if p in result.figures]
    if phases:
        keys = [k for k in result.figures[phases[0]] if k not in ("t_fail_s",)]
        lines += [
            "",
            "## Figures",
            "",
            "| figure | " + " | ".join(phases) + " | baseline / fantel |",
            "|---|" + "---|" * (len(phases) + 1),
        ]
        for key in keys:
            values = [result.figures[p].get(key) for p in phases]
            compared = (
                ratio(
                    result.figures.get("baseline", {}).get(key),
                    result.figures.get("fantel", {}).get(key),
                )
                if key in result.compared
                else ""
            )
            lines.append(f"| {key} | " + " | ".join(str(v) for v in values) + f" | {compared} |")
    lines += ["", "## Checks", ""]
    lines += [f"- [{'x' if c.passed else ' '}] {c.name}: {c.detail}" for c in result.checks]
    return "\n".join(lines) + "\n"


def write_report(run: Path, result: ScenarioResult, header: dict[str, Any]) -> Path:
    """Write everything; returns the Markdown report's path."""
    (run / "result.json").write_text(
        json.dumps(
            {**asdict(result), "passed": result.passed, "header": header}, indent=1, default=str
        )
    )
    for phase, rows in result.series.items():
        write_series_csv(run / f"series-{phase}.csv", rows)
        t_fail = result.figures.get(phase, {}).get("t_fail_s")
        plot_series(run / f"throughput-{phase}.png", f"{result.scenario}: {phase}", rows, t_fail)
    path = run / "report.md"
    path.write_text(markdown(result, header))
    return path


def summary_lines(result: ScenarioResult) -> list[str]:
    """What `make run` prints at the end."""
    lines = [f"scenario {result.scenario}: {'PASS' if result.passed else 'FAIL'}"]
    lines += [f"  [{'PASS' if c.passed else 'FAIL'}] {c.name}: {c.detail}" for c in result.checks]
    base, fantel = result.figures.get("baseline", {}), result.figures.get("fantel", {})
    for key in result.compared:
        if key in fantel:
            lines.append(
                f"  {key}: fantel {fantel[key]}, baseline {base.get(key)} (ratio {ratio(base.get(key), fantel[key])})"
            )
    return lines
