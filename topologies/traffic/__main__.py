"""Entry points of the traffic tools, run inside host namespaces by the testbed:

python -m topologies.traffic send JOB_JSON      # sender agent (flows of one host)
python -m topologies.traffic recv JOB_JSON      # receiver (flows to one host)
python -m topologies.traffic echo [--ready F]   # UDP echo responder for RTT probes
python -m topologies.traffic rtt TARGET [-c N]  # RTT probe, prints JSON
"""

from __future__ import annotations

import argparse
import json
import sys

from topologies.traffic.flows import ReceiverJob, SenderJob
from topologies.traffic.probe import ECHO_PORT, measure_rtt, run_echo
from topologies.traffic.receiver import run_receiver
from topologies.traffic.sender import run_sender


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m topologies.traffic")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("send", help="run a sender agent").add_argument("job", help="SenderJob JSON")
    sub.add_parser("recv", help="run a receiver").add_argument("job", help="ReceiverJob JSON")
    echo = sub.add_parser("echo", help="UDP echo responder for RTT probes")
    echo.add_argument("--port", type=int, default=ECHO_PORT)
    echo.add_argument("--ready", default=None, help="file to create once listening")
    rtt = sub.add_parser("rtt", help="measure the RTT to a host running `echo`")
    rtt.add_argument("target")
    rtt.add_argument("-c", "--count", type=int, default=10)
    args = parser.parse_args(argv)
    try:
        if args.command == "send":
            return run_sender(SenderJob.from_json(args.job))
        if args.command == "recv":
            return run_receiver(ReceiverJob.from_json(args.job))
        if args.command == "echo":
            return run_echo(args.port, args.ready)
        print(json.dumps(measure_rtt(args.target, args.count)))
        return 0
    except (ValueError, KeyError, TypeError) as err:
        print(f"traffic {args.command}: bad job: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"traffic {args.command}: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
