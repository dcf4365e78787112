"""controller.targets: target choice, pipeline builds and switch command lines.

p4c and BMv2 are not installed here: the BMv2 build is exercised with a stand-in
`p4c-bm2-ss` script (command line, output files, failures), and for real under the `bmv2`
marker where p4c is present.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from finsy.proto import p4i
from google.protobuf import text_format

from controller.lab import INCLUDE_DIR, PROGRAM
from controller.targets import (
    TARGET_ENV,
    SwitchSpec,
    TargetError,
    TargetKind,
    Which,
    available_targets,
    bmv2_compile_command,
    build_pipeline,
    select_target,
    switch_command,
)
from softswitch.p4rt.program import check_consistent, load_program

BMV2 = TargetKind.BMV2
SOFTSWITCH = TargetKind.SOFTSWITCH


def which_all(tool: str) -> str:
    return f"/usr/bin/{tool}"


def which_none(tool: str) -> None:
    return None


def which_no_compiler(tool: str) -> str | None:
    return None if tool == "p4c" else f"/usr/bin/{tool}"


def read_p4info(path: Path) -> p4i.P4Info:
    return text_format.Parse(path.read_text(), p4i.P4Info())


# -- choosing the target -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("configured", "env", "which", "chosen"),
    [
        ("auto", {}, which_all, BMV2),
        ("auto", {}, which_no_compiler, SOFTSWITCH),
        ("auto", {}, which_none, SOFTSWITCH),
        ("softswitch", {}, which_all, SOFTSWITCH),
        ("bmv2", {}, which_none, BMV2),  # as asked: building or starting it says what is missing
        ("softswitch", {TARGET_ENV: "bmv2"}, which_none, BMV2),
        ("bmv2", {TARGET_ENV: "softswitch"}, which_all, SOFTSWITCH),
        ("bmv2", {TARGET_ENV: "auto"}, which_none, SOFTSWITCH),
        ("softswitch", {TARGET_ENV: ""}, which_all, SOFTSWITCH),
        ("BMv2", {}, which_none, BMV2),
    ],
)
def test_target_choice(configured: str, env: dict[str, str], which: Which, chosen: str) -> None:
    assert select_target(configured, env, which) == chosen


def test_unknown_target_names_its_source() -> None:
    with pytest.raises(TargetError, match=rf"{TARGET_ENV}: unknown target 'tofino'; use auto"):
        select_target("auto", {TARGET_ENV: "tofino"}, which_all)
    with pytest.raises(TargetError, match="config target: unknown target 'bm2'"):
        select_target("bm2", {}, which_all)


def test_available_targets() -> None:
    assert available_targets(which_all) == [SOFTSWITCH, BMV2]
    assert available_targets(which_no_compiler) == [SOFTSWITCH]


# -- switch command lines ----------------------------------------------------------------------

PORTS = {2: "veth-b", 1: "veth-a"}


def test_softswitch_command_line() -> None:
    spec = SwitchSpec(
        3,
        "127.0.0.1:50003",
        PORTS,
        queue_rate_pps=500,
        queue_depth=64,
        port_rates_pps={2: 100},
        port_delays_us={1: 2500},
        thrift_port=9093,
    )
    command = switch_command(SOFTSWITCH, spec, python="/venv/bin/python")
    assert command.argv == [
        "/venv/bin/python", "-m", "softswitch.cli", "run",
        "--device-id", "3", "--log-console", "--log-level", "info",
        "-i", "1@veth-a", "-i", "2@veth-b", "--no-p4",
        "--queue-rate", "500", "--queue-depth", "64", "--port-rate", "2:100",
        "--port-delay", "1:2500",
        "--", "--grpc-server-addr", "127.0.0.1:50003", "--cpu-port", "255",
        "--priority-queues", "8",
    ]  # fmt: skip
    assert command.not_on_command_line == ()


def test_bmv2_command_line_follows_simple_switch_grpc() -> None:
    spec = SwitchSpec(
        3,
        "127.0.0.1:50003",
        PORTS,
        cpu_port=510,
        priority_queues=4,
        program=Path("/out/fantel.json"),
        log_level="warn",
        thrift_port=9093,
        queue_depth=64,
        port_delays_us={1: 2500},
    )
    command = switch_command(BMV2, spec)
    assert command.argv == [
        "simple_switch_grpc",
        "--device-id", "3", "--log-console", "--log-level", "warn",
        "-i", "1@veth-a", "-i", "2@veth-b", "/out/fantel.json", "--thrift-port", "9093",
        "--", "--grpc-server-addr", "127.0.0.1:50003", "--cpu-port", "510",
        "--priority-queues", "4",
    ]  # fmt: skip
    # BMv2 has no flags for these: the caller applies them through simple_switch_CLI or logs.
    assert command.not_on_command_line == ("--queue-depth 64", "--port-delay 1:2500")


@pytest.mark.parametrize(
    ("target", "changes", "message"),
    [
        (BMV2, {"program": Path("prog.p4")}, r"prog.p4: target bmv2 loads the BMv2 JSON"),
        (SOFTSWITCH, {"program": Path("p.json")}, r"p.json: target softswitch loads a P4 source"),
        (BMV2, {"ports": {255: "veth-a"}}, r"port 255 \(veth-a\) is the CPU port"),
        (BMV2, {"ports": {511: "veth-a"}}, r"port 511 \(veth-a\): must be within 0..510"),
        (SOFTSWITCH, {"cpu_port": 0}, r"CPU port 0: must be within 1..510"),
        (SOFTSWITCH, {"log_level": "trace"}, r"log level 'trace': use one of debug"),
        (SOFTSWITCH, {"grpc_address": "localhost"}, r"expected host:port"),
        (SOFTSWITCH, {"ports": {1: "a@b"}}, r"port 1: bad interface name 'a@b'"),
    ],
)
def test_bad_switch_specs_are_refused(
    target: TargetKind, changes: dict[str, Any], message: str
) -> None:
    spec = replace(SwitchSpec(1, "127.0.0.1:1", PORTS), **changes)
    with pytest.raises(TargetError, match=message):
        switch_command(target, spec)


# -- pipelines ---------------------------------------------------------------------------------


def test_bmv2_compile_command() -> None:
    argv = bmv2_compile_command(
        "/usr/bin/p4c-bm2-ss",
        Path("/src/p4src/v1model/fantel_v1model.p4"),
        [Path("/src/p4src"), Path("/src/extra")],
        ["WITH_TNA=0", "DEBUG"],
        Path("/w/fantel.p4info.txt"),
        Path("/w/fantel.json"),
    )
    assert argv == [
        "/usr/bin/p4c-bm2-ss", "--arch", "v1model",
        "--p4runtime-files", "/w/fantel.p4info.txt", "-o", "/w/fantel.json",
        "-I", "/src/p4src", "-I", "/src/extra", "-D", "WITH_TNA=0", "-D", "DEBUG",
        "/src/p4src/v1model/fantel_v1model.p4",
    ]  # fmt: skip


@pytest.mark.parametrize("bad", ["/my dir/p4src", "/src/$(reboot)", "/src/a;b"])
def test_bmv2_build_refuses_paths_the_preprocessor_shell_would_split(bad: str) -> None:
    with pytest.raises(TargetError, match="through a shell"):
        bmv2_compile_command("p4c-bm2-ss", PROGRAM, [Path(bad)], [], Path("i.txt"), Path("o.json"))


FAKE_COMPILER = """#!/bin/sh
printf '%s\\n' "$@" > "$(dirname "$0")/argv"
mode=$(cat "$(dirname "$0")/mode")
if [ "$mode" = fail ]; then
    echo "fantel_v1model.p4(12): [--Werror=type-error] error: bad things" >&2
    exit 1
