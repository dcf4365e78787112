"""``softswitch run``: the embedded switch as a process, with simple_switch_grpc's options.

    softswitch run --device-id 1 -i 1@veth1 -i 2@veth2 --grpc-server-addr 0.0.0.0:9559 \\
        --cpu-port 255 --no-p4
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

from softswitch.ports import (
    PortSpecError,
    Shaping,
    parse_interface,
    parse_port_delay,
    parse_port_rate,
)

log = logging.getLogger("softswitch.run")


@dataclass
class RunOptions:
    device_id: int
    interfaces: list[tuple[int, str]]
    grpc_addr: str
    cpu_port: int | None
    program: Path | None
    priority_queues: int
    shaping: Shaping


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="softswitch run",
        description="Run the embedded v1model switch on Linux interfaces with a P4Runtime server.",
    )
    p.add_argument("program", nargs="?", type=Path, help="P4_16 program to load at start")
    p.add_argument(
        "--no-p4", action="store_true", help="start without a program; wait for P4Runtime"
    )
    p.add_argument("--device-id", type=int, default=0)
    p.add_argument("-i", "--interface", action="append", default=[], metavar="PORT@IFACE")
    p.add_argument("--grpc-server-addr", default="0.0.0.0:9559", metavar="HOST:PORT")
    p.add_argument("--cpu-port", type=int, default=None, help="port number of the CPU port")
    p.add_argument("--log-console", action="store_true", help="log to stderr")
    p.add_argument("--log-file", type=Path, default=None, help="log to this file")
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warn", "error"])
    p.add_argument("--priority-queues", type=int, default=1, metavar="N")
    p.add_argument(
        "--queue-rate", type=int, default=0, metavar="PPS", help="per-queue rate, 0 = unlimited"
    )
    p.add_argument(
        "--port-rate",
        action="append",
        default=[],
        metavar="PORT:PPS",
        help="rate of each queue of one port (as set_queue_rate PPS PORT), overrides --queue-rate",
    )
    p.add_argument("--queue-depth", type=int, default=None, metavar="PACKETS")
    p.add_argument("--port-delay", action="append", default=[], metavar="PORT:US")
    p.add_argument("--thrift-port", type=int, default=None, help="ignored (no Thrift runtime)")
    return p


def parse_options(argv: list[str]) -> RunOptions:
    """Parse and validate; raises SystemExit(2) with argparse's message on bad input.

    As simple_switch_grpc, target options may follow a ``--`` separator.
    """
    if "--" in argv:
        split = argv.index("--")
        argv = argv[:split] + argv[split + 1 :]
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.thrift_port is not None:
        print(
            "softswitch run: warning: --thrift-port is ignored (no Thrift runtime)", file=sys.stderr
        )
    if args.no_p4 and args.program:
        parser.error("give either a program or --no-p4, not both")
    if not args.no_p4 and args.program is None:
        parser.error("give a program path or --no-p4")
    if not 1 <= args.priority_queues <= 32:
        parser.error("--priority-queues must be in 1..32")
    if args.queue_rate < 0 or (args.queue_depth is not None and args.queue_depth < 1):
        parser.error("--queue-rate must be >= 0 and --queue-depth >= 1")
    try:
        interfaces = [parse_interface(spec) for spec in args.interface]
        delays = dict(parse_port_delay(spec) for spec in args.port_delay)
        rates = dict(parse_port_rate(spec) for spec in args.port_rate)
    except PortSpecError as err:
        parser.error(str(err))
    if args.cpu_port is not None and args.cpu_port in {p for p, _ in interfaces}:
        parser.error(f"--cpu-port {args.cpu_port} is also given to an interface")
    _setup_logging(args.log_console, args.log_file, args.log_level)
    return RunOptions(
        device_id=args.device_id,
        interfaces=interfaces,
        grpc_addr=args.grpc_server_addr,
        cpu_port=args.cpu_port,
        program=args.program,
        priority_queues=args.priority_queues,
        shaping=Shaping(args.queue_rate, args.queue_depth, delays, rates),
    )


def _setup_logging(console: bool, path: Path | None, level: str) -> None:
    handlers: list[logging.Handler] = []
    if console:
        handlers.append(logging.StreamHandler(sys.stderr))
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(path))
    logging.basicConfig(
        level=getattr(logging, level.upper().replace("WARN", "WARNING")),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=handlers or [logging.NullHandler()],
    )


async def serve(options: RunOptions) -> int:
    from softswitch.p4rt.errors import P4RTError
    from softswitch.p4rt.program import pipeline_config
    from softswitch.p4rt.server import P4RuntimeServer, P4RuntimeService
    from softswitch.p4rt.switch_target import SwitchTarget
    from softswitch.ports import PortSet, PortSpecError

    try:
        target = SwitchTarget(
            PortSet(options.interfaces),
            cpu_port=options.cpu_port,
            priority_queues=options.priority_queues,
            shaping=options.shaping,
        )
    except PortSpecError as err:
        print(f"softswitch run: {err}", file=sys.stderr)
        return 2
    service = P4RuntimeService(target, device_id=options.device_id)
    server = P4RuntimeServer(service)
    try:
        port = await server.start(options.grpc_addr)
        if options.program is not None:
            await service.install(pipeline_config(options.program))
    except (OSError, P4RTError) as err:
        print(f"softswitch run: {getattr(err, 'message', err)}", file=sys.stderr)
        await server.stop(0)
        target.close()
        return 1
    log.info(
        "P4Runtime server on %s (port %d), device %d, ports %s",
        options.grpc_addr,
        port,
        options.device_id,
        ", ".join(f"{p}@{iface}" for p, iface in options.interfaces) or "none",
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("stopping; port counters %s", target.port_stats())
    await server.stop(1.0)
    target.close()
    return 0


def main_run(argv: list[str]) -> int:
    try:
        options = parse_options(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    if options.program is not None and not options.program.is_file():
        print(f"softswitch run: {options.program}: no such file", file=sys.stderr)
        return 2
    return asyncio.run(serve(options))
