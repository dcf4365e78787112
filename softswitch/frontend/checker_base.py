"""State shared by every part of the type checker: scopes, errors, and turning the types
written in the source (``ast.TypeRef``) into semantic types (``types.P4Type``)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import NoReturn

from softswitch.frontend import ast
from softswitch.frontend.constfold import fits
from softswitch.frontend.diagnostics import CompileError, Diagnostic, Severity
from softswitch.frontend.names import Scope
from softswitch.frontend.types import (
    MAX_WIDTH,
    ArrayType,
    BitsType,
    BoolType,
    ControlType,
    DontCareType,
    EnumType,
    ErrorType,
    ExternType,
    HeaderStackType,
    IntType,
    ListType,
    MatchKindType,
    NewType,
    P4Type,
    PackageType,
    ParserType,
    StringType,
    StructField,
    StructLikeType,
    TupleType,
    TypeVar,
    VarbitType,
    VoidType,
)
from softswitch.frontend.typeutil import subst

# Objects, not values: they cannot be stored in tuples.
_OBJECT_TYPES = (ExternType, ParserType, ControlType, PackageType, VoidType)

_BASE_TYPES: dict[str, P4Type] = {
    "bool": BoolType(),
    "int": IntType(),
    "string": StringType(),
    "void": VoidType(),
    "error": ErrorType(),
    "match_kind": MatchKindType(),
}

GenericDecl = (
    ast.StructLikeDecl
    | ast.ExternDecl
    | ast.ParserTypeDecl
    | ast.ControlTypeDecl
    | ast.PackageTypeDecl
    | ast.ParserDecl
    | ast.ControlDecl
)


@dataclass
class Context:
    """What encloses the code being checked (drives the statement and direction rules)."""

    kind: str = "global"  # "global" | "parser" | "control" | "action" | "function" | "table"
    return_type: P4Type | None = None
    block: ast.Declaration | None = None  # the enclosing parser/control
    this_type: P4Type | None = None  # inside an abstract method implementation
    readonly: set[int] = field(default_factory=set)  # ids of declarations that are not l-values
    in_loop: bool = False  # inside the body of a ``for`` (``break``/``continue`` allowed)


class CheckerBase(ABC):
    def __init__(self) -> None:
        self.scope = Scope(kind="global")
        self.ctx = Context()
        self.error_members: list[str] = []
        self.match_kinds: list[str] = []
        self._type_cache: dict[tuple[int, tuple[P4Type, ...]], P4Type] = {}
        self._resolving: set[int] = set()
        self.warnings: list[Diagnostic] = []

    # --- errors and scopes

    def fail(self, node: ast.Node, message: str) -> NoReturn:
        raise CompileError.at(node.src, message)

    def warn(self, node: ast.Node, message: str) -> None:
        """Where p4c only warns (``[--Wwarn=...]``): the program still compiles."""
        self.warnings.append(Diagnostic(Severity.WARNING, message, node.src))

    @contextmanager
    def scoped(self, kind: str = "block", ctx: Context | None = None) -> Iterator[Scope]:
        saved_scope, saved_ctx = self.scope, self.ctx
        self.scope = self.scope.child(kind)
        if ctx is not None:
            self.ctx = ctx
        try:
            yield self.scope
        finally:
            self.scope, self.ctx = saved_scope, saved_ctx

    def declare_type_params(self, params: list[ast.TypeParameter]) -> None:
        for tp in params:
            self.scope.declare(tp)

    @abstractmethod
    def check_expr(self, expr: ast.Expression, expected: P4Type | None = None) -> P4Type: ...

    def const_int(self, expr: ast.Expression, what: str) -> int:
        """Type-check ``expr`` and return its compile-time known integer value."""
        ty = self.check_expr(expr)
        value = expr.const_value
        if (
            not isinstance(ty, BitsType | IntType)
            or not isinstance(value, int)
            or isinstance(value, bool)
        ):
            self.fail(expr, f"{what} must be a compile-time known integer")
        return value

    # --- type references

    def check_width_limit(self, where: ast.Node, width: int) -> None:
        if width > MAX_WIDTH:
            self.fail(
                where, f"bit widths above {MAX_WIDTH} are not supported (p4c's limit): {width}"
            )

    def resolve_type(self, ref: ast.TypeRef) -> P4Type:
        if isinstance(ref, ast.BitTypeRef):
            width = self.const_int(ref.width, "a bit width")
            if width < (1 if ref.signed else 0):
                self.fail(ref, f"invalid width {width} for {'int' if ref.signed else 'bit'}")
            self.check_width_limit(ref.width, width)
            return BitsType(width, ref.signed)
        if isinstance(ref, ast.VarbitTypeRef):
            width = self.const_int(ref.max_width, "a varbit width")
            if width <= 0:
                self.fail(ref, f"invalid varbit width {width}")
            self.check_width_limit(ref.max_width, width)
            return VarbitType(width)
        if isinstance(ref, ast.BaseTypeRef):
            return _BASE_TYPES[ref.name]
        if isinstance(ref, ast.DontCareTypeRef):
            return DontCareType()
        if isinstance(ref, ast.TupleTypeRef):
            elements = tuple(self.resolve_type(e) for e in ref.elements)
            for element, element_ref in zip(elements, ref.elements, strict=True):
                if isinstance(element, _OBJECT_TYPES):
                    self.fail(element_ref, f"a tuple cannot hold values of type {element}")
            return TupleType(elements)
        if isinstance(ref, ast.ListTypeRef):
            element = self.resolve_type(ref.element)
            if isinstance(element, _OBJECT_TYPES):
                self.fail(ref.element, f"a list cannot hold values of type {element}")
            return ListType(element)
        if isinstance(ref, ast.HeaderStackTypeRef):
            element = self.resolve_type(ref.element)
            if isinstance(element, (*_OBJECT_TYPES, IntType, StringType, DontCareType)):
                self.fail(ref, f"an array cannot hold values of type {element}")
            size = self.const_int(ref.size, "an array size")
            if size <= 0:
                self.fail(ref.size, f"an array size must be positive, not {size}")
            if isinstance(element, StructLikeType) and element.kind != "struct":
                return HeaderStackType(element, size)
            return ArrayType(element, size)
        assert isinstance(ref, ast.TypeName), ref
        return self._resolve_type_name(ref)

    def _resolve_type_name(self, ref: ast.TypeName) -> P4Type:
        found = self.scope.lookup(ref.name, ref.is_global) or []
        # A function sharing its name with a parser or control is not the type.
        decl = next((d for d in found if not isinstance(d, ast.FunctionPrototype)), None)
        decl = decl or (found[0] if found else None)
        if ref.name == "error" and decl is None:
            return ErrorType()
        if decl is None:
            self.fail(ref, f"undeclared type '{ref.name}'")
        ref.decl = decl
        args = tuple(self.resolve_type(a) for a in ref.type_args)
        return self.named_type(decl, args, ref)

    def named_type(
        self, decl: ast.Declaration, args: tuple[P4Type, ...], where: ast.Node
    ) -> P4Type:
        if isinstance(decl, ast.TypeParameter):
            return TypeVar(decl.name, decl)
        if isinstance(decl, ast.TypedefDecl | ast.NewTypeDecl | ast.EnumDecl):
            if args:
                self.fail(where, f"type '{decl.name}' is not generic")
        elif not isinstance(decl, GenericDecl):
            self.fail(where, f"'{decl.name}' is not a type")
        key = (id(decl), args)
        cached = self._type_cache.get(key)
        if cached is not None:
            return cached
        if id(decl) in self._resolving:
            self.fail(where, f"recursive type '{decl.name}'")
        self._resolving.add(id(decl))
        try:
            ty = self._build_named_type(decl, args, where)
        finally:
            self._resolving.discard(id(decl))
        self._type_cache[key] = ty
        return ty

    def _specialization(
        self, decl: GenericDecl, args: tuple[P4Type, ...], where: ast.Node
    ) -> tuple[P4Type, ...]:
        params = decl.type_params
        if not args:
            return tuple(TypeVar(tp.name, tp) for tp in params)
        if len(args) != len(params):
            self.fail(where, f"'{decl.name}' expects {len(params)} type arguments, got {len(args)}")
        return args

    def _build_named_type(
        self, decl: ast.Declaration, args: tuple[P4Type, ...], where: ast.Node
    ) -> P4Type:
        if isinstance(decl, ast.TypedefDecl):
            return self.resolve_type(decl.type_ref)
        if isinstance(decl, ast.NewTypeDecl):
            base = self.resolve_type(decl.type_ref)
            if not isinstance(base, BitsType | BoolType | NewType):
                self.fail(
                    decl,
                    f"'type' can only be applied to base types (bit<W>, int<W>, bool, 'type'), not {base}",
                )
            return NewType(decl.name, base, decl)
        if isinstance(decl, ast.EnumDecl):
            return self._enum_type(decl)
        assert isinstance(decl, GenericDecl)
        targs = self._specialization(decl, args, where)
        if isinstance(decl, ast.StructLikeDecl):
            return self._struct_type(decl, targs)
        if isinstance(decl, ast.ExternDecl):
            return ExternType(decl.name, targs, decl)
        if isinstance(decl, ast.ParserTypeDecl | ast.ParserDecl):
            return ParserType(decl.name, targs, decl)
        if isinstance(decl, ast.ControlTypeDecl | ast.ControlDecl):
            return ControlType(decl.name, targs, decl)
        return PackageType(decl.name, targs, decl)

    def _struct_type(self, decl: ast.StructLikeDecl, targs: tuple[P4Type, ...]) -> StructLikeType:
        kind = {ast.HeaderDecl: "header", ast.HeaderUnionDecl: "header_union"}.get(
            type(decl), "struct"
        )
        mapping = {tp.name: t for tp, t in zip(decl.type_params, targs, strict=False)}
        fields: list[StructField] = []
        seen: set[str] = set()
        varbits = 0
        with self.scoped():
            self.declare_type_params(decl.type_params)
            for f in decl.fields:
                if f.name in seen:
                    self.fail(f, f"duplicate field '{f.name}' in {decl.name}")
                seen.add(f.name)
                fty = subst(self.resolve_type(f.type_ref), mapping)
                self._check_field_type(kind, f, fty)
                self._check_match_annotation(f)
                varbits += isinstance(fty, VarbitType)
                fields.append(StructField(f.name, fty, tuple(f.annotations)))
        if varbits > 1:
            self.fail(decl, f"header {decl.name} has more than one varbit field")
        # Specializations of a generic struct share its name and differ by field types.
        return StructLikeType(kind, decl.name, tuple(fields), decl)

    def _check_match_annotation(self, f: ast.StructField) -> None:
        """``@match(kind)`` on a field (how a value set matches it) names a match_kind."""
        anno = f.annotation("match")
        if anno is None:
            return
        if len(anno.exprs) != 1:
            self.fail(anno, "@match needs exactly one argument")
        if not isinstance(self.check_expr(anno.exprs[0]), MatchKindType):
            self.fail(anno.exprs[0], "@match needs a match_kind")

    def _check_field_type(self, kind: str, f: ast.StructField, fty: P4Type) -> None:
        if kind == "header_union":
            if not (
                (isinstance(fty, StructLikeType) and fty.kind == "header")
                or isinstance(fty, TypeVar)
            ):
                self.fail(f, f"header union fields must be headers, not {fty}")
        elif kind == "header":
            if not _fits_in_header(fty):
                self.fail(f, f"header field '{f.name}' cannot have type {fty}")
        elif isinstance(fty, ExternType | ParserType | ControlType | PackageType | VoidType):
            self.fail(f, f"struct field '{f.name}' cannot have type {fty}")

    def _enum_type(self, decl: ast.EnumDecl) -> EnumType:
        names = [m.name for m in decl.members]
        for i, m in enumerate(decl.members):
            if m.name in names[:i]:
                self.fail(m, f"duplicate enum member '{m.name}' in {decl.name}")
        if decl.underlying is None:
            return EnumType(decl.name, tuple(names), None, (), decl)
        underlying = self.resolve_type(decl.underlying)
        if not isinstance(underlying, BitsType):
            self.fail(
                decl.underlying,
                f"an enum's underlying type must be bit<W> or int<W>, not {underlying}",
            )
        values: list[tuple[str, int]] = []
        for m in decl.members:
            if m.value is None:
                self.fail(m, f"serializable enum member '{m.name}' needs a value")
            value = self.const_int(m.value, "an enum member value")
            if not fits(value, underlying):
                self.fail(m.value, f"value {value} of '{m.name}' does not fit in {underlying}")
            values.append((m.name, value))
        return EnumType(decl.name, tuple(names), underlying, tuple(values), decl)


def _fits_in_header(ty: P4Type) -> bool:
    """Fixed-width scalars, varbits, and structs of those (even empty ones), as p4c allows."""
    if isinstance(ty, StructLikeType):
        return ty.kind == "struct" and all(_fits_in_header(f.type) for f in ty.fields)
    if isinstance(ty, BitsType | VarbitType | BoolType | TypeVar):
        return True
    if isinstance(ty, ArrayType):
        return _fits_in_header(ty.element)  # p4c array1.p4, array3.p4
    return ty.bit_width() is not None and not isinstance(ty, TupleType | HeaderStackType)
