"""Compilation of P4 expressions and assignments to Python source.

Every expression compiles to a Python expression string over plain ints/bools and the
generated header/struct classes; width semantics are made explicit with masks
(``bit<W>`` wraps modulo 2**W, ``int<W>`` wraps in two's complement via ``((x + H) & M) - H``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from softswitch.codegen.values import CodegenError, TypeLayouts, field_attr, is_aggregate, strip
from softswitch.frontend import ast
from softswitch.frontend import types as T

if TYPE_CHECKING:
    from softswitch.codegen.calls import CallCompiler


def where(node: ast.Node) -> str:
    return str(node.src)


def mask_of(width: int) -> str:
    return f"{(1 << width) - 1:#x}"


def wrap(src: str, t: T.P4Type) -> str:
    """Bring an unbounded Python int back into the representation range of ``t``."""
    t = strip(t)
    if isinstance(t, T.BitsType):
        if t.signed:
            half = 1 << (t.width - 1)
            return f"(((({src}) + {half:#x}) & {mask_of(t.width)}) - {half:#x})"
        return f"(({src}) & {mask_of(t.width)})"
    return src


def normalize_int(value: int, t: T.P4Type) -> int:
    t = strip(t)
    if isinstance(t, T.BitsType):
        value &= (1 << t.width) - 1
        if t.signed and value >> (t.width - 1):
            value -= 1 << t.width
    elif isinstance(t, T.EnumType) and t.underlying is not None:
        return normalize_int(value, t.underlying)
    return value


# A Python source that is a local name or an int literal: nothing to evaluate first.
_SIMPLE_SOURCE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|-?(0x[0-9a-f]+|[0-9]+)")
# Attribute reads only: safe to repeat in an expression.
_NAME_CHAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


class ExprCompiler:
    """Compiles expressions in one scope (a parser state, action, function or control body).

    ``names`` maps declarations to the Python expression that holds them (a local, a frame
    attribute or a module global); ``pre`` collects statements that must run before the
    expression being compiled (calls with out arguments used inside expressions).
    """

    def __init__(self, layouts: TypeLayouts, names: dict[ast.Declaration, str]) -> None:
        self.layouts = layouts
        self.names = names
        self.pre: list[str] = []
        self.calls: CallCompiler  # set by the owner once both exist
        self._tmp = 0
        # Run-time stack indices of an l-value already evaluated into a temporary
        # (``pin_indices``), by ``id`` of the index expression.
        self._pinned: dict[int, str] = {}

    def temp(self, hint: str = "t") -> str:
        self._tmp += 1
        return f"_{hint}{self._tmp}"

    # ---- constants

    def const(self, value: object, t: T.P4Type | None, node: ast.Node) -> str:
        if isinstance(value, bool):
            return repr(value)
        if isinstance(value, int):
            return repr(normalize_int(value, t) if t is not None else value)
        if isinstance(value, T.ErrorValue):
            return repr(self.layouts.error_code(value.member))
        if isinstance(value, T.EnumValue):
            return repr(self.enum_value(value, t, node))
        if isinstance(value, str):
            return repr(value)
        aggregate = strip(t) if t is not None else None
        if isinstance(value, dict) and isinstance(aggregate, T.StructLikeType):
            fields = [self.const(value[f.name], f.type, node) for f in aggregate.fields]
            return f"{self.layouts.class_of(aggregate)}._mk({', '.join(fields)})"
        if isinstance(value, tuple) and isinstance(aggregate, T.TupleType | T.ListLiteralType):
            items = [
                self.const(v, et, node) for v, et in zip(value, aggregate.elements, strict=True)
            ]
            return "(" + "".join(i + ", " for i in items) + ")"
        raise CodegenError(f"{where(node)}: unsupported constant of kind {type(value).__name__}")

    def enum_value(self, value: T.EnumValue, t: T.P4Type | None, node: ast.Node) -> int:
        if value.value is not None:
            return value.value
        et = strip(t) if t is not None else None
        if isinstance(et, T.EnumType):
            if et.underlying is not None:
                v = et.value_of(value.member)
                if v is not None:
                    return v
            if value.member in et.members:
                return et.members.index(value.member)
        raise CodegenError(
            f"{where(node)}: cannot represent enum member {value.enum}.{value.member}"
        )

    # ---- expressions

    def expr(self, e: ast.Expression) -> str:
        """The Python source of ``e``; aggregates are returned by reference."""
        if e.const_value is not None and not isinstance(e, ast.MethodCall):
            return self.const(e.const_value, e.type, e)
        method = getattr(self, "_" + type(e).__name__, None)
        if method is None:
            raise CodegenError(f"{where(e)}: unsupported expression {type(e).__name__}")
        return method(e)

    def value(self, e: ast.Expression) -> str:
        """Like ``expr`` but aggregates read from storage are copied (P4 value semantics)."""
        src = self.expr(e)
        if e.type is not None and is_aggregate(e.type) and self._is_storage(e):
            return f"{src}._copy()"
        return src

    @staticmethod
    def _is_storage(e: ast.Expression) -> bool:
        return isinstance(e, ast.PathExpr | ast.Member | ast.ArrayIndex)

    def _IntLiteral(self, e: ast.IntLiteral) -> str:
        return repr(normalize_int(e.value, e.type) if e.type is not None else e.value)

    def _BoolLiteral(self, e: ast.BoolLiteral) -> str:
        return repr(e.value)

    def _StringLiteral(self, e: ast.StringLiteral) -> str:
        return repr(e.value)

    def _PathExpr(self, e: ast.PathExpr) -> str:
        decl = e.decl
        if decl is None:
            raise CodegenError(f"{where(e)}: unresolved name {e.name!r}")
        name = self.names.get(decl)
        if name is not None:
            return name
        if isinstance(decl, ast.ConstDecl):
            if decl.value.const_value is not None:
                return self.const(decl.value.const_value, decl.type or decl.value.type, decl)
            return self.expr(decl.value)
        raise CodegenError(f"{where(e)}: {e.name!r} cannot be used here")

    def _Member(self, e: ast.Member) -> str:
        inner = e.expr
        if isinstance(inner, ast.MethodCall) and inner.callee_kind == ast.CalleeKind.TABLE_APPLY:
            result = self.calls.call_expr(inner)
            if e.name == "hit":
                return f"{result}[0]"
            if e.name == "miss":
                return f"(not {result}[0])"
            if e.name == "action_run":
                return f"{result}[1]"
            raise CodegenError(f"{where(e)}: unknown table result field {e.name!r}")
        if isinstance(inner, ast.TypeNameExpr) or (
            isinstance(inner, ast.PathExpr) and isinstance(inner.decl, ast.ErrorDecl | ast.EnumDecl)
        ):
            return self._named_constant(e)
        inner_t = strip(inner.type)
        if isinstance(inner_t, T.HeaderStackType):
            return self._stack_member(self.expr(inner), inner_t, e)
        if isinstance(inner_t, T.ArrayType) and e.name == "size":
            return str(inner_t.size)
        if isinstance(inner_t, T.StructLikeType):
            return f"{self.expr(inner)}.{field_attr(e.name)}"
        if isinstance(inner_t, T.EnumType | T.ErrorType):
            return self._named_constant(e)
        raise CodegenError(f"{where(e)}: cannot take member {e.name!r} of {inner_t}")

    def _named_constant(self, e: ast.Member) -> str:
        t = strip(e.type)
        if isinstance(t, T.ErrorType):
            return repr(self.layouts.error_code(e.name))
        if isinstance(t, T.EnumType):
            return repr(self.enum_value(T.EnumValue(t.name, e.name), t, e))
        raise CodegenError(f"{where(e)}: unsupported member {e.name!r}")

    def _stack_member(self, stack: str, t: T.HeaderStackType, e: ast.Member) -> str:
        oob = self.layouts.error_code("StackOutOfBounds")
        if e.name == "next":
            return f"{stack}.next_for_extract({oob})"
        if e.name == "last":
            return f"{stack}.last({oob})"
        if e.name == "lastIndex":
            return f"(({stack}.nxt - 1) & 0xffffffff)"
        if e.name == "nextIndex":
            return f"{stack}.nxt"
        if e.name == "size":
            return str(t.size)
        raise CodegenError(f"{where(e)}: unknown header stack member {e.name!r}")

    def _ArrayIndex(self, e: ast.ArrayIndex) -> str:
        base_t = strip(e.expr.type)
        base = self.expr(e.expr)
        if isinstance(base_t, T.HeaderStackType | T.ArrayType):
            if e.index.const_value is not None and isinstance(e.index.const_value, int):
                idx = e.index.const_value
                if not 0 <= idx < base_t.size:
                    raise CodegenError(f"{where(e)}: index {idx} out of bounds")
                return f"{base}.elems[{idx}]"
            index = self._pinned.get(id(e.index)) or self.expr(e.index)
            return f"checked_index({base}, {index})"
        return f"{base}[{self.expr(e.index)}]"

    def _Slice(self, e: ast.Slice) -> str:
        hi, lo = self._bounds(e)
        base = self.expr(e.expr)
        base_t = strip(e.expr.type)
        if isinstance(base_t, T.BitsType) and base_t.signed:
            base = f"({base} & {mask_of(base_t.width)})"
        return (
            f"(({base} >> {lo}) & {mask_of(hi - lo + 1)})"
            if lo
            else f"({base} & {mask_of(hi + 1)})"
        )

    @staticmethod
    def _bounds(e: ast.Slice) -> tuple[int, int]:
        hi, lo = e.hi.const_value, e.lo.const_value
        if not isinstance(hi, int) or not isinstance(lo, int):
            hi = e.hi.value if isinstance(e.hi, ast.IntLiteral) else hi
            lo = e.lo.value if isinstance(e.lo, ast.IntLiteral) else lo
        if not isinstance(hi, int) or not isinstance(lo, int):
            raise CodegenError(f"{where(e)}: slice bounds must be compile-time constants")
        return hi, lo

    def _Unary(self, e: ast.Unary) -> str:
        operand = self.expr(e.expr)
        t = strip(e.type)
        if e.op == ast.UnaryOp.NOT:
            return f"(not {operand})"
        if e.op == ast.UnaryOp.PLUS:
            return operand
        if e.op == ast.UnaryOp.COMPLEMENT:
            if isinstance(t, T.BitsType) and not t.signed:
                return f"({operand} ^ {mask_of(t.width)})"
            return f"(~{operand})"
        return wrap(f"-{operand}", t)

    def _Binary(self, e: ast.Binary) -> str:
        op = e.op
        B = ast.BinaryOp
        if op == B.LAND:
            return f"({self.expr(e.left)} and {self.expr(e.right)})"
        if op == B.LOR:
            return f"({self.expr(e.left)} or {self.expr(e.right)})"
        a, b = self.expr(e.left), self.expr(e.right)
        t = strip(e.type)
        if op in (B.EQ, B.NE, B.LT, B.LE, B.GT, B.GE):
            return f"({a} {op.value} {b})"
        if op in (B.BAND, B.BOR, B.BXOR):
            return f"({a} {op.value} {b})"
        if op in (B.ADD, B.SUB, B.MUL):
            return wrap(f"{a} {op.value} {b}", t)
        if op == B.DIV:
            return wrap(f"div({a}, {b})", t)
        if op == B.MOD:
            return wrap(f"mod({a}, {b})", t)
        if op == B.SHR:
            return self._shift_right(a, b, e)
        if op == B.SHL:
            return self._shift_left(a, b, e)
        if op == B.CONCAT:
            return self._concat(a, b, e)
        if op in (B.ADD_SAT, B.SUB_SAT):
            if not isinstance(t, T.BitsType):
                raise CodegenError(f"{where(e)}: saturating arithmetic needs bit<W> or int<W>")
            fn = ("sat_add_" if op == B.ADD_SAT else "sat_sub_") + ("s" if t.signed else "u")
            return f"{fn}({a}, {b}, {t.width})"
        raise CodegenError(f"{where(e)}: unsupported operator {op.value}")

    def _shift_left(self, a: str, b: str, e: ast.Binary) -> str:
        t = strip(e.type)
        if not isinstance(t, T.BitsType):
            return f"({a} << {b})"
        amount = e.right.const_value
        if isinstance(amount, int):
            return "0" if amount >= t.width else wrap(f"{a} << {amount}", t)
        return f"{'shl_signed' if t.signed else 'shl'}({a}, {b}, {t.width})"

    @staticmethod
    def _shift_right(a: str, b: str, e: ast.Binary) -> str:
        # Python's >> is arithmetic for negative ints (int<W>) and logical for bit<W>.
        t = strip(e.type)
        amount = e.right.const_value
        if isinstance(t, T.BitsType) and isinstance(amount, int) and amount >= t.width:
            return "(-1 if " + a + " < 0 else 0)" if t.signed else "0"
        return f"({a} >> {b})"

    def _concat(self, a: str, b: str, e: ast.Binary) -> str:
        lt, rt_ = strip(e.left.type), strip(e.right.type)
        rw = rt_.bit_width()
        lw = lt.bit_width()
        if rw is None or lw is None:
            raise CodegenError(f"{where(e)}: ++ needs fixed-width operands")
        left = f"({a} & {mask_of(lw)})" if isinstance(lt, T.BitsType) and lt.signed else a
        right = f"({b} & {mask_of(rw)})" if isinstance(rt_, T.BitsType) and rt_.signed else b
        joined = f"(({left} << {rw}) | {right})"
        t = strip(e.type)
        if isinstance(t, T.BitsType) and t.signed:
            return wrap(joined, t)
        return joined

    def _Mux(self, e: ast.Mux) -> str:
        return f"({self.value(e.then)} if {self.expr(e.cond)} else {self.value(e.otherwise)})"

    def _Cast(self, e: ast.Cast) -> str:
        src = self.expr(e.expr)
        to = strip(e.type)
        frm = strip(e.expr.type)
        if isinstance(to, T.BoolType):
            return src if isinstance(frm, T.BoolType) else f"bool({src})"
        if isinstance(frm, T.StructLikeType) and isinstance(to, T.BitsType):
            return self._bits_struct_cast(src, frm, to)
        if isinstance(frm, T.BitsType) and isinstance(to, T.StructLikeType):
            return self._bits_struct_cast(src, frm, to)
        if isinstance(frm, T.BoolType):
            src = f"int({src})"
        if isinstance(to, T.BitsType):
            if isinstance(frm, T.BitsType) and frm == to:
                return src
            if (
                isinstance(frm, T.BitsType)
                and not frm.signed
                and not to.signed
                and frm.width <= to.width
            ):
                return src
            return wrap(src, to)
        if isinstance(to, T.EnumType) and to.underlying is not None:
            return wrap(src, to.underlying)
        if isinstance(to, T.StructLikeType | T.TupleType):
            return (
                self._aggregate(e.expr, to)
                if isinstance(e.expr, ast.ListExpr | ast.StructExpr)
                else src
            )
        return src

    def _bits_struct_cast(self, src: str, frm: T.P4Type, to: T.P4Type) -> str:
        """A struct of bit fields is the concatenation of its fields (p4c's bit structs):
        ``(bit<W>) s`` packs them, ``(S) b`` splits ``b``."""
        width = to.bit_width()
        if width is None:
            raise CodegenError(f"cannot cast {frm} to {to}: no fixed width")
        value = src if _NAME_CHAIN.fullmatch(src) else "v"
        if isinstance(to, T.BitsType):
            body = wrap(self.layouts.to_bits(value, frm, width, 0), to)
        else:
            signed = isinstance(frm, T.BitsType) and frm.signed
            body = self.layouts.from_bits(
                f"({value} & {mask_of(width)})" if signed else value, to, width
            )
        return body if value == src else f"(lambda v: {body})({src})"

    def _ListExpr(self, e: ast.ListExpr) -> str:
        return self._aggregate(e, strip(e.type))

    def _StructExpr(self, e: ast.StructExpr) -> str:
        return self._aggregate(e, strip(e.type))

    def _aggregate(self, e: ast.ListExpr | ast.StructExpr, t: T.P4Type) -> str:
        """Build a struct, header or tuple; with ``...`` the fields not given are defaults."""
        if isinstance(t, T.StructLikeType):
            slots = [f.type for f in t.fields]
            if isinstance(e, ast.StructExpr):
                by_name = dict(e.fields)
                elems = [by_name.get(f.name) for f in t.fields]
            else:
                elems = [*e.elements, *[None] * (len(slots) - len(e.elements))]
            if len(elems) != len(slots) or (None in elems and not e.dots):
                raise CodegenError(f"{where(e)}: the values do not match the fields of {t.name}")
            args = [self._slot(el, ty) for el, ty in zip(elems, slots, strict=True)]
            return f"{self.layouts.class_of(t)}._mk({', '.join(args)})"
        if isinstance(e, ast.StructExpr):
            return "(" + "".join(self.value(v) + ", " for _, v in e.fields) + ")"
        rest = t.elements[len(e.elements) :] if isinstance(t, T.TupleType) and e.dots else ()
        values = [self.value(v) for v in e.elements] + [self.layouts.default(r) for r in rest]
        return "(" + "".join(v + ", " for v in values) + ")"

    def _slot(self, e: ast.Expression | None, target: T.P4Type) -> str:
        """The value of one field: ``e`` coerced, or the default for a field left to ``...``."""
        return self.layouts.default(target) if e is None else self._coerce(e, target)

    def _InvalidHeaderExpr(self, e: ast.InvalidHeaderExpr) -> str:
        return self.layouts.default(e.type)

    def _DefaultValueExpr(self, e: ast.DefaultValueExpr) -> str:
        return self.layouts.default(e.type)

    def _coerce(self, e: ast.Expression, target: T.P4Type) -> str:
        """A value for a slot of type ``target`` (list literals take the slot's type)."""
        t = strip(target)
        if isinstance(e, ast.ListExpr | ast.StructExpr) and isinstance(
            t, T.StructLikeType | T.TupleType
        ):
            return self._aggregate(e, t)
        return self.value(e)

    def _MethodCall(self, e: ast.MethodCall) -> str:
        return self.calls.call_expr(e)

    def _TypeNameExpr(self, e: ast.TypeNameExpr) -> str:
        raise CodegenError(f"{where(e)}: a type is not a value")

    # ---- assignment

    def assign(self, lhs: ast.Expression, value_src: str) -> list[str]:
        """Statements storing ``value_src`` (already a fresh value) into the l-value ``lhs``."""
        if isinstance(lhs, ast.Slice):
            if not _SIMPLE_SOURCE.fullmatch(value_src):
                # The value first (its calls may change the sliced field or a stack index),
                # then the read-modify-write of the field.
                tmp = self.temp("s")
                return [f"{tmp} = {value_src}", *self.assign(lhs, tmp)]
            hi, lo = self._bounds(lhs)
            width = hi - lo + 1
            base_t = strip(lhs.expr.type)
            target = self.lvalue(lhs.expr)
            field_mask = ((1 << width) - 1) << lo
            full = (1 << base_t.width) - 1 if isinstance(base_t, T.BitsType) else -1
            keep = (
                f"({target} & {full & ~field_mask:#x})"
                if full >= 0
                else f"({target} & ~{field_mask:#x})"
            )
            new = f"{keep} | ((({value_src}) & {mask_of(width)}) << {lo})"
            if isinstance(base_t, T.BitsType) and base_t.signed:
                new = wrap(new, base_t)
            return (
                self.assign(lhs.expr, new)
                if isinstance(lhs.expr, ast.Slice)
                else [f"{target} = {new}"]
            )
        if self._runtime_stack_element(lhs):
            assert isinstance(lhs, ast.ArrayIndex)
            stack = self.expr(lhs.expr)
            index = self._pinned.get(id(lhs.index)) or self.expr(lhs.index)
            return [f"{stack}.elems[checked_pos({stack}, {index})] = {value_src}"]
        lines = [f"{self.lvalue(lhs)} = {value_src}"]
        if isinstance(lhs, ast.Member):
            lines += self._union_member_assigned(lhs)
        return lines

    @staticmethod
    def _runtime_stack_element(e: ast.Expression) -> bool:
        """``stack[i]`` as a whole with ``i`` known only at run time."""
        return (
            isinstance(e, ast.ArrayIndex)
            and e.index.const_value is None
            and isinstance(strip(e.expr.type), T.HeaderStackType | T.ArrayType)
        )

    def _union_member_assigned(self, member: ast.Member) -> list[str]:
        """``u.h = e`` with ``e`` valid leaves ``u.h`` the union's only valid member (BMv2:
        marking a union member valid invalidates the others)."""
        union_t = strip(member.expr.type)
        if not (isinstance(union_t, T.StructLikeType) and union_t.kind == "header_union"):
            return []
        union = self.expr(member.expr)
        siblings = [
            f"    {union}.{field_attr(f.name)}._v = False"
            for f in union_t.fields
            if f.name != member.name
        ]
        if not siblings:
            return []
        return [f"if {union}.{field_attr(member.name)}._v:", *siblings]

    def pin_indices(self, lhs: ast.Expression) -> list[ast.Expression]:
        """Evaluate the run-time stack indices inside the l-value ``lhs`` now, into
        temporaries (statements go to ``pre``): P4 evaluates an assignment's left side
        before its right side, whose calls may change what an index reads. Returns the
        pinned index expressions, for ``unpin``."""
        indices: list[ast.Expression] = []
        e = lhs
        while isinstance(e, ast.Member | ast.Slice | ast.ArrayIndex):
            if isinstance(e, ast.ArrayIndex) and e.index.const_value is None:
                indices.append(e.index)
            e = e.expr
        for index in reversed(indices):  # left to right, as written
            tmp = self.temp("i")
            self.pre.append(f"{tmp} = {self.expr(index)}")
            self._pinned[id(index)] = tmp
        return indices

    def unpin(self, pinned: list[ast.Expression]) -> None:
        for index in pinned:
            del self._pinned[id(index)]

    def lvalue(self, e: ast.Expression) -> str:
        if isinstance(e, ast.PathExpr | ast.Member | ast.ArrayIndex):
            return self.expr(e)
        if isinstance(e, ast.Slice):
            return self.lvalue(e.expr)
        raise CodegenError(f"{where(e)}: not an l-value")