fi
while [ $# -gt 0 ]; do
    case "$1" in
        --p4runtime-files) shift; [ "$mode" = silent ] || echo 'pkg_info { arch: "v1model" }' > "$1";;
        -o) shift; [ "$mode" = silent ] || echo '{"pipelines": []}' > "$1";;
    esac
    shift
done
echo "warning: unused instance"
"""


@pytest.fixture
def fake_compiler(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in p4c-bm2-ss first on PATH; write 'ok', 'fail' or 'silent' to its `mode`."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    script = bindir / "p4c-bm2-ss"
    script.write_text(FAKE_COMPILER)
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    (bindir / "mode").write_text("ok")
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    return bindir


def test_bmv2_build_writes_p4info_and_json(fake_compiler: Path, tmp_path: Path) -> None:
    workdir = tmp_path / "out"
    pipeline = build_pipeline(PROGRAM, (INCLUDE_DIR,), ("X=1",), BMV2, workdir)
    assert pipeline.p4info == workdir / "fantel_v1model.p4info.txt"
    assert pipeline.device_config == workdir / "fantel_v1model.json"
    assert read_p4info(pipeline.p4info).pkg_info.arch == "v1model"
    assert json.loads(pipeline.device_config.read_bytes()) == {"pipelines": []}
    expected = bmv2_compile_command(
        "p4c-bm2-ss", PROGRAM, [INCLUDE_DIR], ["X=1"], pipeline.p4info, pipeline.device_config
    )
    assert (fake_compiler / "argv").read_text().splitlines() == expected[1:]


def test_bmv2_build_failure_carries_the_compiler_output(
    fake_compiler: Path, tmp_path: Path
) -> None:
    (fake_compiler / "mode").write_text("fail")
    with pytest.raises(TargetError) as failure:
        build_pipeline(PROGRAM, (INCLUDE_DIR,), (), BMV2, tmp_path)
    message = str(failure.value)
    assert "p4c-bm2-ss failed on" in message and "(exit status 1)" in message
    assert "fantel_v1model.p4(12): [--Werror=type-error] error: bad things" in message
    assert f"$ {fake_compiler / 'p4c-bm2-ss'} --arch v1model" in message


def test_bmv2_build_without_outputs_is_an_error(fake_compiler: Path, tmp_path: Path) -> None:
    (fake_compiler / "mode").write_text("silent")
    with pytest.raises(
        TargetError,
        match=r"exited 0 but did not write fantel_v1model.p4info.txt, fantel_v1model.json",
    ):
        build_pipeline(PROGRAM, (INCLUDE_DIR,), (), BMV2, tmp_path)


def test_bmv2_build_without_compiler_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(TargetError, match=rf"needs p4c-bm2-ss .* set {TARGET_ENV}=softswitch"):
        build_pipeline(PROGRAM, (INCLUDE_DIR,), (), BMV2, tmp_path)


def test_missing_program_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match=r"nope\.p4: no such P4 program"):
        build_pipeline(tmp_path / "nope.p4", (), (), SOFTSWITCH, tmp_path)


def test_softswitch_build_is_a_bundle_the_switch_accepts(tmp_path: Path) -> None:
    pipeline = build_pipeline(PROGRAM, (INCLUDE_DIR,), (), SOFTSWITCH, tmp_path)
    pushed = read_p4info(pipeline.p4info)
    assert "FantelIngress.forwarding.ipv4_routes" in {t.preamble.name for t in pushed.tables}
    bundle = json.loads(pipeline.device_config.read_bytes())
    assert bundle["main"] == "v1model/fantel_v1model.p4"
    loaded = load_program(pushed, pipeline.device_config.read_bytes())  # what the switch does
    check_consistent(loaded.p4info, pushed)


def test_softswitch_build_failure_carries_diagnostics(tmp_path: Path) -> None:
    program = tmp_path / "broken.p4"
    program.write_text("#include <core.p4>\ncontrol c() { apply { x = 1; } }\n")
    with pytest.raises(TargetError, match=r"broken.p4 does not compile:\n.*broken.p4:2"):
        build_pipeline(program, (), (), SOFTSWITCH, tmp_path / "out")


@pytest.mark.bmv2
def test_p4c_builds_the_program_with_the_p4info_the_softswitch_derives(tmp_path: Path) -> None:
    """The same objects with the same IDs from p4c and from our front-end: a controller
    written against one P4Info drives either target."""
    bmv2 = build_pipeline(PROGRAM, (INCLUDE_DIR,), (), BMV2, tmp_path / "bmv2")
    ours = build_pipeline(PROGRAM, (INCLUDE_DIR,), (), SOFTSWITCH, tmp_path / "softswitch")
    assert "pipelines" in json.loads(bmv2.device_config.read_bytes())
    from_p4c, derived = read_p4info(bmv2.p4info), read_p4info(ours.p4info)
    check_consistent(from_p4c, derived)
    check_consistent(derived, from_p4c)
