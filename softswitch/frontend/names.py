"""Lexical scopes for name resolution.

A ``Scope`` maps identifiers to the declarations visible in one region (the program, a
parser/control/function/action, a block, a table's action list ...). Names become visible
where they are declared (declaration before use), inner scopes may shadow outer ones, and a
name may be declared several times in one scope only as overloads that differ in their number
of parameters (functions, extern methods and constructors).
"""

from __future__ import annotations

from softswitch.frontend import ast
from softswitch.frontend.diagnostics import CompileError

# Declarations that may share a name when their parameter counts differ.
_OVERLOADABLE = (ast.ExternFunctionDecl, ast.FunctionDecl, ast.MethodDecl, ast.ActionDecl)


def _callable_and_block(a: ast.Declaration, b: ast.Declaration) -> bool:
    """An extern function and a parser/control may share a name, as p4c allows (v1model
    programs name their checksum control ``verify_checksum``); a P4 function may not
    (p4c issue1932.p4)."""
    blocks = (ast.ParserDecl, ast.ControlDecl)
    return (isinstance(a, ast.ExternFunctionDecl) and isinstance(b, blocks)) or (
        isinstance(a, blocks) and isinstance(b, ast.ExternFunctionDecl)
    )


def param_count(decl: ast.Declaration) -> int | None:
    if isinstance(decl, ast.FunctionPrototype | ast.ActionDecl | ast.ConstructorDecl):
        return len(decl.params)
    return None


class Scope:
    def __init__(self, parent: Scope | None = None, kind: str = "block") -> None:
        self.parent = parent
        self.kind = kind
        self.entries: dict[str, list[ast.Declaration]] = {}

    def child(self, kind: str = "block") -> Scope:
        return Scope(self, kind)

    def root(self) -> Scope:
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope

    def declare(self, decl: ast.Declaration, name: str | None = None) -> None:
        """Add ``decl``; a duplicate in the same scope is an error unless it is an overload."""
        key = decl.name if name is None else name
        existing = self.entries.get(key)
        if existing is None:
            self.entries[key] = [decl]
            return
        if isinstance(decl, _OVERLOADABLE) and all(
            isinstance(other, _OVERLOADABLE) and param_count(other) != param_count(decl)
            for other in existing
        ):
            existing.append(decl)
            return
        if all(_callable_and_block(decl, other) for other in existing):
            existing.append(decl)
            return
        first = existing[0]
        raise CompileError.at(
            decl.src, f"duplicate declaration of '{key}' (previous declaration at {first.src})"
        )

    def lookup(self, name: str, is_global: bool = False) -> list[ast.Declaration] | None:
        scope: Scope | None = self.root() if is_global else self
        while scope is not None:
            found = scope.entries.get(name)
            if found:
                return found
            scope = scope.parent
        return None

    def lookup_one(self, name: str, is_global: bool = False) -> ast.Declaration | None:
        found = self.lookup(name, is_global)
        return found[0] if found else None
