"""Parser instances: one Python function per state, driven by a small loop.

A state function runs the state's statements and returns the next state's function
(``None`` for ``accept``); errors (``verify``, short packets, ``reject``) raise
``ParserReject`` with the error code, which the pipeline stores in
``standard_metadata.parser_error`` before continuing to ingress, as simple_switch does.
"""

from __future__ import annotations

from softswitch.codegen.expr import normalize_int, where
from softswitch.codegen.module import indent
from softswitch.codegen.stmt import StmtCompiler, uses_runtime_index
from softswitch.codegen.units import BlockUnit, out_params, returns_builder
from softswitch.codegen.values import CodegenError
from softswitch.frontend import ast

# A parser that loops without consuming input would spin forever; BMv2 has no such
# guard, but a switch must not hang: past this many transitions the packet is rejected.
MAX_TRANSITIONS = 10_000


class ParserUnit(BlockUnit):
    def compile(self) -> None:
        decl = self.decl
        assert isinstance(decl, ast.ParserDecl)
        prologue = self._setup_scope()
        self._state_fns = {s.name: self.prog.module.fresh(f"state_{s.name}") for s in decl.states}
        if "start" not in self._state_fns:
            raise CodegenError(f"{where(decl)}: parser {decl.name} has no start state")
        self._reject_fn = self.prog.module.fresh("state_reject")
        self.prog.module.add(
            f"def {self._reject_fn}(fr):\n    raise ParserReject({self.prog.layouts.error_code('NoError')})"
        )
        self._dispatch_tables: list[str] = []
        for state in decl.states:
            self._compile_state(state)
        # Select dicts refer to state functions, so they are built after all of them.
        for source in self._dispatch_tables:
            self.prog.module.add(source)
        outs = [self.names[p] for p in out_params(decl.params)]
        params = ", ".join(f"p_{p.name}" for p in decl.params)
        no_match = self.prog.layouts.error_code("NoMatch")
        lines = [
            f"def {self.apply_fn}({params}):",
            *indent(prologue),
            f"    state = {self._state_fns['start']}",
            "    budget = " + str(MAX_TRANSITIONS),
            "    while state is not None:",
            "        budget -= 1",
            "        if budget < 0:",
            f"            raise ParserReject({no_match})",
            "        state = state(fr)",
            f"    {returns_builder(outs, False)(None)}",
        ]
        self._emit_frame_class()
        self.prog.module.add("\n".join(lines))

    def _next(self, name: str) -> str:
        if name == "accept":
            return "None"
        if name == "reject":
            return self._reject_fn
        fn = self._state_fns.get(name)
        if fn is None:
            raise CodegenError(f"{where(self.decl)}: unknown parser state {name!r}")
        return fn

    def _compile_state(self, state: ast.ParserState) -> None:
        stmts = StmtCompiler(self.ex, self.calls, returns_builder([], False), self.prog.action_id)
        body = stmts.block(state.stmts)
        transition = state.transition
        if transition is None:
            body.append(f"return {self._reject_fn}")
        elif isinstance(transition, str):
            body.append(f"return {self._next(transition)}")
        else:
            body += self._select(transition)
            pre, self.ex.pre = self.ex.pre, []
            body = pre + body if pre else body
        fn = self._state_fns[state.name]
        self.prog.module.add("\n".join([f"def {fn}(fr):", *indent(body)]))

    def _select(self, sel: ast.SelectExpr) -> list[str]:
        keys = [self.ex.expr(e) for e in sel.exprs]
        key = keys[0] if len(keys) == 1 else "(" + ", ".join(keys) + ",)"
        lines = [*self.ex.pre, f"k = {key}"]
        self.ex.pre = []
        if uses_runtime_index(lines):
            # A select on hs[i] with i outside the stack: the parser rejects with
            # StackOutOfBounds (p4c ParserUnroll's out-of-bound state) rather than the
            # statement-skipping of HSIndexSimplifier, which cannot apply to a transition.
            oob = self.prog.layouts.error_code("StackOutOfBounds")
            lines = [
                "try:",
                *indent(lines),
                "except StackIndexOutOfRange:",
                f"    raise ParserReject({oob}) from None",
            ]
        no_match = self.prog.layouts.error_code("NoMatch")
        table = self._constant_table(sel)
        if table is not None:
            entries, default = table
            dispatch = self.prog.module.fresh("select")
            mapping = ", ".join(f"{k!r}: {self._next(v)}" for k, v in entries)
            # The dict is built once, after all state functions exist.
            self._dispatch_tables.append(f"{dispatch} = {{{mapping}}}")
            fallback = self._next(default) if default is not None else None
            if fallback is None:
                return [
                    *lines,
                    f"nxt = {dispatch}.get(k, 0)",
                    "if nxt == 0:",
                    f"    raise ParserReject({no_match})",
                    "return nxt",
                ]
            return [*lines, f"return {dispatch}.get(k, {fallback})"]
        for case in sel.cases:
            cond = self._case_condition(
                case.keyset,
                sel.exprs,
                ["k"] if len(keys) == 1 else [f"k[{i}]" for i in range(len(keys))],
            )
            lines += [f"if {cond}:", f"    return {self._next(case.next_state)}"]
        lines.append(f"raise ParserReject({no_match})")
        return lines

    def _constant_table(
        self, sel: ast.SelectExpr
    ) -> tuple[list[tuple[object, str]], str | None] | None:
        """When every case is a constant (or default), the select is a dict lookup."""
        entries: list[tuple[object, str]] = []
        seen: set[object] = set()
        for case in sel.cases:
            ks = case.keyset
            if isinstance(ks, ast.DefaultExpr | ast.DontCareExpr):
                return entries, case.next_state
            parts = ks.elements if isinstance(ks, ast.ListExpr) and len(sel.exprs) > 1 else [ks]
            values = []
            for part in parts:
                value = part.const_value
                if (
                    not isinstance(value, int)
                    or isinstance(value, bool)
                    or isinstance(part, ast.MaskExpr | ast.RangeExpr)
                ):
                    return None
                values.append(value)
            if len(values) != len(sel.exprs):
                return None
            normalized = [
                normalize_int(v, e.type) if e.type is not None else v
                for v, e in zip(values, sel.exprs, strict=True)
            ]
            k: object = normalized[0] if len(normalized) == 1 else tuple(normalized)
            if k not in seen:  # the first matching case wins
                seen.add(k)
                entries.append((k, case.next_state))
        return entries, None

    @staticmethod
    def _packed(exprs: list[ast.Expression], keys: list[str]) -> str:
        widths = [(e.type.bit_width() if e.type is not None else None) for e in exprs]
        if any(w is None for w in widths):
            raise CodegenError(f"{where(exprs[0])}: value set keys need fixed widths")
        shift = sum(w for w in widths if w is not None)
        terms = []
        for k, w in zip(keys, widths, strict=True):
            assert w is not None
            shift -= w
            terms.append(f"(({k} & {(1 << w) - 1:#x}) << {shift})")
        return " | ".join(terms)

    def _case_condition(
        self, keyset: ast.Expression, exprs: list[ast.Expression], keys: list[str]
    ) -> str:
        if isinstance(keyset, ast.DefaultExpr | ast.DontCareExpr):
            return "True"
        if (
            len(keys) > 1
            and isinstance(keyset, ast.PathExpr)
            and isinstance(keyset.decl, ast.ValueSetDecl)
        ):
            # A struct-typed value set matches the whole key tuple, packed like its fields.
            return f"{self.extern_obj(keyset.decl)}.matches({self._packed(exprs, keys)})"
        parts = keyset.elements if isinstance(keyset, ast.ListExpr) and len(keys) > 1 else [keyset]
        if len(parts) != len(keys):
            raise CodegenError(
                f"{where(keyset)}: keyset has {len(parts)} elements for {len(keys)} keys"
            )
        conds = []
        for part, k in zip(parts, keys, strict=True):
            if isinstance(part, ast.DefaultExpr | ast.DontCareExpr):
                continue
            if isinstance(part, ast.MaskExpr):
                m = self.ex.expr(part.mask)
                conds.append(f"({k} & {m}) == ({self.ex.expr(part.value)} & {m})")
            elif isinstance(part, ast.RangeExpr):
                conds.append(f"{self.ex.expr(part.lo)} <= {k} <= {self.ex.expr(part.hi)}")
            elif isinstance(part, ast.PathExpr) and isinstance(part.decl, ast.ValueSetDecl):
                conds.append(f"{self.extern_obj(part.decl)}.matches({k})")
            else:
                conds.append(f"{k} == {self.ex.expr(part)}")
        return " and ".join(conds) or "True"
