"""Run the system C preprocessor over a P4 program, the way p4c does.

p4c invokes ``cpp -C -undef -nostdinc -x assembler-with-cpp -I<p4include> ...``: comments are
kept (the lexer skips them), no host macros or system headers leak in, and ``'`` is not a
character-literal delimiter. The output keeps ``# N "file"`` line markers, which the lexer
uses to map every token back to its original file and line.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from softswitch.frontend.ast import NO_SRC, SrcInfo
from softswitch.frontend.diagnostics import CompileError, Diagnostic, Severity

P4INCLUDE_DIR = Path(__file__).resolve().parent.parent / "p4include"

# p4c's BMv2 back ends define this; programs use it to select BMv2-specific code.
DEFAULT_DEFINES: tuple[str, ...] = ("__TARGET_BMV2__",)

# The name cpp gives its standard input in line markers and messages.
_STDIN_NAME = "<stdin>"

_CPP_MESSAGE = re.compile(
    r"^(?P<file>.*?):(?P<line>\d+)(?::(?P<col>\d+))?: "
    r"(?P<severity>fatal error|error|warning): (?P<message>.*)$"
)


def _cpp_command(include_dirs: Sequence[str | Path], defines: Sequence[str]) -> list[str]:
    cpp = shutil.which("cpp")
    if cpp is None:
        raise CompileError.at(NO_SRC, "the C preprocessor 'cpp' was not found on PATH")
    command = [cpp, "-C", "-undef", "-nostdinc", "-x", "assembler-with-cpp"]
    command += [f"-D{define}" for define in (*DEFAULT_DEFINES, *defines)]
    # Our p4include comes first so `#include <core.p4>` always gets the shipped library.
    command += [f"-I{P4INCLUDE_DIR}"] + [f"-I{directory}" for directory in include_dirs]
    return command


def _diagnostics_from_stderr(stderr: str, stdin_name: str) -> list[Diagnostic]:
    diagnostics: list[Diagnostic] = []
    for raw in stderr.splitlines():
        match = _CPP_MESSAGE.match(raw)
        if match is None:
            continue
        file = match["file"]
        if file == _STDIN_NAME:
            file = stdin_name
        severity = Severity.WARNING if match["severity"] == "warning" else Severity.ERROR
        src = SrcInfo(file, int(match["line"]), int(match["col"] or 1))
        diagnostics.append(Diagnostic(severity, f"preprocessor: {match['message']}", src))
    return diagnostics


def _run(command: list[str], stdin_text: str | None, stdin_name: str) -> str:
    try:
        result = subprocess.run(
            command, input=stdin_text, capture_output=True, text=True, check=False
        )
    except OSError as exc:
        raise CompileError.at(NO_SRC, f"cannot run the C preprocessor: {exc}") from exc
    if result.returncode != 0:
        diagnostics = [
            d
            for d in _diagnostics_from_stderr(result.stderr, stdin_name)
            if d.severity is Severity.ERROR
        ]
        if not diagnostics:
            message = result.stderr.strip() or f"exit status {result.returncode}"
            diagnostics = [Diagnostic(Severity.ERROR, f"preprocessor failed: {message}", NO_SRC)]
        raise CompileError(diagnostics)
    return result.stdout


def preprocess_file(
    path: str | Path, include_dirs: Sequence[str | Path] = (), defines: Sequence[str] = ()
) -> str:
    """Preprocessed text of the P4 file at ``path`` (with ``# N "file"`` line markers).

    ``defines`` are ``NAME`` or ``NAME=VALUE`` strings, as for ``cpp -D``.
    """
    source = Path(path)
    if not source.is_file():
        raise CompileError.at(NO_SRC, f"{path}: no such file")
    command = [*_cpp_command(include_dirs, defines), str(source)]
    return _run(command, None, str(source))


def preprocess_text(
    text: str,
    filename: str,
    include_dirs: Sequence[str | Path] = (),
    defines: Sequence[str] = (),
) -> str:
    """Preprocess ``text`` as if it were the file ``filename`` (which need not exist).

    Line markers that name cpp's standard input are rewritten to ``filename``.
    """
    command = [*_cpp_command(include_dirs, defines), "-"]
    output = _run(command, text, filename)
    quoted = '"' + filename.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return output.replace(f'"{_STDIN_NAME}"', quoted)
