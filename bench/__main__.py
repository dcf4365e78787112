"""`python -m bench [SUITE ...] [--quick]`: run the benchmark suites and print their figures."""

from __future__ import annotations

import argparse
import importlib
import sys
import time

# Suite name -> module with a `main(argv: list[str]) -> None`, in the order they run.
SUITES = {
    "frontend": "bench.frontend",
    "executor": "bench.executor",
    "p4rt": "bench.p4rt",
    "te": "bench.te",
    "semantic": "bench.semantic",
    "dataplane": "bench.dataplane",
}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("suites", nargs="*", help="default: all")
    parser.add_argument("--quick", action="store_true", help="smaller inputs, fewer repetitions")
    args = parser.parse_args()
    unknown = [s for s in args.suites if s not in SUITES]
    if unknown:
        parser.error(f"unknown suite {', '.join(unknown)}; choose from {', '.join(SUITES)}")
    failed = []
    for name in args.suites or list(SUITES):
        print(f"\n=== {name} ===", flush=True)
        started = time.perf_counter()
        try:
            module = importlib.import_module(SUITES[name])
            module.main(["--quick"] if args.quick else [])
        except Exception as exc:  # one failing suite must not hide the others' figures
            print(f"{name}: FAILED: {type(exc).__name__}: {exc}", flush=True)
            failed.append(name)
        print(f"({name}: {time.perf_counter() - started:.1f} s)", flush=True)
    if failed:
        print(f"\nfailed suites: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
