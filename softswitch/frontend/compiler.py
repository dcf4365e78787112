"""The front-end driver: preprocess, parse and check a P4_16 program."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from softswitch.frontend.elaborate import CheckedProgram
from softswitch.frontend.parser import parse_file, parse_text
from softswitch.frontend.typecheck import check


def compile_file(
    path: str | Path, include_dirs: Sequence[str | Path] = (), defines: Sequence[str] = ()
) -> CheckedProgram:
    """Compile the program at ``path``; raises ``CompileError`` for any error in it."""
    return check(parse_file(path, include_dirs, defines))


def compile_text(
    text: str,
    filename: str = "<string>",
    include_dirs: Sequence[str | Path] = (),
    defines: Sequence[str] = (),
) -> CheckedProgram:
    """Compile P4 source text (tests and tools); diagnostics name ``filename``."""
    return check(parse_text(text, filename, include_dirs, defines))
