"""Operations on semantic types: substitution of type variables, unification for generic
calls, and the predicates the checker asks about types."""

from __future__ import annotations

from dataclasses import replace

from softswitch.frontend.types import (
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
    ListLiteralType,
    ListType,
    NewType,
    P4Type,
    PackageType,
    ParserType,
    StructField,
    StructLikeType,
    TupleType,
    TypeVar,
    VarbitType,
)


def subst(ty: P4Type, mapping: dict[str, P4Type]) -> P4Type:
    """``ty`` with every bound type variable replaced."""
    if not mapping:
        return ty
    if isinstance(ty, TypeVar):
        return mapping.get(ty.name, ty)
    if isinstance(ty, TupleType):
        return TupleType(tuple(subst(t, mapping) for t in ty.elements))
    if isinstance(ty, ListType):
        return ListType(subst(ty.element, mapping))
    if isinstance(ty, ArrayType):
        return ArrayType(subst(ty.element, mapping), ty.size)
    if isinstance(ty, ListLiteralType):
        return ListLiteralType(tuple(subst(t, mapping) for t in ty.elements))
    if isinstance(ty, HeaderStackType):
        element = subst(ty.element, mapping)
        assert isinstance(element, StructLikeType)
        return HeaderStackType(element, ty.size)
    if isinstance(ty, StructLikeType):
        fields = tuple(
            StructField(f.name, subst(f.type, mapping), f.annotations) for f in ty.fields
        )
        return replace(ty, fields=fields)
    if isinstance(ty, ExternType | ParserType | ControlType | PackageType):
        return replace(ty, type_args=tuple(subst(t, mapping) for t in ty.type_args))
    return ty


def concretize(ty: P4Type) -> P4Type:
    """The type an untyped list literal denotes when nothing else decides: a tuple."""
    if isinstance(ty, ListLiteralType):
        return TupleType(tuple(concretize(t) for t in ty.elements))
    return ty


def unify(param: P4Type, arg: P4Type, bindings: dict[str, P4Type], vars_: set[str]) -> bool:
    """Match ``arg`` against ``param``, binding the type variables named in ``vars_``.

    A binding to ``int`` (an untyped literal) is provisional: a later argument with a
    fixed-width type replaces it. Returns False on a structural mismatch; exact checks of the
    arguments against the specialized parameter types are done afterwards by the caller.
    """
    if isinstance(param, TypeVar) and param.name in vars_:
        bound = bindings.get(param.name)
        if bound is None or (isinstance(bound, IntType) and not isinstance(arg, IntType)):
            if isinstance(arg, DontCareType):
                return True
            bindings[param.name] = concretize(arg)
        return True
    if isinstance(param, TupleType) and isinstance(arg, TupleType | ListLiteralType):
        if len(param.elements) != len(arg.elements):
            return False
        return all(
            unify(p, a, bindings, vars_) for p, a in zip(param.elements, arg.elements, strict=False)
        )
    if isinstance(param, HeaderStackType) and isinstance(arg, HeaderStackType):
        return unify(param.element, arg.element, bindings, vars_)
    if isinstance(param, ArrayType) and isinstance(arg, ArrayType):
        return unify(param.element, arg.element, bindings, vars_)
    if isinstance(param, ListType) and isinstance(arg, ListType):
        return unify(param.element, arg.element, bindings, vars_)
    if isinstance(param, ListType) and isinstance(arg, ListLiteralType):
        return all(unify(param.element, a, bindings, vars_) for a in arg.elements)
    if (
        isinstance(param, ExternType | ParserType | ControlType | PackageType)
        and type(param) is type(arg)
        and param.name == arg.name
    ):
        args = arg.type_args
        if len(param.type_args) != len(args):
            return True
        return all(
            unify(p, a, bindings, vars_) for p, a in zip(param.type_args, args, strict=False)
        )
    if (
        isinstance(param, StructLikeType)
        and isinstance(arg, StructLikeType)
        and param.name == arg.name
        and len(param.fields) == len(arg.fields)
    ):
        return all(
            unify(p.type, a.type, bindings, vars_)
            for p, a in zip(param.fields, arg.fields, strict=False)
        )
    return True


def contains_typevar(ty: P4Type) -> bool:
    if isinstance(ty, TypeVar):
        return True
    if isinstance(ty, TupleType | ListLiteralType):
        return any(contains_typevar(t) for t in ty.elements)
    if isinstance(ty, HeaderStackType | ArrayType | ListType):
        return contains_typevar(ty.element)
    if isinstance(ty, StructLikeType):
        return any(contains_typevar(f.type) for f in ty.fields)
    if isinstance(ty, ExternType | ParserType | ControlType | PackageType):
        return any(contains_typevar(t) for t in ty.type_args)
    return False


def representation(ty: P4Type) -> P4Type:
    """The type values of ``ty`` are represented as: the base of ``type`` declarations and the
    underlying type of serializable enums (what masks, ranges and lpm/ternary keys match)."""
    while True:
        if isinstance(ty, NewType):
            ty = ty.base
        elif isinstance(ty, EnumType) and ty.underlying is not None:
            ty = ty.underlying
        else:
            return ty


def fits_value_set(ty: P4Type) -> bool:
    """``value_set<T>``: fixed-width scalars and structs of them (not ``int``: p4c issue3346)."""
    if isinstance(ty, StructLikeType):
        return ty.kind == "struct" and all(fits_value_set(f.type) for f in ty.fields)
    return ty.bit_width() is not None and not isinstance(ty, TupleType | HeaderStackType)


def is_scalar_key(ty: P4Type) -> bool:
    """Types usable as table keys and select expressions."""
    if isinstance(ty, NewType):
        return is_scalar_key(ty.base)
    return isinstance(ty, BitsType | BoolType | ErrorType | EnumType | IntType | VarbitType)


def size_in_bits(ty: P4Type) -> tuple[int, int] | None:
    """(minimum, maximum) serialized size of ``ty`` in bits, None when it has none
    (what ``minSizeInBits()`` / ``maxSizeInBits()`` answer)."""
    if isinstance(ty, VarbitType):
        return 0, ty.max_width
    if isinstance(ty, NewType):
        return size_in_bits(ty.base)
    if isinstance(ty, HeaderStackType):
        element = size_in_bits(ty.element)
        return None if element is None else (element[0] * ty.size, element[1] * ty.size)
    parts: list[P4Type]
    if isinstance(ty, StructLikeType) and ty.kind != "header_union":
        parts = [f.type for f in ty.fields]
    elif isinstance(ty, TupleType):
        parts = list(ty.elements)
    else:
        width = ty.bit_width()
        return None if width is None else (width, width)
    low = high = 0
    for part in parts:
        sizes = size_in_bits(part)
        if sizes is None:
            return None
        low, high = low + sizes[0], high + sizes[1]
    return low, high
