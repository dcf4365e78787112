"""Type inference and checking of expressions (everything but calls, see ``typecheck_call``).

``check_expr`` computes an expression's natural type and folds constants; ``convert``
(``typecheck_convert``) then applies the implicit conversions of the spec where a type is
expected (an ``int`` literal takes the width of the other operand or of the destination, a
``{...}`` list becomes the expected tuple, struct or header).
"""

from __future__ import annotations

from abc import abstractmethod
from typing import NoReturn

from softswitch.frontend import ast
from softswitch.frontend.constfold import FoldError, fold_binary, fold_cast, fold_unary, wrap
from softswitch.frontend.typecheck_convert import ConversionChecker
from softswitch.frontend.types import (
    ActionEnumType,
    ActionType,
    ApplyResultType,
    ArrayType,
    BitsType,
    BoolType,
    ControlType,
    DontCareType,
    EnumType,
    EnumValue,
    ErrorType,
    ErrorValue,
    ExternType,
    HeaderStackType,
    IntType,
    ListLiteralType,
    ListType,
    MatchKindType,
    MatchKindValue,
    NewType,
    P4Type,
    PackageType,
    ParserType,
    SetType,
    StringType,
    StructField,
    StructLikeType,
    TableType,
    TupleType,
    VarbitType,
    VoidType,
)

_ARITH = {ast.BinaryOp.ADD, ast.BinaryOp.SUB, ast.BinaryOp.MUL}
_SATURATING = {ast.BinaryOp.ADD_SAT, ast.BinaryOp.SUB_SAT}
_DIVISION = {ast.BinaryOp.DIV, ast.BinaryOp.MOD}
_BITWISE = {ast.BinaryOp.BAND, ast.BinaryOp.BOR, ast.BinaryOp.BXOR}
_ORDER = {ast.BinaryOp.LT, ast.BinaryOp.LE, ast.BinaryOp.GT, ast.BinaryOp.GE}
_EQUALITY = {ast.BinaryOp.EQ, ast.BinaryOp.NE}
_SHIFTS = {ast.BinaryOp.SHL, ast.BinaryOp.SHR}
_OBJECT_TYPES = (ExternType, ParserType, ControlType, PackageType, TableType, ActionType)
# Expressions whose type only the context gives (P4_16 1.2.4 `{#}` and `...`).
_CONTEXT_TYPED = (ast.InvalidHeaderExpr, ast.DefaultValueExpr)


class MatchKindMemberDecl(ast.Declaration):
    """A ``match_kind`` member (``exact``, ``lpm`` ...) as a declaration in the global scope."""


