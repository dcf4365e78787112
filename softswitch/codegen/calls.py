"""Compilation of method calls: builtins, packet_in/packet_out, actions, functions,
tables, sub-controls and (through ``externs``) the v1model extern functions and objects."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Protocol

from softswitch.codegen.expr import ExprCompiler, where
from softswitch.codegen.values import CodegenError, field_attr, storage_width, strip
from softswitch.frontend import ast
from softswitch.frontend import types as T

if TYPE_CHECKING:
    from softswitch.codegen.program import ProgramCompiler

K = ast.CalleeKind


class Unit(Protocol):
    """The parser/control/function being compiled: resolves what calls refer to."""

    prog: ProgramCompiler
    stage: str  # "parser", "verify", "ingress", "egress", "compute", "deparser" or "function"

    def action_fn(self, decl: ast.ActionDecl) -> str: ...
    def function_fn(self, decl: ast.FunctionDecl) -> str: ...
    def table_fn(self, decl: ast.TableDecl) -> str: ...
    def subunit(self, decl: ast.Declaration) -> tuple[str, list[ast.Parameter]]: ...
    def extern_obj(self, decl: ast.Declaration) -> str: ...
    def frame(self) -> str: ...


def call_args(mc: ast.MethodCall) -> list[ast.Expression | None]:
    """Arguments in the callee's parameter order (the checker's ``bound_args``)."""
    if mc.bound_args is not None:
        return list(mc.bound_args)
    if any(a.name for a in mc.args):
        raise CodegenError(f"{where(mc)}: named arguments need the type checker's bound_args")
    return [a.expr for a in mc.args]


class CallCompiler:
    def __init__(self, unit: Unit, ex: ExprCompiler) -> None:
        self.unit = unit
        self.ex = ex
        ex.calls = self

    # ---- entry points

    def call_stmt(self, mc: ast.MethodCall) -> list[str]:
        kind = mc.callee_kind
        if kind in (K.EXTERN_FUNCTION, K.EXTERN_METHOD):
            lines = self.unit.prog.externs.statement(self, mc)
            if lines is not None:
                return lines
        if kind in (K.ACTION, K.FUNCTION, K.CONTROL_APPLY):
            return self._user_call(mc, want_value=False)[0]
        if kind == K.BUILTIN:
            return self._builtin_stmt(mc)
        src = self.call_expr(mc)
        pre, self.ex.pre = self.ex.pre, []
        return [*pre, src]

    def call_expr(self, mc: ast.MethodCall) -> str:
        kind = mc.callee_kind
        if kind == K.BUILTIN:
            return self._builtin_expr(mc)
        if kind == K.TABLE_APPLY:
            target = mc.target
            if not isinstance(target, ast.Member) or not isinstance(target.expr, ast.PathExpr):
                raise CodegenError(f"{where(mc)}: unsupported table apply form")
            decl = target.expr.decl
            if not isinstance(decl, ast.TableDecl):
                raise CodegenError(f"{where(mc)}: {target.expr.name} is not a table")
            return f"{self.unit.table_fn(decl)}({self.unit.frame()})"
        if kind in (K.ACTION, K.FUNCTION, K.CONTROL_APPLY):
            lines, value = self._user_call(mc, want_value=True)
            if not lines:
                return value
            return self._deferred(lines, value)
        if kind in (K.EXTERN_FUNCTION, K.EXTERN_METHOD):
            return self.unit.prog.externs.expression(self, mc)
        raise CodegenError(f"{where(mc)}: call of unknown kind {kind}")

    # ---- user code: actions, functions, sub-controls / sub-parsers

    def _user_call(self, mc: ast.MethodCall, want_value: bool) -> tuple[list[str], str]:
        kind = mc.callee_kind
        decl = mc.callee_decl
        if kind == K.ACTION and isinstance(decl, ast.ActionDecl):
            fn = f"{self.unit.action_fn(decl)}"
            params = list(decl.params)
            lead = [self.unit.frame()]
        elif kind == K.FUNCTION and isinstance(decl, ast.FunctionDecl):
            fn = self.unit.function_fn(decl)
            params = list(decl.params)
            lead = []
        elif kind == K.CONTROL_APPLY:
            target = mc.target
            inst_decl = (
                target.expr.decl
                if isinstance(target, ast.Member) and isinstance(target.expr, ast.PathExpr)
                else None
            )
            if not isinstance(inst_decl, ast.InstanceDecl | ast.Parameter):
                raise CodegenError(f"{where(mc)}: apply of something that is not an instance")
            fn, params = self.unit.subunit(inst_decl)
            lead = []
        else:
            raise CodegenError(f"{where(mc)}: cannot call {decl!r}")
        args = call_args(mc)
        # Action calls from a control body may omit trailing directionless params bound
        # by the control plane; a direct call always gives them.
        if len(args) < len(params):
            args += [None] * (len(params) - len(args))
        outs = [
            (param, arg)
            for param, arg in zip(params, args, strict=True)
            if param.direction in (ast.Direction.OUT, ast.Direction.INOUT)
        ]
        # The l-values of out/inout arguments are evaluated once, at the call: copy-out
        # writes where they designated then, whatever the callee changed meanwhile.
        saved, self.ex.pre = self.ex.pre, []
        pinned = [
            index for _p, arg in outs if arg is not None for index in self.ex.pin_indices(arg)
        ]
        pins, self.ex.pre = self.ex.pre, saved
        try:
            return self._call_lines(mc, fn, lead, params, args, outs, pins, want_value)
        finally:
            self.ex.unpin(pinned)

    def _call_lines(
        self,
        mc: ast.MethodCall,
        fn: str,
        lead: list[str],
        params: list[ast.Parameter],
        args: list[ast.Expression | None],
        outs: list[tuple[ast.Parameter, ast.Expression | None]],
        pins: list[str],
        want_value: bool,
    ) -> tuple[list[str], str]:
        kind = mc.callee_kind
        sources = list(lead)
        for param, arg in zip(params, args, strict=True):
            sources.append(self._argument(param, arg, mc))
        call = f"{fn}({', '.join(sources)})"
        returns_value = kind == K.FUNCTION and not isinstance(strip_or_void(mc.type), T.VoidType)
        if not outs:
            return ([call] if not want_value or not returns_value else []), call
        tmp = self.ex.temp("r")
        offset = 1 if returns_value else 0
        copy_out: list[str] = []
        for i, (_param, arg) in enumerate(outs):
            if arg is not None:
                copy_out += self.ex.assign(arg, f"{tmp}[{i + offset}]")
        if kind == K.FUNCTION:
            lines = [*pins, f"{tmp} = {call}", *copy_out]
            return lines, (f"{tmp}[0]" if returns_value else "None")
        # exit in the callee: copy out what it had, then keep unwinding.
        lines = [
            *pins,
            "try:",
            f"    {tmp} = {call}",
            "except ExitSignal:",
            f"    {tmp} = EXIT.values",
            *["    " + line for line in copy_out],
            "    raise",
            *copy_out,
        ]
        return lines, "None"

    def _deferred(self, lines: list[str], value: str) -> str:
        """A call with copy-out used inside an expression, as a local function, so it only
        runs when evaluated (``c ? x : f(y)``, ``a && f(y)`` keep their laziness)."""
        name = self.ex.temp("call")
        roots = sorted(
            {
                root
                for line in lines
                if " = " in line and not line.startswith(" ")
                for root in [re.split(r"[.\[ ]", line, maxsplit=1)[0]]
                if root.isidentifier()
                and root not in ("fr", "try", "except")
                and not root.startswith(("_r", "_i"))  # the call's own temporaries
            }
        )
        body = ([f"nonlocal {', '.join(roots)}"] if roots else []) + lines + [f"return {value}"]
        self.ex.pre += [f"def {name}():", *["    " + line for line in body]]
        return f"{name}()"

    def _argument(
        self, param: ast.Parameter, arg: ast.Expression | None, mc: ast.MethodCall
    ) -> str:
        ptype = param.type
        if param.direction == ast.Direction.OUT:
            return self.unit.prog.layouts.default(ptype) if ptype is not None else "0"
        if arg is None:
            if param.default is not None:
                return self.ex.value(param.default)
            if ptype is not None:
                return self.unit.prog.layouts.default(ptype)
            raise CodegenError(f"{where(mc)}: missing argument for {param.name}")
        if param.direction == ast.Direction.INOUT:
            return self.ex.expr(arg)  # aggregates by reference; scalars copied back after
        return self.ex.value(arg)

    # ---- builtins

    def _builtin_target(self, mc: ast.MethodCall) -> ast.Expression:
        if not isinstance(mc.target, ast.Member):
            raise CodegenError(f"{where(mc)}: builtin {mc.builtin} without an object")
        return mc.target.expr

    def _builtin_expr(self, mc: ast.MethodCall) -> str:
        name = mc.builtin or (mc.target.name if isinstance(mc.target, ast.Member) else "")
        obj = self._builtin_target(mc)
        obj_t = strip(obj.type)
        if name == "isValid":
            if isinstance(obj_t, T.StructLikeType) and obj_t.kind == "header_union":
                return f"{self.ex.expr(obj)}._any()"
            return f"{self.ex.expr(obj)}._v"
        if name in ("minSizeInBits", "maxSizeInBits", "minSizeInBytes", "maxSizeInBytes"):
            if mc.const_value is not None:
                return repr(mc.const_value)
            width = obj_t.bit_width() or 0
            return str(width if name.endswith("Bits") else (width + 7) // 8)
        lines = self._builtin_stmt(mc)
        self.ex.pre.extend(lines)
        return "None"

    def _builtin_stmt(self, mc: ast.MethodCall) -> list[str]:
        name = mc.builtin or (mc.target.name if isinstance(mc.target, ast.Member) else "")
        obj = self._builtin_target(mc)
        if name in ("setValid", "setInvalid"):
            src = self.ex.expr(obj)
            valid = name == "setValid"
            lines = [f"{src}._v = {valid}"]
            # Making a union member valid invalidates its siblings (P4 spec 8.20).
            if valid and isinstance(obj, ast.Member):
                parent_t = strip(obj.expr.type)
                if isinstance(parent_t, T.StructLikeType) and parent_t.kind == "header_union":
                    parent = self.ex.expr(obj.expr)
                    lines += [
                        f"{parent}.{field_attr(f.name)}._v = False"
                        for f in parent_t.fields
                        if f.name != obj.name
                    ]
            return lines
        if name in ("push_front", "pop_front"):
            count = call_args(mc)[0]
            if count is None:
                raise CodegenError(f"{where(mc)}: {name} needs a count")
            return [f"{self.ex.expr(obj)}.{name}({self.ex.expr(count)})"]
        if name == "isValid":
            return [self._builtin_expr(mc)]
        raise CodegenError(f"{where(mc)}: unsupported builtin method {name!r}")

    # ---- helpers for extern compilers

    def flatten(self, e: ast.Expression) -> list[tuple[str, str]]:
        """(value source, width) of every scalar in a field list (tuple/struct/header).

        Headers contribute their fields whatever their validity, as BMv2 field lists do.
        """
        t = strip(e.type)
        if isinstance(e, ast.ListExpr | ast.StructExpr):
            elems = e.elements if isinstance(e, ast.ListExpr) else [v for _, v in e.fields]
            out: list[tuple[str, str]] = []
            for el in elems:
                out += self.flatten(el)
            return out
        return self._flatten_value(self.ex.expr(e), t, e)

    def _flatten_value(self, src: str, t: T.P4Type, node: ast.Node) -> list[tuple[str, str]]:
        """The scalars of a value in order: struct/header fields, array/stack elements."""
        if isinstance(t, T.StructLikeType):
            out: list[tuple[str, str]] = []
            for f in t.fields:
                out += self._flatten_value(f"{src}.{field_attr(f.name)}", strip(f.type), node)
            return out
        if isinstance(t, T.ArrayType | T.HeaderStackType):
            out = []
            for i in range(t.size):
                out += self._flatten_value(f"{src}.elems[{i}]", strip(t.element), node)
            return out
        return [self._scalar(src, t, node)]

    @staticmethod
    def _scalar(src: str, t: T.P4Type, node: ast.Node | None) -> tuple[str, str]:
        """(value, width) sources; a varbit's width is its current length."""
        if isinstance(t, T.VarbitType):
            return f"{src}[1]", f"{src}[0]"
        width = storage_width(t)
        if width is None:
            raise CodegenError(f"{where(node) if node else '?'}: {t} has no fixed width")
        if isinstance(t, T.BoolType):
            return f"int({src})", "1"
        if isinstance(t, T.BitsType) and t.signed:
            return f"({src} & {(1 << width) - 1:#x})", str(width)
        return src, str(width)

    def store(self, lhs: ast.Expression | None, value_src: str) -> list[str]:
        if lhs is None:
            return []
        return self.ex.assign(lhs, value_src)


def strip_or_void(t: T.P4Type | None) -> T.P4Type:
    return T.VoidType() if t is None else strip(t)
