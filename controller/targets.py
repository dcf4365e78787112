"""Which P4 target the switches run, and what each target needs from us.

Two targets run the same `p4src/` program under the same controller, through P4Runtime only:

- ``bmv2``: p4lang's ``simple_switch_grpc``. Its device config (``p4_device_config``) is the
  BMv2 JSON that ``p4c-bm2-ss`` writes; PI hands those bytes to the switch as they are.
- ``softswitch``: the embedded target (``softswitch run``). Its device config is a source
  bundle that the switch compiles itself (docs/p4runtime.md); BMv2 JSON is refused there.

``auto`` means BMv2 when ``simple_switch_grpc`` and ``p4c`` are on PATH, the softswitch
otherwise. The environment variable ``FANTEL_TARGET`` (``auto``, ``bmv2`` or ``softswitch``)
overrides what a config file chose, so one run can be moved to the other target without
editing files.

    target = select_target(config_value)           # TargetKind.BMV2 or TargetKind.SOFTSWITCH
    pipeline = build_pipeline(program, (include_dir,), (), target, workdir)
    argv = switch_command(target, SwitchSpec(1, "127.0.0.1:50001", {1: "veth1"})).argv
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from controller.p4rt import Pipeline

LOG = logging.getLogger(__name__)

TARGET_ENV = "FANTEL_TARGET"
AUTO = "auto"
#: Both must be on PATH for `auto` to pick BMv2 (the project rule; tests/conftest.py agrees).
BMV2_TOOLS = ("simple_switch_grpc", "p4c")
BMV2_SWITCH = "simple_switch_grpc"
BMV2_COMPILER = "p4c-bm2-ss"
#: The fantel program takes p4c tens of seconds; a hung compiler must not hang the controller.
COMPILE_TIMEOUT_S = 600.0
#: v1model ports are bit<9>; BMv2 reserves 511 as its drop port.
MAX_PORT = 510
LOG_LEVELS = ("debug", "info", "warn", "error")
#: p4c hands -I/-D values and the program path to the preprocessor through a shell (popen of
#: one command string), so anything a shell would split or interpret breaks the build.
_SHELL_SAFE = re.compile(r"[A-Za-z0-9_./+:=,@%-]+")

Which = Callable[[str], str | None]


class TargetKind(StrEnum):
    BMV2 = "bmv2"
    SOFTSWITCH = "softswitch"


class TargetError(ValueError):
    """A target name, switch option or pipeline build that cannot work; the message says why."""


def bmv2_available(which: Which = shutil.which) -> bool:
    return all(which(tool) is not None for tool in BMV2_TOOLS)


def available_targets(which: Which = shutil.which) -> list[TargetKind]:
    """The targets this machine can run: always the softswitch, BMv2 when it is installed."""
    targets = [TargetKind.SOFTSWITCH]
    if bmv2_available(which):
        targets.append(TargetKind.BMV2)
    return targets


def select_target(
    configured: str = AUTO,
    environ: Mapping[str, str] = os.environ,
    which: Which = shutil.which,
) -> TargetKind:
    """The target to use: ``FANTEL_TARGET`` if set, else ``configured``; ``auto`` resolves to
    BMv2 when it is installed. An explicit ``bmv2`` is taken as asked: the pipeline build and
    the switch start report what is missing."""
    value, source = configured, "config target"
    if environ.get(TARGET_ENV):
        value, source = environ[TARGET_ENV], TARGET_ENV
    choice = value.strip().lower()
    if choice == AUTO:
        return TargetKind.BMV2 if bmv2_available(which) else TargetKind.SOFTSWITCH
    try:
        return TargetKind(choice)
    except ValueError:
        raise TargetError(
            f"{source}: unknown target {value!r}; use {AUTO}, "
            + " or ".join(t.value for t in TargetKind)
        ) from None


# -- pipelines ---------------------------------------------------------------------------------


def build_pipeline(
    program: Path,
    include_dirs: Sequence[Path],
    defines: Sequence[str],
    target: TargetKind,
    workdir: Path,
) -> Pipeline:
    """Compile ``program`` for ``target`` into ``workdir``: the P4Info (text format, as finsy
    reads it) and the device config to push. Raises ``TargetError`` with the compiler's
    diagnostics when the program does not build."""
    if not program.is_file():
        raise TargetError(f"{program}: no such P4 program")
    workdir.mkdir(parents=True, exist_ok=True)
    stem = program.name.removesuffix(".p4")
    if target is TargetKind.BMV2:
        return _build_bmv2(program, include_dirs, defines, workdir, stem)
    return _build_softswitch(program, include_dirs, defines, workdir, stem)


def bmv2_compile_command(
    compiler: str,
    program: Path,
    include_dirs: Sequence[Path],
    defines: Sequence[str],
    p4info: Path,
    output: Path,
) -> list[str]:
    """``p4c-bm2-ss`` for v1model: BMv2 JSON to ``output`` (``-o`` names the file), P4Info to
    ``p4info`` (its format follows the suffix: .txt, .json or .bin)."""
    for value in (str(program), *map(str, include_dirs), *defines):
        if not _SHELL_SAFE.fullmatch(value):
            raise TargetError(
                f"{value!r}: p4c passes include paths, defines and the program to the "
                "preprocessor through a shell; use a path or define without spaces or "
                "shell characters"
            )
    argv = [compiler, "--arch", "v1model", "--p4runtime-files", str(p4info), "-o", str(output)]
    for directory in include_dirs:
        argv += ["-I", str(directory)]
    for define in defines:
        argv += ["-D", define]
    return [*argv, str(program)]


def _build_bmv2(
    program: Path,
    include_dirs: Sequence[Path],
    defines: Sequence[str],
    workdir: Path,
    stem: str,
) -> Pipeline:
    compiler = shutil.which(BMV2_COMPILER)
    if compiler is None:
        raise TargetError(
            f"target bmv2 needs {BMV2_COMPILER} (installed with p4c) on PATH to build "
            f"{program}; set {TARGET_ENV}=softswitch to use the embedded target"
        )
    p4info, output = workdir / f"{stem}.p4info.txt", workdir / f"{stem}.json"
    for stale in (p4info, output):
        stale.unlink(missing_ok=True)
    argv = bmv2_compile_command(compiler, program, include_dirs, defines, p4info, output)
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=COMPILE_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        raise TargetError(
            f"{BMV2_COMPILER} did not finish {program} within {COMPILE_TIMEOUT_S:.0f} s"
        ) from None
    except OSError as err:
        raise TargetError(f"cannot run {compiler}: {err.strerror or err}") from None
    diagnostics = "\n".join(s.strip() for s in (done.stdout, done.stderr) if s.strip())
    if done.returncode != 0:
        raise TargetError(
            f"{BMV2_COMPILER} failed on {program} (exit status {done.returncode}):\n"
            f"$ {' '.join(argv)}\n{diagnostics or '(no output)'}"
        )
    missing = [p.name for p in (p4info, output) if not p.is_file() or p.stat().st_size == 0]
    if missing:
        raise TargetError(
            f"{BMV2_COMPILER} exited 0 but did not write {', '.join(missing)} in {workdir}:\n"
            f"$ {' '.join(argv)}\n{diagnostics or '(no output)'}"
        )
    if diagnostics:
        LOG.info("%s on %s:\n%s", BMV2_COMPILER, program, diagnostics)
    return Pipeline(p4info, output)


def _build_softswitch(
    program: Path,
    include_dirs: Sequence[Path],
    defines: Sequence[str],
    workdir: Path,
    stem: str,
) -> Pipeline:
    from softswitch.frontend.compiler import compile_file
    from softswitch.frontend.diagnostics import CompileError
    from softswitch.frontend.p4info import build_p4info, write_p4info
    from softswitch.p4rt.program import make_bundle

    try:
        checked = compile_file(program, include_dirs=include_dirs, defines=defines)
        bundle = make_bundle(program, tuple(include_dirs), tuple(defines))
    except CompileError as err:
        raise TargetError(f"{program} does not compile:\n{err}") from None
    except OSError as err:
        raise TargetError(f"{err.filename or program}: {err.strerror or err}") from None
    p4info, device_config = workdir / f"{stem}.p4info.txt", workdir / f"{stem}.bundle.json"
    write_p4info(build_p4info(checked), p4info)
    device_config.write_bytes(bundle)
    return Pipeline(p4info, device_config)


# -- switch processes --------------------------------------------------------------------------


@dataclass(frozen=True)
class SwitchSpec:
    """One switch process, described once for either target (simple_switch_grpc's options)."""

    device_id: int
    grpc_address: str  # host:port of the P4Runtime server
    ports: Mapping[int, str]  # switch port -> Linux interface
    cpu_port: int = 255
    priority_queues: int = 8
    #: Loaded at start: BMv2 JSON for bmv2, a P4 source for the softswitch. None: --no-p4
    #: (the controller pushes the pipeline over P4Runtime).
    program: Path | None = None
    log_level: str = "info"
    #: BMv2's Thrift runtime port (for simple_switch_CLI); the softswitch has none.
    thrift_port: int | None = None
    queue_rate_pps: int = 0  # every egress queue; 0 = unlimited
    queue_depth: int | None = None
    port_rates_pps: Mapping[int, int] = field(default_factory=dict)
    port_delays_us: Mapping[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class SwitchCommand:
    argv: list[str]
    #: Options this target has no command-line flag for, each as "--flag value" (BMv2:
    #: queue rates and depths go through simple_switch_CLI at run time; port delays have no
    #: equivalent). The caller applies or logs them.
    not_on_command_line: tuple[str, ...] = ()


def switch_command(
    target: TargetKind, spec: SwitchSpec, python: str = sys.executable
) -> SwitchCommand:
    """The switch's command line: general options, ``--``, target options, as
    simple_switch_grpc takes them (``softswitch run`` accepts the same). Logs go to the
    console (BMv2's --log-console and --log-file exclude each other): redirect its output."""
    _check_spec(target, spec)
    general = ["--device-id", str(spec.device_id), "--log-console", "--log-level", spec.log_level]
    for port, iface in sorted(spec.ports.items()):
        general += ["-i", f"{port}@{iface}"]
    general += [str(spec.program)] if spec.program is not None else ["--no-p4"]
    tail = ["--grpc-server-addr", spec.grpc_address, "--cpu-port", str(spec.cpu_port)]
    tail += ["--priority-queues", str(spec.priority_queues)]
    shaping: list[tuple[str, str]] = []
    if spec.queue_rate_pps:
        shaping.append(("--queue-rate", str(spec.queue_rate_pps)))
    if spec.queue_depth is not None:
        shaping.append(("--queue-depth", str(spec.queue_depth)))
    shaping += [("--port-rate", f"{p}:{pps}") for p, pps in sorted(spec.port_rates_pps.items())]
    shaping += [("--port-delay", f"{p}:{us}") for p, us in sorted(spec.port_delays_us.items())]
    if target is TargetKind.BMV2:
        if spec.thrift_port is not None:
            general += ["--thrift-port", str(spec.thrift_port)]
        skipped = tuple(f"{flag} {value}" for flag, value in shaping)
        return SwitchCommand([BMV2_SWITCH, *general, "--", *tail], skipped)
    flags = [item for pair in shaping for item in pair]
    return SwitchCommand([python, "-m", "softswitch.cli", "run", *general, *flags, "--", *tail])


def _check_spec(target: TargetKind, spec: SwitchSpec) -> None:
    if spec.log_level not in LOG_LEVELS:
        raise TargetError(f"log level {spec.log_level!r}: use one of {', '.join(LOG_LEVELS)}")
    if not 1 <= spec.cpu_port <= MAX_PORT:
        raise TargetError(f"CPU port {spec.cpu_port}: must be within 1..{MAX_PORT}")
    for port, iface in spec.ports.items():
        if not 0 <= port <= MAX_PORT:
            raise TargetError(f"port {port} ({iface}): must be within 0..{MAX_PORT}")
        if port == spec.cpu_port:
            raise TargetError(f"port {port} ({iface}) is the CPU port; pick another number")
        if not iface or "@" in iface:
            raise TargetError(f"port {port}: bad interface name {iface!r}")
    if not spec.grpc_address.rpartition(":")[2].isdigit():
        raise TargetError(f"gRPC address {spec.grpc_address!r}: expected host:port")
    if spec.program is not None:
        wanted = ".json" if target is TargetKind.BMV2 else ".p4"
        if spec.program.suffix != wanted:
            what = "the BMv2 JSON from p4c" if target is TargetKind.BMV2 else "a P4 source"
            raise TargetError(f"{spec.program}: target {target} loads {what} ({wanted})")