class ExprChecker(ConversionChecker):
    def __init__(self) -> None:
        super().__init__()
        # Constructor parameters: compile-time known, with values bound at instantiation.
        self.ctor_params: set[int] = set()
        self.value_set_types: dict[int, P4Type] = {}

    @abstractmethod
    def check_method_call(self, call: ast.MethodCall, expected: P4Type | None) -> P4Type: ...

    @abstractmethod
    def check_constructor_call(self, call: ast.ConstructorCall) -> P4Type: ...

    def check_expr(self, expr: ast.Expression, expected: P4Type | None = None) -> P4Type:
        ty = self._expr(expr, expected)
        expr.type = ty
        return ty

    def check_value(self, expr: ast.Expression, expected: P4Type | None = None) -> P4Type:
        """``check_expr`` for expressions that must denote data (not a table, extern, ...)."""
        ty = self.check_expr(expr, expected)
        if isinstance(ty, (*_OBJECT_TYPES, VoidType, SetType)):
            self.fail(expr, f"expected a value, not {ty}")
        return ty

    def is_compile_time_known(self, expr: ast.Expression) -> bool:
        if expr.const_value is not None:
            return True
        if isinstance(expr, ast.PathExpr):
            return id(expr.decl) in self.ctor_params or isinstance(
                expr.type, ExternType | ParserType | ControlType
            )
        if isinstance(expr, ast.ListExpr):
            return all(self.is_compile_time_known(e) for e in expr.elements)
        if isinstance(expr, ast.StructExpr):
            return all(self.is_compile_time_known(e) for _, e in expr.fields)
        if isinstance(expr, ast.Cast | ast.Unary):
            return self.is_compile_time_known(expr.expr)
        if isinstance(expr, ast.Binary):
            return self.is_compile_time_known(expr.left) and self.is_compile_time_known(expr.right)
        if isinstance(expr, ast.MethodCall):
            # An extern function returning an object is a factory (p4c factory1.p4).
            return expr.callee_kind is ast.CalleeKind.EXTERN_FUNCTION and isinstance(
                expr.type, ExternType
            )
        return isinstance(expr, ast.ConstructorCall)

    # --- dispatch

    def _expr(self, expr: ast.Expression, expected: P4Type | None) -> P4Type:
        if isinstance(expr, ast.IntLiteral):
            if expr.width is None:
                expr.const_value = expr.value
                return IntType()
            ty = BitsType(expr.width, expr.signed)
            if expr.width <= 0:
                self.fail(expr, f"invalid literal width {expr.width}")
            self.check_width_limit(expr, expr.width)
            expr.const_value = wrap(expr.value, ty)
            return ty
        if isinstance(expr, ast.BoolLiteral):
            expr.const_value = expr.value
            return BoolType()
        if isinstance(expr, ast.StringLiteral):
            expr.const_value = expr.value
            return StringType()
        if isinstance(expr, ast.PathExpr):
            return self._path(expr)
        if isinstance(expr, ast.Member):
            return self._member(expr)
        if isinstance(expr, ast.ArrayIndex):
            return self._index(expr)
        if isinstance(expr, ast.Slice):
            return self._slice(expr)
        if isinstance(expr, ast.Unary):
            return self._unary(expr)
        if isinstance(expr, ast.Binary):
            return self._binary(expr)
        if isinstance(expr, ast.Mux):
            return self._mux(expr, expected)
        if isinstance(expr, ast.Cast):
            return self._cast(expr)
        if isinstance(expr, ast.MethodCall):
            return self.check_method_call(expr, expected)
        if isinstance(expr, ast.ConstructorCall):
            return self.check_constructor_call(expr)
        if isinstance(expr, ast.ListExpr):
            return self._list(expr, expected)
        if isinstance(expr, ast.StructExpr):
            return self._struct_expr(expr, expected)
        if isinstance(expr, ast.DefaultExpr | ast.DontCareExpr):
            return DontCareType()
        if isinstance(expr, ast.InvalidHeaderExpr):
            return self._invalid_header(expr, expected)
        if isinstance(expr, ast.DefaultValueExpr):
            return self._default_value(expr, expected)
        if isinstance(expr, ast.ThisExpr):
            if self.ctx.this_type is None:
                self.fail(expr, "'this' can only be used in an abstract method implementation")
            return self.ctx.this_type
        if isinstance(expr, ast.MaskExpr | ast.RangeExpr):
            self.fail(expr, "a keyset expression can only be used in a select case or table entry")
        if isinstance(expr, ast.TypeNameExpr):
            self.fail(expr, "a type cannot be used as a value")
        self.fail(expr, f"unsupported: expression {type(expr).__name__}")

    def _path(self, expr: ast.PathExpr) -> P4Type:
        decls = self.scope.lookup(expr.name, expr.is_global)
        if not decls:
            self.fail(expr, f"undeclared identifier '{expr.name}'")
        decl = decls[0]
        expr.decl = decl
        if isinstance(decl, ast.ConstDecl):
            assert decl.type is not None
            expr.const_value = decl.value.const_value
            return decl.type
        if isinstance(decl, ast.VariableDecl | ast.Parameter | ast.InstanceDecl):
            if decl.type is None:
                self.fail(expr, f"'{expr.name}' is used before its type is known")
            return decl.type
        if isinstance(decl, MatchKindMemberDecl):
            expr.const_value = MatchKindValue(decl.name)
            return MatchKindType()
        if isinstance(decl, ast.TableDecl):
            return TableType(decl.control_plane_name(), decl)
        if isinstance(decl, ast.ActionDecl):
            return ActionType(decl.name, decl)
        if isinstance(decl, ast.ValueSetDecl):
            return SetType(self.value_set_types[id(decl)])
        if isinstance(decl, ast.FunctionPrototype):
            self.fail(expr, f"'{expr.name}' is a function; it can only be called")
        self.fail(expr, f"'{expr.name}' is a type, not a value")

    # --- members, indexing, slices

    def _type_member(self, expr: ast.Member, base: ast.TypeNameExpr) -> P4Type:
        """``error.X``, ``E.A`` (enum members) on a type name."""
        ref = base.type_ref
        ty = self.resolve_type(ref)
        base.type = ty
        if isinstance(ty, ErrorType):
            if expr.name not in self.error_members:
                self.fail(expr, f"'{expr.name}' is not a declared error")
            expr.const_value = ErrorValue(expr.name)
            return ty
        if isinstance(ty, EnumType):
            if expr.name not in ty.members:
                self.fail(expr, f"'{expr.name}' is not a member of enum {ty.name}")
            expr.const_value = EnumValue(ty.name, expr.name, ty.value_of(expr.name))
            return ty
        self.fail(expr, f"unsupported: member '{expr.name}' of type {ty}")

    def _member(self, expr: ast.Member) -> P4Type:
        if isinstance(expr.expr, ast.TypeNameExpr):
            return self._type_member(expr, expr.expr)
        base = self.check_expr(expr.expr)
        if isinstance(base, StructLikeType):
            fty = base.field_type(expr.name)
            if fty is None:
                self.fail(expr, f"{base.kind.replace('_', ' ')} {base} has no field '{expr.name}'")
            base_value = expr.expr.const_value
            if isinstance(base_value, dict):
                expr.const_value = base_value.get(expr.name)
            return fty
        if isinstance(base, HeaderStackType):
            return self._stack_member(expr, base)
        if isinstance(base, ArrayType) and expr.name == "size":
            expr.const_value = base.size
            return BitsType(32)
        if isinstance(base, ApplyResultType):
            if expr.name in ("hit", "miss"):
                return BoolType()
            if expr.name == "action_run":
                assert base.decl is not None
                return ActionEnumType(base.table, tuple(a.name for a in base.decl.actions))
            self.fail(expr, f"a table apply result has no member '{expr.name}'")
        if isinstance(base, TupleType):
            self.fail(expr, "tuple elements are accessed by index, not by name")
        self.fail(expr, f"{base} has no member '{expr.name}'")

    def _stack_member(self, expr: ast.Member, stack: HeaderStackType) -> P4Type:
        if expr.name in ("next", "last", "lastIndex") and self.ctx.kind != "parser":
            self.fail(expr, f"'{expr.name}' of a header stack can only be used in a parser")
        if expr.name in ("next", "last"):
            return stack.element
        if expr.name in ("lastIndex", "nextIndex"):
            return BitsType(32)
        if expr.name == "size":
            expr.const_value = stack.size
            return BitsType(32)
        self.fail(expr, f"header stack {stack} has no member '{expr.name}'")

    def _index(self, expr: ast.ArrayIndex) -> P4Type:
        base = self.check_expr(expr.expr)
        index_ty = self.check_value(expr.index)
        if isinstance(base, TupleType):
            index = expr.index.const_value
            if not isinstance(index, int) or isinstance(index, bool):
                self.fail(expr.index, "a tuple index must be a compile-time known integer")
            if not 0 <= index < len(base.elements):
                self.fail(expr.index, f"index {index} out of bounds for {base}")
            if isinstance(expr.expr.const_value, tuple):
                expr.const_value = expr.expr.const_value[index]
            return base.elements[index]
        if not isinstance(base, HeaderStackType | ArrayType):
            self.fail(expr, f"cannot index a value of type {base}")
        if isinstance(index_ty, IntType):
            index = expr.index.const_value
            assert isinstance(index, int)
            if not 0 <= index < base.size:
                self.fail(expr.index, f"index {index} out of bounds for {base}")
            self.convert(expr.index, BitsType(32))
        elif isinstance(index_ty, BitsType):  # p4c accepts int<W> indexes too
            value = expr.index.const_value
            if isinstance(value, int) and not 0 <= value < base.size:
                self.fail(expr.index, f"index {value} out of bounds for {base}")
        else:
            self.fail(expr.index, f"a header stack index must be an integer, not {index_ty}")
        return base.element

    def _slice(self, expr: ast.Slice) -> P4Type:
        base = self.check_value(expr.expr)
        hi = self.const_int(expr.hi, "a slice bound")
        lo = self.const_int(expr.lo, "a slice bound")
        bits = base if isinstance(base, BitsType) else None
        if bits is None and not isinstance(base, IntType):
            self.fail(expr, f"cannot slice a value of type {base}")
        if lo < 0 or hi < lo:
            self.fail(expr, f"invalid slice [{hi}:{lo}]")
        if bits is not None and hi >= bits.width:
            self.fail(expr.hi, f"slice [{hi}:{lo}] out of bounds for {bits}")
        result = BitsType(hi - lo + 1)
        value = expr.expr.const_value
        if isinstance(value, int) and not isinstance(value, bool):
            expr.const_value = wrap(value >> lo, result)
        return result

    # --- operators

    def _fold(self, expr: ast.Expression, compute: object) -> None:
        """Store a folded constant; ``compute`` is a zero-argument callable."""
        try:
            expr.const_value = compute()  # type: ignore[operator]
        except FoldError as exc:
            self.fail(expr, str(exc))

    def _unary(self, expr: ast.Unary) -> P4Type:
        ty = self.check_value(expr.expr)
        op = expr.op
        if op is ast.UnaryOp.NOT:
            if not isinstance(ty, BoolType):
                self.fail(expr, f"'!' needs a bool operand, not {ty}")
        elif op is ast.UnaryOp.COMPLEMENT:
            if not isinstance(ty, BitsType):
                self.fail(expr, f"'~' needs a bit<W> or int<W> operand, not {ty}")
        elif not isinstance(ty, BitsType | IntType):
            self.fail(expr, f"'{op.value}' needs a numeric operand, not {ty}")
        value = expr.expr.const_value
        if value is not None:
            self._fold(expr, lambda: fold_unary(op, value, ty))
        return ty

    def reject_default_values(self, expr: ast.Expression, where: str) -> None:
        """A ``{..., ...}`` with default values only initializes or is assigned; p4c refuses
        it as an operand, a call argument or a returned value (default-values-operations-err)."""
        if isinstance(expr, ast.ListExpr | ast.StructExpr) and expr.dots:
            self.fail(expr, f"default values {{...}} cannot be used in {where}")

    def _binary(self, expr: ast.Binary) -> P4Type:
        op = expr.op
        if op in _EQUALITY:
            for side in (expr.left, expr.right):
                self.reject_default_values(side, f"a '{op.value}' comparison")
        if isinstance(expr.left, _CONTEXT_TYPED):
            # `{#} == h`: the other operand says which header type `{#}` is.
            right = self.check_value(expr.right)
            left = self.check_value(expr.left, right)
        else:
            left = self.check_value(expr.left)
            hint = left if isinstance(expr.right, _CONTEXT_TYPED) else None
            right = self.check_value(expr.right, hint)
        if op in (ast.BinaryOp.LAND, ast.BinaryOp.LOR):
            for side, ty in ((expr.left, left), (expr.right, right)):
                if not isinstance(ty, BoolType):
                    self.fail(side, f"'{op.value}' needs bool operands, not {ty}")
            result: P4Type = BoolType()
            operand: P4Type = BoolType()
        elif op is ast.BinaryOp.CONCAT:
            for side, ty in ((expr.left, left), (expr.right, right)):
                if not isinstance(ty, BitsType):
                    self.fail(side, f"'++' needs bit<W> or int<W> operands, not {ty}")
            assert isinstance(left, BitsType) and isinstance(right, BitsType)
            result = BitsType(left.width + right.width, left.signed)
            operand = left
        elif op in _SHIFTS:
            result = operand = self._shift(expr, left, right)
        else:
            operand = self.unify_operands(expr, left, right)
            result = self._operator_result(expr, operand)
        lv, rv = expr.left.const_value, expr.right.const_value
        if lv is not None and rv is not None:
            self._fold(expr, lambda: fold_binary(op, lv, rv, operand, result))
        elif op in _DIVISION:
            self._check_runtime_division(expr)
        return result

    def _check_runtime_division(self, expr: ast.Binary) -> None:
        """Targets cannot divide at run time: like p4c (strength reduction, then
        ``CompileTimeOperations``) accept only a divisor that is a power of two."""
        divisor = expr.right.const_value
        if isinstance(divisor, int) and divisor > 0 and divisor & (divisor - 1) == 0:
            return
        if divisor is None and self.is_compile_time_known(expr.right):
            return  # a constructor parameter: known once the block is instantiated
        if divisor == 0:
            self.fail(expr.right, "division by zero")
        self.fail(
            expr,
            f"'{expr.op.value}' could not be evaluated at compile time "
            "(at run time the divisor must be a constant power of 2)",
        )

    def _operator_result(self, expr: ast.Binary, operand: P4Type) -> P4Type:
        op = expr.op
        if op in _EQUALITY:
            if isinstance(
                operand,
                (*_OBJECT_TYPES, StringType, MatchKindType, ApplyResultType, ActionEnumType),
            ):
                self.fail(expr, f"'{op.value}' cannot compare values of type {operand}")
            if isinstance(operand, ListLiteralType) or (
                isinstance(operand, StructLikeType) and not operand.name
            ):
                # Neither side says which tuple or struct type is compared (p4c issue3057).
                self.fail(expr, f"'{op.value}' cannot compare two untyped expressions")
            return BoolType()
        if op in _ORDER:
            if not isinstance(operand, BitsType | IntType):
                self.fail(expr, f"'{op.value}' needs numeric operands, not {operand}")
            return BoolType()
        if op in _BITWISE:
            if not isinstance(operand, BitsType | IntType):
                self.fail(expr, f"'{op.value}' needs bit<W> or int<W> operands, not {operand}")
            return operand
        if op in _SATURATING:
            if not isinstance(operand, BitsType):
                self.fail(expr, f"'{op.value}' needs bit<W> or int<W> operands, not {operand}")
            return operand
        if not isinstance(operand, BitsType | IntType):
            self.fail(expr, f"'{op.value}' needs numeric operands, not {operand}")
        if op in _DIVISION:
            self._check_division(expr, operand)
        return operand

    def _check_division(self, expr: ast.Binary, operand: P4Type) -> None:
        signed = isinstance(operand, IntType) or (isinstance(operand, BitsType) and operand.signed)
        if not signed:
            return
        for side in (expr.left, expr.right):
            value = side.const_value
            if not isinstance(value, int) or value < 0:
                self.fail(
                    expr,
                    f"'{expr.op.value}' on {operand} needs non-negative compile-time known operands",
                )

    def _shift(self, expr: ast.Binary, left: P4Type, right: P4Type) -> P4Type:
        if not isinstance(left, BitsType | IntType):
            self.fail(expr.left, f"cannot shift a value of type {left}")
        if isinstance(right, BitsType):
            if right.signed:
                self.fail(expr.right, f"a shift amount must be unsigned, not {right}")
        elif isinstance(right, IntType):
            value = expr.right.const_value
            assert isinstance(value, int)
            if value < 0:
                self.fail(expr.right, f"shift by a negative amount {value}")
        else:
            self.fail(expr.right, f"a shift amount must be an unsigned integer, not {right}")
        if isinstance(left, IntType) and expr.right.const_value is None:
            self.fail(expr, "shifting an int without a width needs a compile-time known amount")
        return left

    def _mux(self, expr: ast.Mux, expected: P4Type | None) -> P4Type:
        cond = self.check_value(expr.cond)
        if not isinstance(cond, BoolType):
            self.fail(expr.cond, f"a condition must be bool, not {cond}")
        then = self.check_value(expr.then, expected)
        otherwise = self.check_value(expr.otherwise, expected)
        if isinstance(then, IntType) and not isinstance(otherwise, IntType):
            self.convert(expr.then, otherwise)
            result = otherwise
        elif isinstance(otherwise, IntType) and not isinstance(then, IntType):
            self.convert(expr.otherwise, then)
            result = then
        elif then != otherwise:
            self.fail(expr, f"the branches of '?:' have different types {then} and {otherwise}")
        else:
            result = then
        if isinstance(expr.cond.const_value, bool):
            chosen = expr.then if expr.cond.const_value else expr.otherwise
            expr.const_value = chosen.const_value
        elif isinstance(result, IntType) and expected is None:
            self.fail(expr, "cannot infer the width of '?:' with int branches; add a cast")
        return result

    # --- casts

    def _cast(self, expr: ast.Cast) -> P4Type:
        target = self.resolve_type(expr.to)
        source = self.check_value(expr.expr, target)
        if isinstance(expr.expr, ast.ListExpr | ast.StructExpr) or source == target:
            self.convert(expr.expr, target, "cast")
            expr.const_value = expr.expr.const_value
            return target
        if not self.cast_allowed(source, target):
            self.fail(expr, f"cannot cast {source} to {target}")
        value = expr.expr.const_value
        if isinstance(value, EnumValue) and value.value is not None:
            value = value.value
        if isinstance(value, int) and isinstance(target, EnumType):
            self._fold_enum_cast(expr, value, target)
        elif isinstance(value, int | bool) and isinstance(target, BitsType | BoolType | IntType):
            self._fold(expr, lambda: fold_cast(value, target))
        elif isinstance(value, int | bool) and isinstance(target, NewType):
            inner = target.base
            self._fold(expr, lambda: fold_cast(value, inner))
        return target

    def _fold_enum_cast(self, expr: ast.Cast, value: int, target: EnumType) -> None:
        assert target.underlying is not None
        value = wrap(value, target.underlying)
        for name, member_value in target.values:
            if member_value == value:
                expr.const_value = EnumValue(target.name, name, value)
                return

    def cast_allowed(self, source: P4Type, target: P4Type) -> bool:
        """The explicit casts of the spec (section 8.11)."""
        if isinstance(source, NewType) and source.base == target:
            return True
        if isinstance(target, NewType):
            # Only from the base type itself (p4c issue3221), or a literal through it.
            return source == target.base or (
                isinstance(source, IntType) and self.cast_allowed(source, target.base)
            )
        if isinstance(source, NewType):
            return self.cast_allowed(source.base, target)
        for bits, struct in ((source, target), (target, source)):
            if isinstance(bits, BitsType) and _is_bit_struct(struct):
                # p4c accepts a struct of bit fields as the bits of its fields, in order
                # (bitvec_cast.p4, bitvec_hdr.p4); the widths must agree.
                return not bits.signed and bits.width == struct.bit_width()
        if isinstance(target, BitsType):
            if isinstance(source, IntType | BoolType):
                return isinstance(source, IntType) or (target.width == 1 and not target.signed)
            if isinstance(source, BitsType):
                return source.signed == target.signed or source.width == target.width
            if isinstance(source, EnumType):
                return source.underlying is not None
            return False
        if isinstance(target, BoolType):
            return isinstance(source, IntType) or source == BitsType(1)
        if isinstance(target, IntType):
            return isinstance(source, BitsType)
        if isinstance(target, EnumType) and target.underlying is not None:
            return isinstance(source, BitsType | IntType) or (
                isinstance(source, EnumType) and source.underlying is not None
            )
        return False

    # --- list and struct literals

    def _list(self, expr: ast.ListExpr, expected: P4Type | None) -> P4Type:
        element_expected: list[P4Type | None] = [None] * len(expr.elements)
        slots: list[P4Type | None]
        if isinstance(expected, ListType):
            slots = [expected.element] * len(expr.elements)
        elif isinstance(expected, TupleType):
            slots = list(expected.elements)
        elif isinstance(expected, StructLikeType) and expected.kind != "header_union":
            slots = [f.type for f in expected.fields]
        else:
            slots = []
            if expr.dots:
                self._needs_context(expr, "a list with '...'", expected)
        if len(slots) == len(expr.elements) or (expr.dots and len(slots) > len(expr.elements)):
            element_expected = slots[: len(expr.elements)]
        types = tuple(
            self.check_value(e, t) for e, t in zip(expr.elements, element_expected, strict=False)
        )
        values = tuple(e.const_value for e in expr.elements)
        if not expr.dots and all(v is not None for v in values):
            expr.const_value = values
        return ListLiteralType(types)

    def _struct_expr(self, expr: ast.StructExpr, expected: P4Type | None) -> P4Type:
        if expr.dots and not isinstance(expected, StructLikeType) and expr.type_ref is None:
            self._needs_context(expr, "a struct expression with '...'", expected)
        names = [n for n, _ in expr.fields]
        for i, name in enumerate(names):
            if name in names[:i]:
                self.fail(expr.fields[i][1], f"duplicate field '{name}' in a struct expression")
        expected_fields = expected if isinstance(expected, StructLikeType) else None
        fields = []
        for name, value in expr.fields:
            hint = expected_fields.field_type(name) if expected_fields else None
            fields.append(StructField(name, self.check_value(value, hint)))
        if expr.type_ref is not None:
            target = self.resolve_type(expr.type_ref)
            expr.type = StructLikeType("struct", "", tuple(fields))
            self.convert(expr, target, "initialize")
            return target
        values = {n: e.const_value for n, e in expr.fields}
        if not expr.dots and all(v is not None for v in values.values()):
            expr.const_value = values
        return StructLikeType("struct", "", tuple(fields))

    # --- values whose type comes from the context (P4_16 1.2.4)

    def _needs_context(self, expr: ast.Expression, what: str, expected: P4Type | None) -> NoReturn:
        if expected is None:
            self.fail(expr, f"cannot infer the type of {what}; add a cast")
        self.fail(expr, f"{what} cannot have type {expected}")

    def _invalid_header(self, expr: ast.InvalidHeaderExpr, expected: P4Type | None) -> P4Type:
        """``{#}`` is an invalid header or header union of the expected type."""
        if isinstance(expected, StructLikeType) and expected.kind != "struct":
            return expected
        self._needs_context(expr, "'{#}' (an invalid header)", expected)

    def _default_value(self, expr: ast.DefaultValueExpr, expected: P4Type | None) -> P4Type:
        """``...``: the default value of the expected type (spec 7.3: zero, false, the first
        enum member, ``error.NoError``, invalid headers)."""
        if isinstance(expected, BitsType | IntType):
            expr.const_value = 0
            return expected
        if isinstance(expected, BoolType):
            expr.const_value = False
            return expected
        if isinstance(expected, ErrorType):
            expr.const_value = ErrorValue("NoError")
            return expected
        if isinstance(expected, EnumType):
            if expected.underlying is None:
                expr.const_value = EnumValue(expected.name, expected.members[0])
            return expected
        if isinstance(
            expected, StructLikeType | HeaderStackType | ArrayType | TupleType | VarbitType
        ):
            return expected
        if isinstance(expected, NewType):
            self._default_value(expr, expected.base)
            return expected
        self._needs_context(expr, "'...' (a default value)", expected)

    # --- l-values

    def check_lvalue(self, expr: ast.Expression, what: str) -> None:
        """``expr`` must denote a writable location (``what`` words the error)."""
        node = expr
        while True:
            if isinstance(node, ast.Member):
                if isinstance(node.expr.type, HeaderStackType) and node.name in (
                    "lastIndex",
                    "nextIndex",
                    "size",
                ):
                    self.fail(expr, f"cannot {what} '{node.name}' of a header stack")
                if isinstance(node.expr, ast.TypeNameExpr):
                    self.fail(expr, f"cannot {what} a constant")
                node = node.expr
            elif isinstance(node, ast.ArrayIndex | ast.Slice):
                node = node.expr
            else:
                break
        if isinstance(node, ast.ThisExpr):
            return
        if not isinstance(node, ast.PathExpr):
            self.fail(expr, f"cannot {what} an expression that is not an l-value")
        decl = node.decl
        if isinstance(decl, ast.VariableDecl):
            if id(decl) in self.ctx.readonly:
                self.fail(expr, f"cannot {what} '{node.name}' here")
            return
        if isinstance(decl, ast.Parameter):
            if decl.direction in (ast.Direction.OUT, ast.Direction.INOUT):
                return
            kind = (
                "an 'in' parameter"
                if decl.direction is ast.Direction.IN
                else "a parameter without direction"
            )
            self.fail(expr, f"cannot {what} '{node.name}': it is {kind}")
        if isinstance(decl, ast.ConstDecl):
            self.fail(expr, f"cannot {what} the constant '{node.name}'")
        self.fail(expr, f"cannot {what} '{node.name}'")


def _is_bit_struct(ty: P4Type) -> bool:
    """A struct whose fields are bit<W>, bool, serializable enums or such structs (p4c's
    ``onlyBitsOrBitStructs``)."""
    if not isinstance(ty, StructLikeType) or ty.kind != "struct" or not ty.fields:
        return False
    return all(
        isinstance(f.type, BitsType | BoolType)
        or (isinstance(f.type, EnumType) and f.type.underlying is not None)
        or _is_bit_struct(f.type)
        for f in ty.fields
    )
