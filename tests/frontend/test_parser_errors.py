"""Broken programs are reported as ``file:line:col: error: message`` with the source line.

Each program in ``tests/frontend/bad/`` states its expected diagnostic on its first line:
``// expect: FILE:LINE:COL: MESSAGE`` (FILE is a name in that directory).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from softswitch.frontend.ast import SrcInfo
from softswitch.frontend.diagnostics import (
    CompileError,
    Diagnostic,
    Severity,
    format_diagnostic,
)
from softswitch.frontend.parser import parse_file, parse_text

BAD_DIR = Path(__file__).parent / "bad"
BAD_PROGRAMS = sorted(BAD_DIR.glob("*.p4"))


def _expectation(path: Path) -> tuple[str, int, int, str]:
    first = path.read_text().splitlines()[0]
    assert first.startswith("// expect: "), f"{path.name} must start with an expectation"
    location, message = first.removeprefix("// expect: ").split(": ", 1)
    name, line, col = location.split(":")
    return name, int(line), int(col), message


def test_there_are_bad_programs() -> None:
    assert len(BAD_PROGRAMS) >= 10


@pytest.mark.parametrize("path", BAD_PROGRAMS, ids=lambda p: p.name)
def test_bad_program_location_and_message(path: Path) -> None:
    name, line, col, message = _expectation(path)
    with pytest.raises(CompileError) as caught:
        parse_file(path)
    (diag,) = caught.value.diagnostics
    assert diag.severity is Severity.ERROR
    assert (Path(diag.src.file).name, diag.src.line, diag.src.col) == (name, line, col)
    assert diag.message == message
    rendered = format_diagnostic(diag)
    header, source_line, caret = rendered.splitlines()
    assert header == f"{diag.src.file}:{line}:{col}: error: {message}"
    assert source_line == (BAD_DIR / name).read_text().splitlines()[line - 1]
    assert caret.index("^") == col - 1


def test_caret_follows_tabs() -> None:
    diag = Diagnostic(Severity.ERROR, "boom", SrcInfo("mem.p4", 2, 3))
    text = format_diagnostic(diag, {"mem.p4": "x\n\t\tbad\n"})
    assert text.splitlines() == ["mem.p4:2:3: error: boom", "\t\tbad", "\t\t^"]


def test_parse_text_errors_name_the_given_file() -> None:
    with pytest.raises(CompileError) as caught:
        parse_text("const bit<8> a = ;\n", "inline.p4")
    assert (
        str(caught.value)
        == 'inline.p4:1:18: error: syntax error, unexpected ";", expecting an expression'
    )


def test_missing_file() -> None:
    with pytest.raises(CompileError, match=r"no_such\.p4: no such file"):
        parse_file("/nonexistent/no_such.p4")


def test_defines_reach_the_preprocessor(tmp_path: Path) -> None:
    source = tmp_path / "cond.p4"
    source.write_text("#ifdef BROKEN\nconst bit<8> a = ;\n#endif\nconst bit<8> b = VALUE;\n")
    program = parse_file(source, defines=["VALUE=3"])
    assert [d.name for d in program.declarations] == ["b"]
    with pytest.raises(CompileError, match=r"cond.p4:2:18: error: syntax error"):
        parse_file(source, defines=["BROKEN", "VALUE=3"])


def test_include_dirs(tmp_path: Path) -> None:
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "lib.p4").write_text("const bit<8> from_lib = 1;\n")
    main = tmp_path / "main.p4"
    main.write_text('#include "lib.p4"\nconst bit<8> mine = from_lib;\n')
    program = parse_file(main, include_dirs=[tmp_path / "inc"])
    lib_const, main_const = program.declarations
    assert Path(lib_const.src.file) == tmp_path / "inc" / "lib.p4"
    assert (Path(main_const.src.file), main_const.src.line) == (main, 2)


def test_no_traceback_from_the_command_line_shape() -> None:
    """A user-facing error is one formatted diagnostic, not a Python traceback."""
    script = (
        "import sys\n"
        "from softswitch.frontend.parser import parse_file\n"
        "from softswitch.frontend.diagnostics import CompileError, format_diagnostics\n"
        "try:\n    parse_file(sys.argv[1])\n"
        "except CompileError as e:\n    print(format_diagnostics(e.diagnostics)); sys.exit(1)\n"
    )
    bad = BAD_DIR / "missing_semicolon.p4"
    result = subprocess.run(
        [sys.executable, "-c", script, str(bad)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stdout.startswith(f"{bad}:4:1: error: syntax error")
