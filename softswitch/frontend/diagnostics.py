"""Compiler diagnostics: ``file:line:col: error: message`` with the source line and a caret.

Every front-end pass (preprocessor, parser, type checker, P4Info) reports user errors by
raising ``CompileError``; the CLI prints ``format_diagnostics`` and exits with status 1, so a
user never sees a Python traceback for bad input.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from softswitch.frontend.ast import NO_SRC, SrcInfo


class Severity(Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True)
class Diagnostic:
    severity: Severity
    message: str
    src: SrcInfo = NO_SRC

    def __str__(self) -> str:
        if self.src.line <= 0:
            prefix = "" if self.src == NO_SRC else f"{self.src.file}: "
            return f"{prefix}{self.severity.value}: {self.message}"
        return f"{self.src}: {self.severity.value}: {self.message}"


class CompileError(Exception):
    """One or more errors in the user's program (never an internal failure)."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = list(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))

    @classmethod
    def at(cls, src: SrcInfo, message: str) -> CompileError:
        """A single error at ``src``."""
        return cls([Diagnostic(Severity.ERROR, message, src)])


def error(src: SrcInfo, message: str) -> Diagnostic:
    return Diagnostic(Severity.ERROR, message, src)


def source_line(path: str, line: int) -> str | None:
    """The text of ``line`` (1-based) of ``path``, or None when it cannot be read."""
    try:
        with Path(path).open(encoding="utf-8", errors="replace") as handle:
            for number, text in enumerate(handle, start=1):
                if number == line:
                    return text.rstrip("\r\n")
    except OSError:
        return None
    return None


def format_diagnostic(diag: Diagnostic, sources: dict[str, str] | None = None) -> str:
    """The diagnostic, then the offending source line and a caret under its column.

    ``sources`` maps file names to text for sources that are not on disk (``parse_text``).
    """
    text = str(diag)
    src = diag.src
    if src.line <= 0:
        return text
    line: str | None
    if sources is not None and src.file in sources:
        lines = sources[src.file].splitlines()
        line = lines[src.line - 1] if src.line <= len(lines) else None
    else:
        line = source_line(src.file, src.line)
    if line is None:
        return text
    # Keep tabs in the caret line so the caret lines up under tab-indented source.
    pad = "".join(ch if ch == "\t" else " " for ch in line[: max(src.col - 1, 0)])
    return f"{text}\n{line}\n{pad}^"


def format_diagnostics(
    diagnostics: Iterable[Diagnostic], sources: dict[str, str] | None = None
) -> str:
    return "\n".join(format_diagnostic(d, sources) for d in diagnostics)
