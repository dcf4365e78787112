"""Semantic P4_16 types, the values of ``Expression.type`` after type checking.

Types are immutable and compare structurally, except that named types (headers, structs,
enums, externs, ...) compare by name and kind: two ``headers_t`` are the same type. The
declaration a named type comes from is kept (``decl``) but does not take part in equality.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from softswitch.frontend import ast


class P4Type:
    """Base of all semantic types."""

    def bit_width(self) -> int | None:
        """Width in bits when the type is fixed-width serializable (bit/int/bool/header/struct of
        such/serializable enum), else None."""
        return None

    def __str__(self) -> str:  # pragma: no cover - overridden
        return type(self).__name__


# Widest bit<W>, int<W> or varbit<W> accepted, as p4c's maximumWidthSupported().
MAX_WIDTH = 2048


@dataclass(frozen=True)
class BitsType(P4Type):
    """``bit<W>`` (signed=False) or ``int<W>`` (signed=True)."""

    width: int
    signed: bool = False

    def bit_width(self) -> int:
        return self.width

    def __str__(self) -> str:
        return f"{'int' if self.signed else 'bit'}<{self.width}>"


@dataclass(frozen=True)
class VarbitType(P4Type):
    max_width: int

    def __str__(self) -> str:
        return f"varbit<{self.max_width}>"


@dataclass(frozen=True)
class BoolType(P4Type):
    def bit_width(self) -> int:
        return 1

    def __str__(self) -> str:
        return "bool"


@dataclass(frozen=True)
class IntType(P4Type):
    """``int``: infinite-precision integer (literals without width, compile-time values)."""

    def __str__(self) -> str:
        return "int"


@dataclass(frozen=True)
class StringType(P4Type):
    def __str__(self) -> str:
        return "string"


@dataclass(frozen=True)
class VoidType(P4Type):
    def __str__(self) -> str:
        return "void"


@dataclass(frozen=True)
class ErrorType(P4Type):
    """The single ``error`` type; its members are the union of all ``error {}`` declarations."""

    def __str__(self) -> str:
        return "error"


@dataclass(frozen=True)
class MatchKindType(P4Type):
    def __str__(self) -> str:
        return "match_kind"


@dataclass(frozen=True)
class DontCareType(P4Type):
    """The type of ``_`` and ``default`` in keysets: matches anything."""

    def __str__(self) -> str:
        return "_"


@dataclass(frozen=True)
class TypeVar(P4Type):
    """An unbound generic type parameter."""

    name: str
    decl: ast.TypeParameter | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class StructField:
    name: str
    type: P4Type
    annotations: tuple[ast.Annotation, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class StructLikeType(P4Type):
    """A header, header_union or struct (kind says which), possibly a generic specialization."""

    kind: str  # "header" | "header_union" | "struct"
    name: str
    fields: tuple[StructField, ...]
    decl: ast.StructLikeDecl | None = field(default=None, compare=False, repr=False)

    def field_type(self, name: str) -> P4Type | None:
        for f in self.fields:
            if f.name == name:
                return f.type
        return None

    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def bit_width(self) -> int | None:
        if self.kind == "header_union":
            return None
        total = 0
        for f in self.fields:
            w = f.type.bit_width()
            if w is None:
                return None
            total += w
        return total

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class HeaderStackType(P4Type):
    element: StructLikeType
    size: int

    def __str__(self) -> str:
        return f"{self.element}[{self.size}]"


@dataclass(frozen=True)
class ArrayType(P4Type):
    """``T[N]`` of any other element type (bits, structs, tuples, arrays ...): p4c's
    generalization of header stacks; it serializes as its elements in order."""

    element: P4Type
    size: int

    def bit_width(self) -> int | None:
        width = self.element.bit_width()
        return None if width is None else width * self.size

    def __str__(self) -> str:
        return f"{self.element}[{self.size}]"


@dataclass(frozen=True)
class TupleType(P4Type):
    elements: tuple[P4Type, ...]

    def bit_width(self) -> int | None:
        total = 0
        for t in self.elements:
            w = t.bit_width()
            if w is None:
                return None
            total += w
        return total

    def __str__(self) -> str:
        return "tuple<" + ", ".join(map(str, self.elements)) + ">"


@dataclass(frozen=True)
class ListType(P4Type):
    """``list<T>``: compile-time known lists of ``T``, any length (P4_16 1.2.4)."""

    element: P4Type

    def __str__(self) -> str:
        return f"list<{self.element}>"


@dataclass(frozen=True)
class ListLiteralType(P4Type):
    """The type of an untyped ``{a, b}`` before context decides tuple/struct/header."""

    elements: tuple[P4Type, ...]

    def __str__(self) -> str:
        return "{" + ", ".join(map(str, self.elements)) + "}"


@dataclass(frozen=True)
class EnumType(P4Type):
    """``enum E {...}``; serializable when ``underlying`` is set (then ``values`` maps
    member -> integer value)."""

    name: str
    members: tuple[str, ...]
    underlying: BitsType | None = None
    values: tuple[tuple[str, int], ...] = ()
    decl: ast.EnumDecl | None = field(default=None, compare=False, repr=False)

    def bit_width(self) -> int | None:
        return self.underlying.width if self.underlying else None

    def value_of(self, member: str) -> int | None:
        return dict(self.values).get(member)

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class NewType(P4Type):
    """``type T base;``: a distinct type represented as ``base``."""

    name: str
    base: P4Type
    decl: ast.NewTypeDecl | None = field(default=None, compare=False, repr=False)

    def bit_width(self) -> int | None:
        return self.base.bit_width()

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class ExternType(P4Type):
    """An extern object type, specialized: ``register<bit<32>>``."""

    name: str
    type_args: tuple[P4Type, ...] = ()
    decl: ast.ExternDecl | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        if not self.type_args:
            return self.name
        return f"{self.name}<{', '.join(map(str, self.type_args))}>"


@dataclass(frozen=True)
class ParserType(P4Type):
    """A parser type (prototype or declared parser), specialized."""

    name: str
    type_args: tuple[P4Type, ...] = ()
    decl: ast.ParserDecl | ast.ParserTypeDecl | None = field(
        default=None, compare=False, repr=False
    )

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class ControlType(P4Type):
    name: str
    type_args: tuple[P4Type, ...] = ()
    decl: ast.ControlDecl | ast.ControlTypeDecl | None = field(
        default=None, compare=False, repr=False
    )

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class PackageType(P4Type):
    name: str
    type_args: tuple[P4Type, ...] = ()
    decl: ast.PackageTypeDecl | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class TableType(P4Type):
    """The type of a table name used as an object (``t.apply()``)."""

    name: str
    decl: ast.TableDecl | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        return f"table {self.name}"


@dataclass(frozen=True)
class ApplyResultType(P4Type):
    """The result of ``t.apply()``: fields ``hit``, ``miss`` and ``action_run``."""

    table: str
    decl: ast.TableDecl | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        return f"apply_result({self.table})"


@dataclass(frozen=True)
class ActionEnumType(P4Type):
    """The type of ``t.apply().action_run``: an enum of the table's action names."""

    table: str
    actions: tuple[str, ...]

    def __str__(self) -> str:
        return f"action_list({self.table})"


@dataclass(frozen=True)
class SetType(P4Type):
    """A keyset: ``a &&& m``, ``a .. b``, a value set, ``default``."""

    element: P4Type

    def __str__(self) -> str:
        return f"set<{self.element}>"


@dataclass(frozen=True)
class ActionType(P4Type):
    name: str
    decl: ast.ActionDecl | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        return f"action {self.name}"


@dataclass(frozen=True)
class FunctionType(P4Type):
    """A callable: function, extern function or extern method (after specialization)."""

    return_type: P4Type
    param_types: tuple[P4Type, ...]

    def __str__(self) -> str:
        return f"({', '.join(map(str, self.param_types))}) -> {self.return_type}"


# --- compile-time values (``Expression.const_value``)


@dataclass(frozen=True)
class EnumValue:
    enum: str
    member: str
    value: int | None = None  # serializable enums only


@dataclass(frozen=True)
class ErrorValue:
    member: str


@dataclass(frozen=True)
class MatchKindValue:
    member: str
