"""Compilation of P4 statements to lines of Python source."""

from __future__ import annotations

from collections.abc import Callable

from softswitch.codegen.calls import CallCompiler
from softswitch.codegen.expr import ExprCompiler, where
from softswitch.codegen.module import indent
from softswitch.codegen.values import CodegenError, is_aggregate, strip
from softswitch.frontend import ast
from softswitch.frontend import types as T


def uses_runtime_index(lines: list[str]) -> bool:
    return any("checked_index(" in line or "checked_pos(" in line for line in lines)


def skip_on_bad_index(lines: list[str]) -> list[str]:
    """A statement indexing a header stack at run time does nothing when the index is out
    of range (see ``rt.checked_index``)."""
    if not uses_runtime_index(lines):
        return lines
    return ["try:", *indent(lines), "except StackIndexOutOfRange:", "    pass"]


class StmtCompiler:
    """Statements of one body. ``returns`` builds the Python ``return`` for ``return e;``
    (actions and controls return their out/inout parameters, functions their value too)."""

    def __init__(
        self,
        ex: ExprCompiler,
        calls: CallCompiler,
        returns: Callable[[str | None], str],
        action_ids: Callable[[ast.ActionDecl], int],
    ) -> None:
        self.ex = ex
        self.calls = calls
        self.returns = returns
        self.action_ids = action_ids

    def block(self, stmts: list[ast.Statement | ast.VariableDecl | ast.ConstDecl]) -> list[str]:
        lines: list[str] = []
        for stmt in stmts:
            lines += self.stmt(stmt)
        return lines

    def body(self, stmts: list[ast.Statement | ast.VariableDecl | ast.ConstDecl]) -> list[str]:
        """A Python suite: never empty."""
        return self.block(stmts) or ["pass"]

    def _flush(self, lines: list[str]) -> list[str]:
        pre, self.ex.pre = self.ex.pre, []
        return pre + lines

    def stmt(self, s: ast.Statement | ast.Declaration) -> list[str]:
        if isinstance(s, ast.VariableDecl):
            return self.variable(s)
        if isinstance(s, ast.ConstDecl):
            return []  # uses are folded or compiled from the declaration
        if isinstance(s, ast.AssignStmt):
            return self._assign(s)
        if isinstance(s, ast.CallStmt):
            return skip_on_bad_index(self._flush(self.calls.call_stmt(s.call)))
        if isinstance(s, ast.BlockStmt):
            return self.block(s.stmts)
        if isinstance(s, ast.IfStmt):
            return self._if(s)
        if isinstance(s, ast.EmptyStmt):
            return []
        if isinstance(s, ast.ExitStmt):
            return ["raise EXIT"]
        if isinstance(s, ast.ReturnStmt):
            return self._return(s)
        if isinstance(s, ast.SwitchStmt):
            return self._switch(s)
        if isinstance(s, ast.ForStmt):
            return self._for(s)
        if isinstance(s, ast.ForInStmt):
            return self._for_in(s)
        if isinstance(s, ast.BreakStmt):
            return ["break"]
        if isinstance(s, ast.ContinueStmt):
            return ["continue"]
        raise CodegenError(f"{where(s)}: unsupported statement {type(s).__name__}")

    def _assign(self, s: ast.AssignStmt) -> list[str]:
        pinned = self.ex.pin_indices(s.lhs)
        value = (
            self.ex.value(s.rhs)
            if not isinstance(s.rhs, ast.ListExpr | ast.StructExpr)
            else self.ex._coerce(s.rhs, strip(s.lhs.type))
        )
        lines = self._flush(self.ex.assign(s.lhs, value))
        self.ex.unpin(pinned)
        if pinned or not uses_runtime_index(lines):
            return skip_on_bad_index(lines)
        # Only the right side indexes a stack at run time: past the end, p4c's rewrite
        # assigns an undefined value (BMv2: 0, an invalid header); a negative index skips.
        undefined = self.ex.layouts.default(s.lhs.type)
        return [
            "try:",
            *indent(lines),
            "except StackIndexAboveRange:",
            *indent(self._flush(self.ex.assign(s.lhs, undefined))),
            "except StackIndexOutOfRange:",
            "    pass",
        ]

    def _return(self, s: ast.ReturnStmt) -> list[str]:
        if s.value is None:
            return [self.returns(None)]
        lines = self._flush([self.returns(self.ex.value(s.value))])
        if not uses_runtime_index(lines):
            return lines
        # p4c inlines the function: ``return hs[i].f`` assigns its result from hs[i], so
        # out of range the result is undefined (the type's default here).
        undefined = self.returns(self.ex.layouts.default(s.value.type))
        return ["try:", *indent(lines), "except StackIndexOutOfRange:", f"    {undefined}"]

    def variable(self, d: ast.VariableDecl) -> list[str]:
        name = self.ex.temp(f"v_{d.name}_")
        self.ex.names[d] = name
        if d.init is None:
            return self._flush([f"{name} = {self.ex.layouts.default(d.type)}"])
        target = d.type if d.type is not None else d.init.type
        value = self.ex._coerce(d.init, target) if target is not None else self.ex.value(d.init)
        lines = self._flush([f"{name} = {value}"])
        if not uses_runtime_index(lines):
            return lines
        # As an assignment from hs[i] (p4c splits the initializer off): out of range, the
        # variable holds an undefined value, the type's default here.
        return [f"{name} = {self.ex.layouts.default(target)}", *skip_on_bad_index(lines)]

    def _if(self, s: ast.IfStmt) -> list[str]:
        cond = self.ex.expr(s.cond)
        lines = self._flush([f"if {cond}:"])
        if uses_runtime_index(lines):
            # Out of range, p4c's rewrite runs the else branch (the condition is false).
            flag = self.ex.temp("cond")
            lines = skip_on_bad_index([f"{flag} = False", *lines[:-1], f"{flag} = {cond}"])
            lines.append(f"if {flag}:")
        lines += indent(self.body([s.then]))
        if s.otherwise is not None:
            lines.append("else:")
            lines += indent(self.body([s.otherwise]))
        return lines

    def _condition(self, cond: ast.Expression) -> tuple[list[str], str]:
        """Statements computing ``cond`` and the Python test; a run-time stack index out of
        range makes the condition false (as in ``_if``)."""
        test = self.ex.expr(cond)
        lines = self._flush([])
        if not uses_runtime_index([*lines, test]):
            return lines, test
        flag = self.ex.temp("cond")
        return [f"{flag} = False", *skip_on_bad_index([*lines, f"{flag} = {test}"])], flag

    def _for(self, s: ast.ForStmt) -> list[str]:
        """``for (init; cond; update) body`` as a ``while True`` whose top runs ``update``
        from the second iteration on, so ``continue`` (a Python ``continue``) updates too."""
        lines = self.block(list(s.init))
        update = self.block(list(s.update))
        count = self.ex.temp("iterations")
        cond_lines, test = self._condition(s.cond)
        loop = [
            *([f"if {count}:", *indent(update)] if update else []),
            f"{count} += 1",
            f"if {count} > LOOP_LIMIT:",
            f"    raise LoopLimitExceeded({where(s) + ': endless for loop'!r})",
            *cond_lines,
            f"if not {test}:",
            "    break",
            *self.block([s.body]),
        ]
        return [*lines, f"{count} = 0", "while True:", *indent(loop)]

    def _for_in(self, s: ast.ForInStmt) -> list[str]:
        """``for (T v in lo .. hi)`` over a Python range (both ends evaluated once, ``hi``
        included); over a header stack or list, ``v`` takes a copy of each element in turn."""
        var = self.ex.temp(f"v_{s.var.name}_")
        self.ex.names[s.var] = var
        collection = s.collection
        if isinstance(collection, ast.RangeExpr):
            lo, hi = self.ex.expr(collection.lo), self.ex.expr(collection.hi)
            source = f"range({lo}, ({hi}) + 1)"
        elif isinstance(collection, ast.ListExpr):
            assert s.var.type is not None
            values = [self.ex._coerce(e, s.var.type) for e in collection.elements]
            source = "(" + "".join(v + ", " for v in values) + ")"
        else:
            elems = f"{self.ex.expr(collection)}.elems"
            collection_t = strip(collection.type)
            copies = not isinstance(collection_t, T.ArrayType) or is_aggregate(collection_t.element)
            source = f"[e._copy() for e in {elems}]" if copies else f"list({elems})"
        head = self._flush([f"for {var} in {source}:"])
        return [*head, *indent(self.body([s.body]))]

    def _switch(self, s: ast.SwitchStmt) -> list[str]:
        subject = self.ex.temp("sw")
        lines = self._flush([f"{subject} = {self.ex.expr(s.expr)}"])
        # Out of range in the subject, p4c's rewrite skips the whole switch (case bodies
        # guard their own statements, so only the subject's index can escape to here).
        guard = uses_runtime_index(lines)
        is_action_run = isinstance(strip(s.expr.type), T.ActionEnumType)
        pending: list[str] = []
        first = True
        for case in s.cases:
            label = case.label
            if isinstance(label, ast.DefaultExpr):
                pending.append("True")
            elif is_action_run:
                decl = label.decl if isinstance(label, ast.PathExpr) else None
                if not isinstance(decl, ast.ActionDecl):
                    raise CodegenError(f"{where(label)}: switch label is not an action")
                pending.append(f"{subject} == {self.action_ids(decl)}")
            else:
                pending.append(f"{subject} == {self.ex.expr(label)}")
            if case.body is None:
                continue  # falls through to the next label's body
            keyword = "if" if first else "elif"
            lines.append(f"{keyword} {' or '.join(pending)}:")
            lines += indent(self._flush(self.body([case.body])))
            pending = []
            first = False
        return skip_on_bad_index(lines) if guard else lines
