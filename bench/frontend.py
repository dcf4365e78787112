"""Front-end speed: time to compile (preprocess, parse, check, P4Info) each program in p4src/."""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from softswitch.frontend.compiler import compile_file
from softswitch.frontend.p4info import build_p4info

ROOT = Path(__file__).resolve().parent.parent
PROGRAMS = sorted((ROOT / "p4src").glob("v1model/*.p4")) + sorted((ROOT / "bench/p4").glob("*.p4"))


def source_lines(top: Path) -> int:
    """Lines of P4 under the program's tree (its directory and p4src/include)."""
    files = set(top.parent.rglob("*.p4")) | set((ROOT / "p4src/include").rglob("*.p4"))
    if ROOT / "p4src" not in top.parents:
        files = {top}
    return sum(len(f.read_text().splitlines()) for f in files)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench.frontend")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    repeats = 2 if args.quick else 5
    print(f"{'program':<40} {'lines':>6} {'compile ms (median)':>20} {'P4Info ms':>10}")
    for program in PROGRAMS:
        compile_ms, info_ms = [], []
        for _ in range(repeats):
            t0 = time.perf_counter()
            checked = compile_file(program)
            t1 = time.perf_counter()
            build_p4info(checked)
            t2 = time.perf_counter()
            compile_ms.append((t1 - t0) * 1e3)
            info_ms.append((t2 - t1) * 1e3)
        name = str(program.relative_to(ROOT))
        print(
            f"{name:<40} {source_lines(program):>6} {statistics.median(compile_ms):>20.1f}"
            f" {statistics.median(info_ms):>10.1f}"
        )
