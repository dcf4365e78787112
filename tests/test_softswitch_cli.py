"""The `softswitch` command as a user meets it: exit codes, diagnostics, output files."""

from __future__ import annotations

from pathlib import Path

from finsy.proto import p4i
from google.protobuf import text_format
from typer.testing import CliRunner

from softswitch.cli import app

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def test_compile_writes_text_and_binary_p4info(tmp_path: Path) -> None:
    program = ROOT / "bench/p4/l3fwd.p4"
    result = runner.invoke(
        app,
        ["compile", str(program), "--p4info", str(tmp_path / "x.txtpb"), "--out", str(tmp_path)],
    )
    assert result.exit_code == 0, result.output
    text = text_format.Parse((tmp_path / "x.txtpb").read_text(), p4i.P4Info())
    binary = p4i.P4Info.FromString((tmp_path / "l3fwd.p4info.binpb").read_bytes())
    assert text == binary
    assert {t.preamble.name for t in text.tables} == {
        "L3Ingress.router_mac",
        "L3Ingress.ipv4_lpm",
        "L3Ingress.next_hop",
    }


def test_compile_error_shows_location_source_line_and_caret(tmp_path: Path) -> None:
    bad = tmp_path / "bad.p4"
    bad.write_text("control C() {\n  apply { bit<8> x = 16w3; }\n}\n")
    result = runner.invoke(app, ["compile", str(bad)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith(f"{bad}:2:") and ": error: " in lines[0]
    assert lines[1] == "  apply { bit<8> x = 16w3; }"
    column = int(lines[0][len(str(bad)) + 1 :].split(":")[1])
    assert lines[2].strip() == "^" and lines[2].index("^") == column - 1


def test_missing_program_is_one_clear_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["compile", str(tmp_path / "nosuch.p4")])
    assert result.exit_code == 1
    assert "nosuch.p4" in result.output and "Traceback" not in result.output
