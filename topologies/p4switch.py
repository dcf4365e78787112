"""A Mininet switch that runs a P4Runtime-programmable v1model switch process.

``simple_switch_grpc`` is used when it and ``p4c`` are on PATH, ``softswitch run`` otherwise;
both get the same command line (simple_switch_grpc's: target options after ``--``)::

    net.addSwitch("s1", cls=P4Switch, device_id=1, grpc_address="127.0.0.1:50001",
                  log_dir="runs/x/logs", port_delays_us={2: 5000}, port_rates_pps={3: 400})

The switch starts with ``--no-p4`` (the controller pushes the pipeline) unless ``program`` is
given. ``start`` returns once the gRPC port accepts connections (or raises with a pointer to
the log); ``stop`` sends SIGTERM to the process by PID, waits, then SIGKILLs it.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path
from typing import Any

from mininet.node import Switch

from controller.targets import SwitchSpec, TargetKind, select_target, switch_command
from softswitch.p4rt.client import wait_for_port

log = logging.getLogger("topologies.p4switch")

STOP_GRACE_S = 5.0


class P4Switch(Switch):
    """One P4 switch process per Mininet switch, with one log file under ``log_dir``.

    Arguments (besides Mininet's): ``device_id`` (P4Runtime device ID), ``grpc_address``
    (``host:port`` the switch serves P4Runtime on), ``log_dir`` (where ``<name>.log`` goes),
    ``cpu_port`` (255), ``priority_queues`` (8), ``program`` (a P4 source to load at start;
    softswitch only, BMv2 needs a compiled JSON), ``queue_rate_pps`` / ``queue_depth``
    (every egress queue), ``port_rates_pps`` ({port: packets/s of each of its queues}:
    softswitch ``--port-rate``; on BMv2 the runtime ``set_queue_rate PPS PORT`` through
    simple_switch_CLI on the Thrift port, logged and skipped when the CLI is missing),
    ``port_delays_us`` ({port: one-way delay in microseconds}; softswitch only: BMv2 has no
    equivalent and the delay is skipped with a logged note), ``start_timeout_s`` (how long to wait for the gRPC port).
    """

    def __init__(
        self,
        name: str,
        *,
        device_id: int,
        grpc_address: str,
        log_dir: str | Path,
        cpu_port: int = 255,
        priority_queues: int = 8,
        program: str | Path | None = None,
        queue_rate_pps: int = 0,
        queue_depth: int | None = None,
        port_delays_us: dict[int, int] | None = None,
        port_rates_pps: dict[int, int] | None = None,
        start_timeout_s: float = 30.0,
        **params: Any,
    ) -> None:
        super().__init__(name, **params)
        self.device_id = device_id
        self.grpc_address = grpc_address
        self.log_path = Path(log_dir) / f"{name}.log"
        self.cpu_port = cpu_port
        self.priority_queues = priority_queues
        self.program = Path(program) if program is not None else None
        self.queue_rate_pps = queue_rate_pps
        self.queue_depth = queue_depth
        self.port_delays_us = dict(port_delays_us or {})
        self.port_rates_pps = dict(port_rates_pps or {})
        self.start_timeout_s = start_timeout_s
        self.target = select_target()
        self.bmv2 = self.target is TargetKind.BMV2
        self.process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        """The switch's command line (general options, ``--``, target options)."""
        spec = SwitchSpec(
            self.device_id,
            self.grpc_address,
            {port: intf.name for port, intf in self.intfs.items() if intf.name != "lo"},
            cpu_port=self.cpu_port,
            priority_queues=self.priority_queues,
            program=self.program,
            thrift_port=self.thrift_port if self.bmv2 and self.port_rates_pps else None,
            queue_rate_pps=self.queue_rate_pps,
            queue_depth=self.queue_depth,
            port_rates_pps=self.port_rates_pps,
            port_delays_us=self.port_delays_us,
        )
        command = switch_command(self.target, spec)
        # Per-port rates are applied through simple_switch_CLI once BMv2 runs (start()).
        skipped = [o for o in command.not_on_command_line if not o.startswith("--port-rate ")]
        if skipped:
            log.warning(
                "%s: simple_switch_grpc has no command-line queue rate/depth or port delay; "
                "skipped: %s",
                self.name,
                " ".join(skipped),
            )
        return command.argv

    @property
    def thrift_port(self) -> int:
        """BMv2 runtime CLI port: next to the gRPC port, clear of the controller API."""
        return int(self.grpc_address.rpartition(":")[2]) + 1000

    def _bmv2_port_rates(self) -> None:
        """simple_switch has no command-line per-port rate: set it through the runtime CLI."""
        if not self.port_rates_pps:
            return
        cli = shutil.which("simple_switch_CLI")
        if cli is None:
            log.warning(
                "%s: simple_switch_CLI not found; per-port queue rates %s not applied",
                self.name,
                self.port_rates_pps,
            )
            return
        commands = "".join(
            f"set_queue_rate {pps} {port}\n" for port, pps in self.port_rates_pps.items()
        )
        done = subprocess.run(
            [cli, "--thrift-port", str(self.thrift_port)],
            input=commands,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            log.warning("%s: set_queue_rate failed: %s", self.name, done.stderr.strip())

    def start(self, controllers: list[Any]) -> None:
        """Start the process and wait until it serves P4Runtime."""
        argv = self.command()
        if self.inNamespace:  # run inside the node's namespace, as its shell does
            argv = ["mnexec", "-a", str(self.pid), *argv]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as out:
            out.write(f"$ {' '.join(argv)}\n".encode())
            out.flush()
            self.process = subprocess.Popen(
                argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        host, _, port = self.grpc_address.rpartition(":")
        host = "127.0.0.1" if host in ("", "0.0.0.0") else host
        if not wait_for_port(host, int(port), self.start_timeout_s):
            exited = self.process.poll()
            self._terminate()
            state = f"exited with status {exited}" if exited is not None else "did not answer"
            program = "simple_switch_grpc" if self.bmv2 else "softswitch run"
            raise RuntimeError(
                f"switch {self.name}: {program} {state} on {self.grpc_address} "
                f"within {self.start_timeout_s:.0f} s; see {self.log_path}"
            )
        if self.bmv2:
            self._bmv2_port_rates()

    def recorded_pids(self) -> list[tuple[int, str]]:
        """The processes this switch started, for the run directory's resource records."""
        if self.process is None:
            return []
        return [(self.process.pid, f"P4 switch {self.name} (device {self.device_id})")]

    def _terminate(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            log.warning(
                "%s: no exit %.0f s after SIGTERM; sending SIGKILL", self.name, STOP_GRACE_S
            )
            process.kill()
            process.wait()

    def stop(self, deleteIntfs: bool = True) -> None:
        self._terminate()
        super().stop(deleteIntfs)
