"""Semantically broken programs are rejected at the right place with a precise message.

Each program in ``tests/frontend/typecheck_bad/`` states its expected diagnostic on its first
line: ``// expect: LINE:COL: MESSAGE FRAGMENT``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from softswitch.frontend.compiler import compile_file
from softswitch.frontend.diagnostics import CompileError

BAD_DIR = Path(__file__).parent / "typecheck_bad"
BAD_PROGRAMS = sorted(BAD_DIR.glob("*.p4"))


def _expectation(path: Path) -> tuple[int, int, str]:
    first = path.read_text().splitlines()[0]
    assert first.startswith("// expect: "), f"{path.name} must start with an expectation"
    location, message = first.removeprefix("// expect: ").split(": ", 1)
    line, col = location.split(":")
    return int(line), int(col), message


def test_there_are_bad_programs() -> None:
    assert len(BAD_PROGRAMS) >= 25


@pytest.mark.parametrize("path", BAD_PROGRAMS, ids=lambda p: p.stem)
def test_bad_program_is_rejected_at_location(path: Path) -> None:
    line, col, message = _expectation(path)
    with pytest.raises(CompileError) as info:
        compile_file(path)
    diag = info.value.diagnostics[0]
    assert (diag.src.file, diag.src.line, diag.src.col) == (str(path), line, col), str(diag)
    assert message in diag.message


def test_cli_reports_error_with_caret_and_exit_status_1() -> None:
    path = BAD_DIR / "assign_width.p4"
    proc = subprocess.run(
        [sys.executable, "-m", "softswitch.frontend", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    lines = proc.stderr.splitlines()
    assert lines[0] == f"{path}:6:13: error: cannot assign bit<16> to bit<8>"
    assert lines[1] == "        a = b;"
    assert lines[2] == "            ^"
    assert "Traceback" not in proc.stderr
