"""Compile-time values P4Info reads straight from declarations: constructor arguments of extern
instances and the types of fields and parameters written in the source (after name
resolution has filled ``TypeName.decl`` and constant folding ``const_value``)."""

from __future__ import annotations

from softswitch.frontend import ast, types
from softswitch.frontend.diagnostics import CompileError


def constant(expr: ast.Expression) -> object:
    """The folded value of ``expr``; integer literals count even before folding."""
    if expr.const_value is not None:
        return expr.const_value
    if isinstance(expr, ast.IntLiteral | ast.BoolLiteral | ast.StringLiteral):
        return expr.value
    return None


def ctor_args(
    extern: ast.ExternDecl | None, args: list[ast.Argument], src: ast.SrcInfo
) -> dict[str, object]:
    """Constructor parameter name -> value for ``extern(args)``."""
    if extern is None:
        raise CompileError.at(src, "cannot resolve the extern being constructed")
    candidates = [c for c in extern.constructors if len(c.params) >= len(args)]
    if not candidates:
        raise CompileError.at(src, f"no constructor of {extern.name} takes {len(args)} arguments")
    params = min(candidates, key=lambda c: len(c.params)).params
    values: dict[str, object] = {}
    for index, arg in enumerate(args):
        if arg.expr is None:
            continue
        name = arg.name if arg.name is not None else params[index].name
        values[name] = constant(arg.expr)
    return values


def resolve_type_ref(ref: ast.TypeRef) -> types.P4Type:
    """The semantic type a declaration's type reference denotes."""
    if isinstance(ref, ast.BitTypeRef):
        return types.BitsType(_width(ref.width), ref.signed)
    if isinstance(ref, ast.VarbitTypeRef):
        return types.VarbitType(_width(ref.max_width))
    if isinstance(ref, ast.BaseTypeRef):
        simple = {"bool": types.BoolType(), "error": types.ErrorType()}.get(ref.name)
        if simple is not None:
            return simple
    if isinstance(ref, ast.HeaderStackTypeRef):
        element = resolve_type_ref(ref.element)
        if isinstance(element, types.StructLikeType):
            return types.HeaderStackType(element, _width(ref.size))
    if isinstance(ref, ast.TupleTypeRef):
        return types.TupleType(tuple(resolve_type_ref(e) for e in ref.elements))
    if isinstance(ref, ast.TypeName) and ref.decl is not None:
        return declared_type(ref.decl, ref.src)
    raise CompileError.at(ref.src, "type cannot be exposed to the control plane")


def declared_type(decl: ast.Declaration, src: ast.SrcInfo) -> types.P4Type:
    """The semantic type a type declaration (header, struct, enum, typedef, type) denotes."""
    if isinstance(decl, ast.TypedefDecl):
        return resolve_type_ref(decl.type_ref)
    if isinstance(decl, ast.NewTypeDecl):
        return types.NewType(decl.name, resolve_type_ref(decl.type_ref), decl)
    if isinstance(decl, ast.StructLikeDecl):
        kind = {ast.HeaderDecl: "header", ast.HeaderUnionDecl: "header_union"}.get(
            type(decl), "struct"
        )
        fields = tuple(
            types.StructField(f.name, resolve_type_ref(f.type_ref), tuple(f.annotations))
            for f in decl.fields
        )
        return types.StructLikeType(kind, decl.name, fields, decl)
    if isinstance(decl, ast.EnumDecl):
        members = tuple(m.name for m in decl.members)
        if decl.underlying is None:
            return types.EnumType(decl.name, members, decl=decl)
        underlying = resolve_type_ref(decl.underlying)
        if not isinstance(underlying, types.BitsType):
            raise CompileError.at(src, "serializable enums must have a bit<W> or int<W> type")
        values = tuple((m.name, _member_value(m)) for m in decl.members)
        return types.EnumType(decl.name, members, underlying, values, decl)
    if isinstance(decl, ast.ErrorDecl):
        return types.ErrorType()
    raise CompileError.at(src, f"'{decl.name}' is not a data type")


def _member_value(member: ast.EnumMember) -> int:
    value = constant(member.value) if member.value is not None else None
    if not isinstance(value, int):
        raise CompileError.at(member.src, f"enum member '{member.name}' needs a constant value")
    return value


def _width(expr: ast.Expression) -> int:
    value = constant(expr)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise CompileError.at(expr.src, "width must be a non-negative compile-time integer")
    return value
