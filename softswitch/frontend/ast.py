"""The P4_16 abstract syntax tree: what the parser builds and every later pass reads.

The parser fills the syntactic fields. Semantic analysis (``typecheck``) then annotates the
same nodes in place, and that annotated tree is the typed intermediate representation the
executor and the P4Info generator consume:

* every ``Expression.type`` holds its ``types.P4Type``;
* every ``PathExpr.decl`` (and ``TypeName.decl``) points at the declaration it names;
* ``Expression.const_value`` holds the folded value of compile-time-known expressions
  (``int`` for numbers, ``bool``, or a ``types.EnumValue`` / ``types.ErrorValue``);
* ``MethodCall.callee`` says what is called (see ``Callee``).

Nodes compare by identity (``eq=False``) so passes can key dictionaries on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from softswitch.frontend.types import P4Type


@dataclass(frozen=True, slots=True)
class SrcInfo:
    """A position in an original source file (after ``#line`` mapping); line and col are 1-based."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


NO_SRC = SrcInfo("<builtin>", 0, 0)


@dataclass(eq=False, kw_only=True)
class Node:
    src: SrcInfo = NO_SRC


@dataclass(eq=False)
class Annotation(Node):
    """``@name``, ``@name(tokens)`` or ``@name[structured]``.

    ``body`` is the raw text between the delimiters (unstructured annotations keep tokens
    verbatim); ``exprs`` holds the body parsed as a comma-separated expression list when that
    parse succeeds (``@name("x")`` -> ``[StringLiteral("x")]``), otherwise it is empty.
    ``kv`` holds ``key = expr`` pairs of structured annotations.
    """

    name: str
    body: str = ""
    exprs: list[Expression] = field(default_factory=list)
    kv: dict[str, Expression] = field(default_factory=dict)
    structured: bool = False


@dataclass(eq=False, kw_only=True)
class Annotated(Node):
    annotations: list[Annotation] = field(default_factory=list)

    def annotation(self, name: str) -> Annotation | None:
        for anno in self.annotations:
            if anno.name == name:
                return anno
        return None


# --------------------------------------------------------------------------------------------
# Syntactic types


@dataclass(eq=False)
class TypeRef(Node):
    """Base class of types as written in the source."""


@dataclass(eq=False)
class BitTypeRef(TypeRef):
    """``bit<W>`` (signed=False) or ``int<W>`` (signed=True); ``width`` is an expression."""

    width: Expression
    signed: bool = False


@dataclass(eq=False)
class VarbitTypeRef(TypeRef):
    max_width: Expression


@dataclass(eq=False)
class BaseTypeRef(TypeRef):
    """A keyword type: ``bool``, ``int`` (infinite precision), ``string``, ``void``, ``error``,
    ``match_kind``, ``packet_in``/``packet_out`` are *not* here (they are externs in core.p4)."""

    name: str  # "bool" | "int" | "string" | "void" | "error" | "match_kind"


@dataclass(eq=False)
class DontCareTypeRef(TypeRef):
    """``_`` used as a type argument (inferred)."""


@dataclass(eq=False)
class TypeName(TypeRef):
    """A named type, optionally specialized: ``headers_t``, ``.T``, ``register<bit<32>>``."""

    name: str
    type_args: list[TypeRef] = field(default_factory=list)
    is_global: bool = False
    decl: Declaration | None = None  # filled by name resolution


@dataclass(eq=False)
class HeaderStackTypeRef(TypeRef):
    element: TypeRef
    size: Expression


@dataclass(eq=False)
class TupleTypeRef(TypeRef):
    elements: list[TypeRef]


@dataclass(eq=False)
class ListTypeRef(TypeRef):
    """``list<T>`` (P4_16 1.2.4): a compile-time list of any number of ``T`` values."""

    element: TypeRef


# --------------------------------------------------------------------------------------------
# Expressions


@dataclass(eq=False)
class Expression(Node):
    # Filled by semantic analysis; see the module docstring.
    type: P4Type | None = field(default=None, kw_only=True, repr=False)
    const_value: object = field(default=None, kw_only=True, repr=False)


@dataclass(eq=False)
class IntLiteral(Expression):
    """``value`` is the literal's value; ``width``/``signed`` are set for ``8w5`` / ``4s3``."""

    value: int
    width: int | None = None
    signed: bool = False
    text: str = ""


@dataclass(eq=False)
class BoolLiteral(Expression):
    value: bool


@dataclass(eq=False)
class StringLiteral(Expression):
    value: str


@dataclass(eq=False)
class PathExpr(Expression):
    """An identifier (``.x`` sets is_global). ``decl`` is filled by name resolution."""

    name: str
    is_global: bool = False
    decl: Declaration | None = field(default=None, kw_only=True, repr=False)


@dataclass(eq=False)
class TypeNameExpr(Expression):
    """A type used as an expression prefix: ``error.NoError``, ``E.A``, ``bit<8>.minSizeInBits``."""

    type_ref: TypeRef


@dataclass(eq=False)
class Member(Expression):
    """``expr.name``; also ``hdr.stack.next``, ``t.apply().hit``, ``E.A``."""

    expr: Expression
    name: str


@dataclass(eq=False)
class ArrayIndex(Expression):
    expr: Expression
    index: Expression


@dataclass(eq=False)
class Slice(Expression):
    """``expr[hi:lo]``; bounds must be compile-time known."""

    expr: Expression
    hi: Expression
    lo: Expression


class UnaryOp(Enum):
    NOT = "!"
    COMPLEMENT = "~"
    NEG = "-"
    PLUS = "+"


@dataclass(eq=False)
class Unary(Expression):
    op: UnaryOp
    expr: Expression


class BinaryOp(Enum):
    MUL = "*"
    DIV = "/"
    MOD = "%"
    ADD = "+"
    SUB = "-"
    ADD_SAT = "|+|"
    SUB_SAT = "|-|"
    SHL = "<<"
    SHR = ">>"
    LE = "<="
    GE = ">="
    LT = "<"
    GT = ">"
    EQ = "=="
    NE = "!="
    BAND = "&"
    BXOR = "^"
    BOR = "|"
    CONCAT = "++"
    LAND = "&&"
    LOR = "||"


@dataclass(eq=False)
class Binary(Expression):
    op: BinaryOp
    left: Expression
    right: Expression


@dataclass(eq=False)
class Mux(Expression):
    """``cond ? then : else``."""

    cond: Expression
    then: Expression
    otherwise: Expression


@dataclass(eq=False)
class Cast(Expression):
    to: TypeRef
    expr: Expression


@dataclass(eq=False)
class Argument(Node):
    """A call argument; ``name`` is set for named arguments; ``expr`` is None for ``_``."""

    expr: Expression | None
    name: str | None = None


class CalleeKind(Enum):
    """What a ``MethodCall`` invokes; filled by semantic analysis."""

    ACTION = "action"  # an action declared in P4 (callee_decl: ActionDecl)
    FUNCTION = "function"  # a P4 function (callee_decl: FunctionDecl)
    EXTERN_FUNCTION = "extern_function"  # e.g. mark_to_drop, verify_checksum
    EXTERN_METHOD = "extern_method"  # e.g. reg.read, pkt.extract (target: the instance)
    TABLE_APPLY = "table_apply"  # t.apply()
    CONTROL_APPLY = "control_apply"  # c.apply(...) on a control/parser instance
    BUILTIN = "builtin"  # header isValid/setValid/setInvalid, stack push_front/pop_front,
    #                      union isValid, minSizeInBits/maxSizeInBits, etc.


@dataclass(eq=False)
class MethodCall(Expression):
    """``target<type_args>(args)``; ``target`` is a PathExpr or Member."""

    target: Expression
    args: list[Argument] = field(default_factory=list)
    type_args: list[TypeRef] = field(default_factory=list)
    callee_kind: CalleeKind | None = field(default=None, kw_only=True, repr=False)
    # The called declaration (ActionDecl, FunctionDecl, ExternFunctionDecl, MethodDecl,
    # TableDecl, InstanceDecl) or None for builtins; ``builtin`` names the builtin.
    callee_decl: Declaration | None = field(default=None, kw_only=True, repr=False)
    builtin: str | None = field(default=None, kw_only=True, repr=False)
    # Arguments reordered to the callee's parameter order (named args and defaults applied),
    # parallel to the callee's parameter list; None where an optional parameter is absent.
    bound_args: list[Expression | None] | None = field(default=None, kw_only=True, repr=False)


@dataclass(eq=False)
class ConstructorCall(Expression):
    """``T(args)`` creating an instance (in instantiations, package arguments, ``action_selector(...)``)."""

    type_ref: TypeRef
    args: list[Argument] = field(default_factory=list)


@dataclass(eq=False)
class ListExpr(Expression):
    """``{a, b, c}`` (a tuple or a struct/header initializer, decided by context).

    ``dots`` is set for ``{a, ...}`` (P4_16 1.2.4): the remaining fields take default values.
    """

    elements: list[Expression]
    dots: bool = False


@dataclass(eq=False)
class StructExpr(Expression):
    """``{f1 = a, f2 = b}``; ``type_ref`` is set for ``(T){...}``-less typed forms, else None."""

    fields: list[tuple[str, Expression]]
    type_ref: TypeRef | None = None
    dots: bool = False  # ``{f = a, ...}``: the other fields take default values (P4_16 1.2.4)


@dataclass(eq=False)
class DefaultExpr(Expression):
    """``default`` in select cases / keysets."""


@dataclass(eq=False)
class DontCareExpr(Expression):
    """``_`` in keysets, entries and out arguments."""


@dataclass(eq=False)
class MaskExpr(Expression):
    """``value &&& mask`` in keysets and entries."""

    value: Expression
    mask: Expression


@dataclass(eq=False)
class RangeExpr(Expression):
    """``lo .. hi`` in keysets and entries."""

    lo: Expression
    hi: Expression


@dataclass(eq=False)
class ThisExpr(Expression):
    """``this`` inside an abstract method implementation."""


@dataclass(eq=False)
class InvalidHeaderExpr(Expression):
    """``{#}``: an invalid header or header union (P4_16 1.2.4); the type comes from the
    context (a cast, an assignment, an initializer or the other operand of ``==``)."""


@dataclass(eq=False)
class DefaultValueExpr(Expression):
    """``...`` used as a value (P4_16 1.2.4): the default value of the expected type."""


# --------------------------------------------------------------------------------------------
# Statements


@dataclass(eq=False)
class Statement(Annotated):
    pass


@dataclass(eq=False)
class AssignStmt(Statement):
    lhs: Expression
    rhs: Expression


@dataclass(eq=False)
class CallStmt(Statement):
    call: MethodCall


@dataclass(eq=False)
class IfStmt(Statement):
    cond: Expression
    then: Statement
    otherwise: Statement | None = None


@dataclass(eq=False)
class BlockStmt(Statement):
    stmts: list[Statement | VariableDecl | ConstDecl] = field(default_factory=list)


@dataclass(eq=False)
class EmptyStmt(Statement):
    pass


@dataclass(eq=False)
class ExitStmt(Statement):
    pass


@dataclass(eq=False)
class ReturnStmt(Statement):
    value: Expression | None = None


@dataclass(eq=False)
class ForStmt(Statement):
    """``for (init; cond; update) body`` (P4_16 1.2.5). ``init`` holds local variable
    declarations (scoped to the loop), assignments and calls; ``update`` assignments and calls.
    """

    init: list[Statement | VariableDecl]
    cond: Expression
    update: list[Statement]
    body: Statement


@dataclass(eq=False)
class ForInStmt(Statement):
    """``for (T v in collection) body`` (P4_16 1.2.5): ``collection`` is a ``RangeExpr``
    (``lo .. hi``, both ends included), a header stack or a list; ``var`` has no initializer.
    """

    var: VariableDecl
    collection: Expression
    body: Statement


@dataclass(eq=False)
class BreakStmt(Statement):
    pass


@dataclass(eq=False)
class ContinueStmt(Statement):
    pass


@dataclass(eq=False)
class SwitchCase(Node):
    """``label1: label2: { body }``. A label is an expression, an action name (PathExpr) for
    ``switch (t.apply().action_run)``, or ``DefaultExpr``. ``body`` None means fall through."""

    label: Expression
    body: BlockStmt | None


@dataclass(eq=False)
class SwitchStmt(Statement):
    expr: Expression
    cases: list[SwitchCase]


# --------------------------------------------------------------------------------------------
# Declarations


@dataclass(eq=False)
class Declaration(Annotated):
    name: str

    def control_plane_name(self) -> str:
        """The ``@name`` annotation if present, else the declared name."""
        anno = self.annotation("name")
        if anno is not None and anno.exprs and isinstance(anno.exprs[0], StringLiteral):
            return anno.exprs[0].value
        return self.name


class Direction(Enum):
    NONE = ""
    IN = "in"
    OUT = "out"
    INOUT = "inout"


@dataclass(eq=False)
class Parameter(Declaration):
    direction: Direction
    type_ref: TypeRef
    default: Expression | None = None  # default value (``= expr``)
    type: P4Type | None = field(default=None, kw_only=True, repr=False)

    @property
    def optional(self) -> bool:
        return self.annotation("optional") is not None


@dataclass(eq=False)
class TypeParameter(Declaration):
    """A generic type variable (``T`` in ``extern register<T>``)."""


@dataclass(eq=False)
class ConstDecl(Declaration):
    type_ref: TypeRef
    value: Expression
    type: P4Type | None = field(default=None, kw_only=True, repr=False)


@dataclass(eq=False)
class VariableDecl(Declaration):
    type_ref: TypeRef
    init: Expression | None = None
    type: P4Type | None = field(default=None, kw_only=True, repr=False)


@dataclass(eq=False)
class InstanceDecl(Declaration):
    """``T(args) name;`` or ``T(args) name = { abstract method impls };``.

    ``type`` (filled later) is the instantiated extern/parser/control/package type.
    """

    type_ref: TypeRef
    args: list[Argument] = field(default_factory=list)
    initializer: list[Declaration] = field(default_factory=list)
    type: P4Type | None = field(default=None, kw_only=True, repr=False)


@dataclass(eq=False)
class StructField(Annotated):
    name: str
    type_ref: TypeRef


@dataclass(eq=False)
class StructLikeDecl(Declaration):
    fields: list[StructField]
    type_params: list[TypeParameter] = field(default_factory=list)


@dataclass(eq=False)
class HeaderDecl(StructLikeDecl):
    pass


@dataclass(eq=False)
class HeaderUnionDecl(StructLikeDecl):
    pass


@dataclass(eq=False)
class StructDecl(StructLikeDecl):
    pass


@dataclass(eq=False)
class EnumMember(Annotated):
    name: str
    value: Expression | None = None  # for serializable enums


@dataclass(eq=False)
class EnumDecl(Declaration):
    """``enum E {A, B}`` or serializable ``enum bit<8> E {A = 1}`` (underlying set)."""

    members: list[EnumMember]
    underlying: TypeRef | None = None


@dataclass(eq=False)
class ErrorDecl(Declaration):
    """``error { A, B }``; every declaration adds members to the one ``error`` type (name "error")."""

    members: list[EnumMember]


@dataclass(eq=False)
class MatchKindDecl(Declaration):
    """``match_kind { exact, ... }`` (name "match_kind")."""

    members: list[EnumMember]


@dataclass(eq=False)
class TypedefDecl(Declaration):
    type_ref: TypeRef


@dataclass(eq=False)
class NewTypeDecl(Declaration):
    """``type bit<32> T;`` (a distinct type)."""

    type_ref: TypeRef


@dataclass(eq=False)
class FunctionPrototype(Declaration):
    """Signature shared by extern functions, extern methods, functions and abstract methods."""

    return_type: TypeRef
    params: list[Parameter]
    type_params: list[TypeParameter] = field(default_factory=list)


@dataclass(eq=False)
class ExternFunctionDecl(FunctionPrototype):
    pass


@dataclass(eq=False)
class MethodDecl(FunctionPrototype):
    """A method of an extern; ``abstract`` for methods the user implements in an initializer."""

    abstract: bool = False


@dataclass(eq=False)
class ConstructorDecl(Declaration):
    """An extern constructor (its name equals the extern's)."""

    params: list[Parameter]


@dataclass(eq=False)
class ExternDecl(Declaration):
    type_params: list[TypeParameter] = field(default_factory=list)
    methods: list[MethodDecl] = field(default_factory=list)
    constructors: list[ConstructorDecl] = field(default_factory=list)


@dataclass(eq=False)
class FunctionDecl(FunctionPrototype):
    body: BlockStmt = field(default_factory=BlockStmt)


@dataclass(eq=False)
class ActionDecl(Declaration):
    params: list[Parameter]
    body: BlockStmt
    # Extern objects the body instantiates (``E() e;`` is a statement there, as in p4c);
    # they belong to the enclosing control: p4c names them ``<control>.<name>``.
    instances: list[InstanceDecl] = field(default_factory=list)


# --- tables


@dataclass(eq=False)
class KeyElement(Annotated):
    expr: Expression
    match_kind: str  # the match_kind member name: exact, lpm, ternary, range, optional, selector


@dataclass(eq=False)
class ActionRef(Annotated):
    """An entry of a table's ``actions`` list or ``default_action``: ``a`` or ``a(args)``."""

    name: str
    args: list[Argument] = field(default_factory=list)
    is_global: bool = False
    has_parens: bool = False
    decl: ActionDecl | None = field(default=None, kw_only=True, repr=False)


@dataclass(eq=False)
class TableEntry(Annotated):
    """``keyset : action(args)`` inside ``entries``; ``priority`` is the explicit
    ``priority = N`` value, if any."""

    keys: list[Expression]  # one per key element (a single non-tuple keyset is a 1-list)
    action: ActionRef
    priority: Expression | None = None
    is_const: bool = False


@dataclass(eq=False)
class TableProperty(Annotated):
    """Any table property. Well-known ones also have typed fields on TableDecl."""

    name: str
    value: Expression | None = None
    is_const: bool = False


@dataclass(eq=False)
class TableDecl(Declaration):
    keys: list[KeyElement] = field(default_factory=list)
    actions: list[ActionRef] = field(default_factory=list)
    has_actions: bool = False  # whether the table declares an ``actions`` property at all
    default_action: ActionRef | None = None
    default_action_const: bool = False
    entries: list[TableEntry] = field(default_factory=list)
    entries_const: bool = True
    entries_present: bool = False  # whether an ``entries`` property is declared (even empty)
    # Other properties (size, implementation, counters, meters, support_timeout, ...), in order.
    properties: list[TableProperty] = field(default_factory=list)

    def property(self, name: str) -> TableProperty | None:
        for prop in self.properties:
            if prop.name == name:
                return prop
        return None


@dataclass(eq=False)
class ValueSetDecl(Declaration):
    """``value_set<T>(size) name;``"""

    elem_type: TypeRef
    size: Expression


# --- parsers


@dataclass(eq=False)
class SelectCase(Node):
    keyset: Expression  # DefaultExpr, DontCareExpr, MaskExpr, RangeExpr, ListExpr (tuple), expr
    next_state: str


@dataclass(eq=False)
class SelectExpr(Node):
    exprs: list[Expression]
    cases: list[SelectCase]


@dataclass(eq=False)
class ParserState(Declaration):
    stmts: list[Statement | VariableDecl | ConstDecl]
    # Either a state name (direct transition), a SelectExpr, or None (implicit reject).
    transition: str | SelectExpr | None = None


@dataclass(eq=False)
class ParserTypeDecl(Declaration):
    """``parser P<T>(packet_in b, out T h);`` (a prototype, e.g. in v1model.p4)."""

    params: list[Parameter]
    type_params: list[TypeParameter] = field(default_factory=list)


@dataclass(eq=False)
class ControlTypeDecl(Declaration):
    params: list[Parameter]
    type_params: list[TypeParameter] = field(default_factory=list)


@dataclass(eq=False)
class PackageTypeDecl(Declaration):
    params: list[Parameter]  # constructor parameters
    type_params: list[TypeParameter] = field(default_factory=list)


@dataclass(eq=False)
class ParserDecl(Declaration):
    params: list[Parameter]
    ctor_params: list[Parameter] = field(default_factory=list)
    type_params: list[TypeParameter] = field(default_factory=list)
    locals: list[Declaration] = field(default_factory=list)
    states: list[ParserState] = field(default_factory=list)


@dataclass(eq=False)
class ControlDecl(Declaration):
    params: list[Parameter]
    ctor_params: list[Parameter] = field(default_factory=list)
    type_params: list[TypeParameter] = field(default_factory=list)
    locals: list[Declaration] = field(default_factory=list)  # actions, tables, vars, instances
    body: BlockStmt = field(default_factory=BlockStmt)


@dataclass(eq=False)
class Program(Node):
    declarations: list[Declaration]
    # Every source file that contributed, in order (after preprocessing).
    files: list[str] = field(default_factory=list)
