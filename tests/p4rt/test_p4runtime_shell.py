"""Interop: the real ``p4runtime-shell`` client drives a ``softswitch run`` process.

p4runtime-shell pins protobuf < 3.21 and cannot share our venv, so it gets a venv of its own
under /tmp, built once and reused (keyed by path; a ``.ready`` marker says it is complete).
The shell pushes bench/p4/p4rt_switch.p4 (source as the device config), inserts a table entry
and reads it back; our own client then checks the entry on the server.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from finsy import P4Schema, P4TableEntry
from google.protobuf import text_format

from softswitch.p4rt.client import P4RuntimeClient, wait_for_port
from softswitch.p4rt.program import pipeline_config

SHELL_VENV = Path("/tmp/fantel-p4rt-shell-venv")
PROGRAM = Path(__file__).resolve().parents[2] / "bench" / "p4" / "p4rt_switch.p4"
DEVICE_ID = 1

SHELL_SCRIPT = """
import json, sys
import p4runtime_sh.shell as sh

address, p4info, program = sys.argv[1:4]
sh.setup(device_id=1, grpc_addr=address, election_id=(0, 1),
         config=sh.FwdPipeConfig(p4info, program), verbose=False)
entry = sh.TableEntry("SwIngress.fwd")(action="SwIngress.forward")
entry.match["dst_addr"] = "02:00:00:00:00:0b"
entry.action["port"] = "2"
entry.insert()
read = [
    (e.match["dst_addr"].exact.value.hex(), e.action["port"].value.hex())
    for e in sh.TableEntry("SwIngress.fwd").read()
]
print(json.dumps({"read": read}))
sh.teardown()
"""


def shell_python() -> Path:
    """The venv's interpreter, building the venv on first use; skips if pip cannot."""
    python = SHELL_VENV / "bin" / "python"
    if (SHELL_VENV / ".ready").exists():
        return python
    build = SHELL_VENV.with_name(SHELL_VENV.name + ".build")
    shutil.rmtree(build, ignore_errors=True)
    # Built aside and renamed when complete, so an interrupted build is never used.
    steps = [
        [sys.executable, "-m", "venv", str(build)],
        [str(build / "bin" / "python"), "-m", "pip", "install", "-q", "p4runtime-shell"],
    ]
    for step in steps:
        result = subprocess.run(step, capture_output=True, text=True, timeout=600, check=False)
        if result.returncode != 0:
            shutil.rmtree(build, ignore_errors=True)
            pytest.skip(f"cannot build the p4runtime-shell venv: {result.stderr.strip()[-300:]}")
    (build / ".ready").touch()
    shutil.rmtree(SHELL_VENV, ignore_errors=True)
    build.rename(SHELL_VENV)
    return python


@pytest.fixture
def switch_address(tmp_path: Path) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path / "switch.log"
    argv = [sys.executable, "-m", "softswitch.cli", "run", "--no-p4", "--log-file", str(log)]
    argv += ["--device-id", str(DEVICE_ID), "--grpc-server-addr", f"127.0.0.1:{port}"]
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for_port("127.0.0.1", port, 30), f"softswitch run did not listen; see {log}"
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


@pytest.mark.slow
def test_p4runtime_shell_pushes_inserts_and_reads(switch_address: str, tmp_path: Path) -> None:
    python = shell_python()
    config = pipeline_config(PROGRAM)
    p4info = tmp_path / "p4rt_switch.p4info.txtpb"
    p4info.write_text(text_format.MessageToString(config.p4info))
    result = subprocess.run(
        [str(python), "-c", SHELL_SCRIPT, switch_address, str(p4info), str(PROGRAM)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    shown = json.loads(result.stdout.strip().splitlines()[-1])
    assert shown["read"] == [["02000000000b", "02"]]  # canonical bytes, as the spec wants

    async def read_back() -> list[bytes]:
        client = P4RuntimeClient(switch_address, device_id=DEVICE_ID, election_id=2)
        try:
            await client.connect()
            schema = P4Schema(await client.get_p4info())
            entities = await client.read([P4TableEntry("fwd").encode(schema)])
            return [e.table_entry.match[0].exact.value for e in entities]
        finally:
            await client.close()

    assert asyncio.run(read_back()) == [bytes.fromhex("02000000000b")]
