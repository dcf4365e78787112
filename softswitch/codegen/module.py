"""Accumulates generated Python source and the objects it refers to, then compiles it once."""

from __future__ import annotations

import itertools
import re
from typing import Any

from softswitch.codegen import rt
from softswitch.runtime import bits


class GeneratedModule:
    """One Python module per loaded P4 program: source chunks plus a shared namespace.

    Objects the generated code needs (tables, externs, constants) are bound into the
    namespace under unique identifiers, so generated code reaches them as globals.
    """

    def __init__(self) -> None:
        self.chunks: list[str] = []
        self.env: dict[str, Any] = {
            "ParserReject": rt.ParserReject,
            "EXIT": rt.EXIT,
            "ExitSignal": rt.ExitSignal,
            "HeaderStack": rt.HeaderStack,
            "P4Array": rt.P4Array,
            "checked_index": rt.checked_index,
            "checked_pos": rt.checked_pos,
            "StackIndexOutOfRange": rt.StackIndexOutOfRange,
            "StackIndexAboveRange": rt.StackIndexAboveRange,
            "LOOP_LIMIT": rt.LOOP_LIMIT,
            "LoopLimitExceeded": rt.LoopLimitExceeded,
            "shl": rt.shl,
            "shl_signed": rt.shl_signed,
            "div": rt.div,
            "mod": rt.mod,
            "extract_bits": bits.extract_bits,
            "pack_fields": bits.pack_fields,
            "sat_add_u": bits.sat_add_unsigned,
            "sat_sub_u": bits.sat_sub_unsigned,
            "sat_add_s": bits.sat_add_signed,
            "sat_sub_s": bits.sat_sub_signed,
        }
        self._counter = itertools.count()
        self._compiled = False

    def fresh(self, hint: str) -> str:
        """A new identifier unique in this module, readable in tracebacks."""
        clean = re.sub(r"\W", "_", hint)[:40]
        return f"{clean}_{next(self._counter)}"

    def bind(self, obj: object, hint: str) -> str:
        name = self.fresh(hint)
        self.env[name] = obj
        return name

    def add(self, source: str) -> None:
        self.chunks.append(source)

    def compile(self, filename: str = "<p4>") -> dict[str, Any]:
        """Compile and execute everything added so far (only once)."""
        if not self._compiled:
            source = "\n\n".join(self.chunks)
            exec(compile(source, filename, "exec"), self.env)
            self._compiled = True
        return self.env

    def source(self) -> str:
        return "\n\n".join(self.chunks)


def indent(lines: list[str], depth: int = 1) -> list[str]:
    pad = "    " * depth
    return [pad + line if line else line for line in lines]
