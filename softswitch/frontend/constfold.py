"""Constant folding on compile-time values with P4_16 arithmetic.

Values are Python ints (infinite precision), so ``int`` arithmetic is exact; ``bit<W>`` wraps
modulo 2**W and ``int<W>`` is two's complement. Every function here is pure and raises
``FoldError`` for operations the spec leaves undefined (division by zero, negative shifts, ...);
the type checker turns that into a located ``CompileError``.
"""

from __future__ import annotations

from softswitch.frontend import ast
from softswitch.frontend.types import MAX_WIDTH, BitsType, BoolType, IntType, P4Type


class FoldError(Exception):
    """A compile-time operation the spec does not define for these operands."""


def wrap(value: int, ty: P4Type) -> int:
    """``value`` represented in ``ty``: reduced modulo 2**W, two's complement when signed."""
    if not isinstance(ty, BitsType):
        return value
    if ty.width == 0:
        return 0
    value &= (1 << ty.width) - 1
    if ty.signed and value >> (ty.width - 1):
        value -= 1 << ty.width
    return value


def fits(value: int, ty: BitsType) -> bool:
    if ty.signed:
        return -(1 << (ty.width - 1)) <= value < (1 << (ty.width - 1)) if ty.width else value == 0
    return 0 <= value < (1 << ty.width)


def _saturate(value: int, ty: BitsType) -> int:
    if ty.signed:
        low, high = -(1 << (ty.width - 1)), (1 << (ty.width - 1)) - 1
    else:
        low, high = 0, (1 << ty.width) - 1
    return max(low, min(high, value))


def fold_unary(op: ast.UnaryOp, value: object, ty: P4Type) -> object:
    if op is ast.UnaryOp.NOT:
        return not value
    assert isinstance(value, int)
    if op is ast.UnaryOp.NEG:
        return wrap(-value, ty)
    if op is ast.UnaryOp.PLUS:
        return value
    if isinstance(ty, BitsType):
        return wrap(~value, ty)
    raise FoldError("'~' cannot be applied to an int without a width")


_COMPARISONS = {
    ast.BinaryOp.LT: lambda a, b: a < b,
    ast.BinaryOp.LE: lambda a, b: a <= b,
    ast.BinaryOp.GT: lambda a, b: a > b,
    ast.BinaryOp.GE: lambda a, b: a >= b,
}


def fold_binary(
    op: ast.BinaryOp, left: object, right: object, left_ty: P4Type, result_ty: P4Type
) -> object:
    """Fold ``left op right``; ``left_ty`` is the left operand type (after implicit casts) and
    ``result_ty`` the type of the result (they differ for ``++`` and comparisons)."""
    if op is ast.BinaryOp.EQ:
        return left == right
    if op is ast.BinaryOp.NE:
        return left != right
    if op is ast.BinaryOp.LAND:
        return bool(left) and bool(right)
    if op is ast.BinaryOp.LOR:
        return bool(left) or bool(right)
    assert isinstance(left, int) and isinstance(right, int)
    if op in _COMPARISONS:
        return _COMPARISONS[op](left, right)
    if op is ast.BinaryOp.CONCAT:
        assert isinstance(result_ty, BitsType)
        rw = result_ty.width - (left_ty.bit_width() or 0)
        return wrap((left << rw) | (right & ((1 << rw) - 1)), result_ty)
    if op in (ast.BinaryOp.SHL, ast.BinaryOp.SHR):
        if right < 0:
            raise FoldError(f"shift by a negative amount {right}")
        if op is ast.BinaryOp.SHL:
            if isinstance(result_ty, BitsType) and right >= result_ty.width:
                return 0
            if right > MAX_WIDTH:
                raise FoldError(f"shift amount limited to {MAX_WIDTH} at compile time")
            return wrap(left << right, result_ty)
        # Arithmetic shift for signed values; for bit<W> the value is non-negative already.
        return wrap(left >> right, result_ty)
    if op in (ast.BinaryOp.DIV, ast.BinaryOp.MOD):
        if right == 0:
            raise FoldError("division by zero")
        if left < 0 or right < 0:
            raise FoldError("division and modulo are only defined on non-negative values")
        return wrap(left // right if op is ast.BinaryOp.DIV else left % right, result_ty)
    if op in (ast.BinaryOp.ADD_SAT, ast.BinaryOp.SUB_SAT):
        assert isinstance(result_ty, BitsType)
        exact = left + right if op is ast.BinaryOp.ADD_SAT else left - right
        return _saturate(exact, result_ty)
    exact_ops = {
        ast.BinaryOp.ADD: lambda a, b: a + b,
        ast.BinaryOp.SUB: lambda a, b: a - b,
        ast.BinaryOp.MUL: lambda a, b: a * b,
        ast.BinaryOp.BAND: lambda a, b: a & b,
        ast.BinaryOp.BOR: lambda a, b: a | b,
        ast.BinaryOp.BXOR: lambda a, b: a ^ b,
    }
    return wrap(exact_ops[op](left, right), result_ty)


def fold_cast(value: object, to: P4Type) -> object:
    """Cast a compile-time scalar (``int``/``bool``) to ``to`` (already checked legal)."""
    if isinstance(to, BoolType):
        if isinstance(value, bool):
            return value
        assert isinstance(value, int)
        if value not in (0, 1):
            raise FoldError(f"only 0 and 1 can be cast to bool, not {value}")
        return value == 1
    if isinstance(value, bool):
        return int(value)
    if isinstance(to, BitsType) and isinstance(value, int):
        return wrap(value, to)
    if isinstance(to, IntType):
        return value
    return value
