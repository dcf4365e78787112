"""Implicit conversions: where a type is expected, an ``int`` literal takes its width, a
``{...}`` list or struct expression becomes the tuple, struct, header or ``list<T>`` it must
be, a serializable enum its underlying bits; equality operands meet on a common type."""

from __future__ import annotations

from softswitch.frontend import ast
from softswitch.frontend.checker_base import CheckerBase
from softswitch.frontend.constfold import wrap
from softswitch.frontend.types import (
    ArrayType,
    BitsType,
    DontCareType,
    EnumType,
    EnumValue,
    HeaderStackType,
    IntType,
    ListLiteralType,
    ListType,
    P4Type,
    StructLikeType,
    TupleType,
    VarbitType,
)


class ConversionChecker(CheckerBase):
    def convert(self, expr: ast.Expression, target: P4Type, what: str = "assign") -> None:
        """Check that ``expr`` (already checked) can be used where ``target`` is expected and
        apply the implicit conversion; ``what`` words the error (``cannot assign X to Y``)."""
        source = expr.type
        assert source is not None
        if source == target or isinstance(source, DontCareType):
            return
        if isinstance(expr, ast.Mux) and isinstance(source, IntType | ListLiteralType):
            self.convert(expr.then, target, what)
            self.convert(expr.otherwise, target, what)
            expr.type = target
            return
        if isinstance(source, EnumType) and source.underlying == target:
            # Serializable enum values convert implicitly to their underlying type.
            value = expr.const_value
            if isinstance(value, EnumValue):
                expr.const_value = value.value
            expr.type = target
            return
        if isinstance(source, IntType) and isinstance(target, BitsType):
            value = expr.const_value
            if not isinstance(value, int):
                self.fail(expr, f"cannot {what} a non-constant int to {target}")
            if not target.signed and value >> target.width > 0:
                # p4c keeps the low bits and warns ([--Wwarn=mismatch]).
                self.warn(expr, f"{value:#x}: value does not fit in {target.width} bits")
            expr.type = target
            expr.const_value = wrap(value, target)
            return
        if isinstance(expr, ast.ListExpr) and self._convert_list(expr, target, what):
            return
        if isinstance(expr, ast.StructExpr) and self._convert_struct(expr, target, what):
            return
        self.fail(expr, f"cannot {what} {source} to {target}")

    def _convert_list(self, expr: ast.ListExpr, target: P4Type, what: str) -> bool:
        if isinstance(target, ListType) and not expr.dots:
            element_types = [target.element] * len(expr.elements)
        elif isinstance(target, TupleType):
            element_types = list(target.elements)
        elif isinstance(target, StructLikeType) and target.kind != "header_union":
            element_types = [f.type for f in target.fields]
        else:
            return False
        count = len(expr.elements)
        if count > len(element_types) or (count < len(element_types) and not expr.dots):
            self.fail(
                expr,
                f"cannot {what} a list of {count} elements to {target} "
                f"with {len(element_types)} fields",
            )
        if expr.dots:
            self._check_defaultable(expr, element_types[count:])
        for element, ty in zip(expr.elements, element_types, strict=False):
            self.convert(element, ty, what)
        expr.type = target
        values = [e.const_value for e in expr.elements]
        if not expr.dots and all(v is not None for v in values):
            if isinstance(target, StructLikeType):
                expr.const_value = dict(zip(target.field_names(), values, strict=False))
            else:
                expr.const_value = tuple(values)
        return True

    def _convert_struct(self, expr: ast.StructExpr, target: P4Type, what: str) -> bool:
        if not isinstance(target, StructLikeType) or target.kind == "header_union":
            return False
        given = dict(expr.fields)
        for name, value in expr.fields:
            if target.field_type(name) is None:
                self.fail(value, f"{target} has no field '{name}'")
        for f in target.fields:
            if f.name in given:
                self.convert(given[f.name], f.type, what)
            elif not expr.dots:
                self.fail(expr, f"cannot {what} {{...}} to {target}: field '{f.name}' is missing")
        if expr.dots:
            self._check_defaultable(expr, [f.type for f in target.fields if f.name not in given])
        expr.type = target
        values = {name: value.const_value for name, value in expr.fields}
        if not expr.dots and all(v is not None for v in values.values()):
            expr.const_value = values
        return True

    def _check_defaultable(self, expr: ast.Expression, defaulted: list[P4Type]) -> None:
        """``...`` cannot stand for a varbit field, even a nested one (p4c
        default-initializer-err.p4)."""
        pending = list(defaulted)
        while pending:
            ty = pending.pop()
            if isinstance(ty, VarbitType):
                self.fail(expr, f"'...' cannot give a default value to a {ty} field")
            if isinstance(ty, StructLikeType):
                pending.extend(f.type for f in ty.fields)
            elif isinstance(ty, TupleType):
                pending.extend(ty.elements)
            elif isinstance(ty, HeaderStackType | ArrayType):
                pending.append(ty.element)

    @staticmethod
    def _tuple_constant_as_struct(side: ast.Expression, this: P4Type, other: P4Type) -> bool:
        """A tuple constant compared with a struct of the same field types is that struct:
        p4c inlines the constant's ``{...}`` value before type checking (list-compare.p4)."""
        if not (
            isinstance(this, TupleType)
            and isinstance(side.const_value, tuple)
            and isinstance(other, StructLikeType)
            and other.kind == "struct"
            and [f.type for f in other.fields] == list(this.elements)
        ):
            return False
        side.type = other
        side.const_value = dict(zip(other.field_names(), side.const_value, strict=True))
        return True

    def unify_operands(self, node: ast.Binary, left: P4Type, right: P4Type) -> P4Type:
        """The common type of two operands, converting an ``int`` operand to the other one."""
        if isinstance(left, IntType) and not isinstance(right, IntType):
            self.convert(node.left, right, "convert")
            return right
        if isinstance(right, IntType) and not isinstance(left, IntType):
            self.convert(node.right, left, "convert")
            return left
        for side, this, other in ((node.left, left, right), (node.right, right, left)):
            if (
                isinstance(this, EnumType)
                and this.underlying is not None
                and this.underlying == other
            ):
                self.convert(side, other, "convert")
                return other
        if isinstance(node.left, ast.ListExpr | ast.StructExpr) and not isinstance(
            right, ListLiteralType
        ):
            self.convert(node.left, right, "compare")
            return right
        if isinstance(node.right, ast.ListExpr | ast.StructExpr):
            self.convert(node.right, left, "compare")
            return left
        for side, this, other in ((node.left, left, right), (node.right, right, left)):
            if self._tuple_constant_as_struct(side, this, other):
                return other
        if left != right:
            self.fail(
                node, f"'{node.op.value}' needs operands of the same type, not {left} and {right}"
            )
        return left
