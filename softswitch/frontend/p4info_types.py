"""Pieces of P4Info that p4c derives from types and annotations.

* ``TypeInfoBuilder`` turns semantic types into ``P4DataTypeSpec`` and records the named types it
  meets (structs, headers, unions, enums, serializable enums, ``error``, new types) in
  ``P4Info.type_info``, as p4c's TypeSpecConverter does.
* ``type_width`` / ``type_name`` give the ``bitwidth`` and ``type_name`` of match fields, action
  parameters and packet metadata (``@p4runtime_translation`` types use the controller width).
* ``annotation_strings`` / ``documentation`` render annotations as p4c's ToP4 prints them and
  fill the ``doc`` field from ``@brief`` / ``@description``.
* ``key_name`` derives a match field's name from its key expression (p4c's KeyNameGenerator).
* ``value_bytes`` encodes a value on ``ceil(width / 8)`` big-endian bytes (p4c's stringRepr).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from finsy.proto import p4i, p4t

from softswitch.frontend import ast, types
from softswitch.frontend.diagnostics import CompileError

# Annotations p4c parses into expressions (their arguments print separated by ", "); any other
# annotation keeps its raw tokens, which ToP4 prints separated by single spaces.
_PARSED_ANNOTATIONS = frozenset(
    {
        "name", "noWarn", "deprecated", "controller_header", "brief", "description", "id",
        "max_group_size", "max_member_weight", "selector_size_semantics", "match", "priority",
    }
)  # fmt: skip
_NOT_IN_ANNOTATIONS = frozenset({"name", "id", "brief", "description"})

_TOKEN = re.compile(
    r'"(?:[^"\\]|\\.)*"'  # string literal
    r"|[A-Za-z_$][A-Za-z0-9_$]*"  # identifier
    r"|[0-9][0-9A-Za-z_]*"  # number, with width/base prefixes
    r"|&&&|\|\+\||\|-\||<<|>>|<=|>=|==|!=|&&|\|\||\+\+|\.\."  # multi-character operators
    r"|\S"  # any other single character
)


def annotation_text(anno: ast.Annotation) -> str:
    """``@name(args)`` exactly as p4c prints the annotation into P4Info."""
    if anno.structured:
        if anno.kv:
            body = ", ".join(f"{k}={expression_text(v)}" for k, v in anno.kv.items())
        else:
            body = ", ".join(expression_text(e) for e in anno.exprs)
        return f"@{anno.name}[{body}]"
    if anno.name in _PARSED_ANNOTATIONS and anno.exprs:
        return f"@{anno.name}(" + ", ".join(expression_text(e) for e in anno.exprs) + ")"
    tokens = _TOKEN.findall(anno.body)
    if not tokens:
        return f"@{anno.name}"
    return f"@{anno.name}(" + " ".join(tokens) + ")"


def expression_text(expr: ast.Expression) -> str:
    """Annotation arguments are literals or names; print them as written."""
    if isinstance(expr, ast.StringLiteral):
        escaped = expr.value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    if isinstance(expr, ast.IntLiteral):
        return expr.text or str(expr.value)
    if isinstance(expr, ast.BoolLiteral):
        return "true" if expr.value else "false"
    if isinstance(expr, ast.PathExpr):
        return ("." if expr.is_global else "") + expr.name
    if isinstance(expr, ast.Member):
        return f"{expression_text(expr.expr)}.{expr.name}"
    raise CompileError.at(expr.src, "unsupported expression in an annotation")


def annotation_strings(
    annotated: ast.Annotated | None, skip: Callable[[str], bool] = lambda _: False
) -> list[str]:
    """The ``annotations`` field of a P4Info message: all but @name, @id and documentation."""
    if annotated is None:
        return []
    return [
        annotation_text(a)
        for a in annotated.annotations
        if a.name not in _NOT_IN_ANNOTATIONS and not skip(a.name)
    ]


def _string_argument(anno: ast.Annotation) -> str:
    if len(anno.exprs) == 1 and isinstance(anno.exprs[0], ast.StringLiteral):
        return anno.exprs[0].value
    raise CompileError.at(anno.src, f"@{anno.name} takes one string literal")


def documentation(annotated: ast.Annotated | None) -> p4i.Documentation | None:
    """``doc`` from @brief / @description; None when neither is present (no empty doc)."""
    if annotated is None:
        return None
    doc = p4i.Documentation()
    found = False
    for anno in annotated.annotations:
        if anno.name == "brief":
            doc.brief = _string_argument(anno)
            found = True
        elif anno.name == "description":
            doc.description = _string_argument(anno)
            found = True
    return doc if found else None


def int_annotation(annotated: ast.Annotated, name: str) -> int | None:
    """The integer argument of ``@name(N)`` (e.g. @id, @max_group_size), if present."""
    anno = annotated.annotation(name)
    if anno is None:
        return None
    if len(anno.exprs) == 1:
        value = anno.exprs[0].const_value
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(anno.exprs[0], ast.IntLiteral):
            return anno.exprs[0].value
    raise CompileError.at(anno.src, f"@{name} takes one integer constant")


# --------------------------------------------------------------------------------------------
# Widths and type names


def _translation(ty: types.P4Type) -> ast.Annotation | None:
    if isinstance(ty, types.NewType) and ty.decl is not None:
        return ty.decl.annotation("p4runtime_translation")
    return None


def _translated_width(anno: ast.Annotation) -> int:
    """Width of the controller type of ``@p4runtime_translation("uri", T)``: W for bit<W>, an
    integer literal in older programs, 0 for ``string``."""
    tokens = _TOKEN.findall(anno.body)
    if "," not in tokens:
        raise CompileError.at(anno.src, "@p4runtime_translation needs a URI and a type")
    rest = tokens[tokens.index(",") + 1 :]
    if rest[:2] == ["bit", "<"] and len(rest) >= 3 and rest[2].isdigit():
        return int(rest[2])
    if len(rest) == 1 and rest[0].isdigit():
        return int(rest[0])
    if rest == ["string"]:
        return 0
    raise CompileError.at(anno.src, "@p4runtime_translation type must be bit<W> or string")


def _translation_uri(anno: ast.Annotation) -> str:
    tokens = _TOKEN.findall(anno.body)
    if not tokens or not tokens[0].startswith('"'):
        raise CompileError.at(anno.src, "@p4runtime_translation needs a URI string first")
    return tokens[0][1:-1]


def type_width(ty: types.P4Type, src: ast.SrcInfo = ast.NO_SRC) -> int:
    """The P4Info ``bitwidth`` for a value of type ``ty``."""
    anno = _translation(ty)
    if anno is not None:
        return _translated_width(anno)
    if isinstance(ty, types.ErrorType):
        return 0
    width = ty.bit_width()
    if width is None:
        raise CompileError.at(src, f"type {ty} has no fixed width for the control plane")
    return width


def type_name(ty: types.P4Type) -> str | None:
    """The ``type_name`` P4Info gives to values of user-defined types (``type`` declarations)."""
    if isinstance(ty, types.NewType):
        return _decl_name(ty.decl, ty.name)
    return None


def _decl_name(decl: ast.Declaration | None, fallback: str) -> str:
    name = decl.control_plane_name() if decl is not None else fallback
    return name[1:] if name.startswith(".") else name


# --------------------------------------------------------------------------------------------
# P4DataTypeSpec and type_info


class TypeInfoBuilder:
    """Converts types to ``P4DataTypeSpec`` and records named types in ``type_info``."""

    def __init__(self, type_info: p4t.P4TypeInfo, error_members: Sequence[str] = ()) -> None:
        self.type_info = type_info
        self.error_members = tuple(error_members)  # in numeric-code order

    def spec(self, ty: types.P4Type, src: ast.SrcInfo = ast.NO_SRC) -> p4t.P4DataTypeSpec:
        spec = p4t.P4DataTypeSpec()
        if isinstance(ty, types.BitsType):
            target = spec.bitstring.int if ty.signed else spec.bitstring.bit
            target.bitwidth = ty.width
        elif isinstance(ty, types.VarbitType):
            spec.bitstring.varbit.max_bitwidth = ty.max_width
        elif isinstance(ty, types.BoolType):
            spec.bool.SetInParent()
        elif isinstance(ty, types.ErrorType):
            spec.error.SetInParent()
            self._record_error()
        elif isinstance(ty, types.TupleType):
            spec.tuple.SetInParent()
            for element in ty.elements:
                spec.tuple.members.add().CopyFrom(self.spec(element, src))
        elif isinstance(ty, types.HeaderStackType):
            self._stack(spec, ty)
        elif isinstance(ty, types.StructLikeType):
            name = _decl_name(ty.decl, ty.name)
            {"struct": spec.struct, "header": spec.header, "header_union": spec.header_union}[
                ty.kind
            ].name = name
            self.record(ty, src)
        elif isinstance(ty, types.EnumType):
            name = _decl_name(ty.decl, ty.name)
            (spec.serializable_enum if ty.underlying else spec.enum).name = name
            self.record(ty, src)
        elif isinstance(ty, types.NewType):
            spec.new_type.name = _decl_name(ty.decl, ty.name)
            self.record(ty, src)
        else:
            raise CompileError.at(src, f"type {ty} cannot be exposed to the control plane")
        return spec

    def _stack(self, spec: p4t.P4DataTypeSpec, ty: types.HeaderStackType) -> None:
        name = _decl_name(ty.element.decl, ty.element.name)
        if ty.element.kind == "header_union":
            spec.header_union_stack.header_union.name = name
            spec.header_union_stack.size = ty.size
        else:
            spec.header_stack.header.name = name
            spec.header_stack.size = ty.size
        self.record(ty.element)

    def record(self, ty: types.P4Type, src: ast.SrcInfo = ast.NO_SRC) -> None:
        """Add ``ty`` (and the named types it contains) to ``type_info`` if it is named."""
        info = self.type_info
        if isinstance(ty, types.StructLikeType):
            name = _decl_name(ty.decl, ty.name)
            if ty.kind == "struct" and name not in info.structs:
                entry = p4t.P4StructTypeSpec()
                for f in ty.fields:
                    member = entry.members.add()
                    member.name = field_name(f)
                    member.type_spec.CopyFrom(self.spec(f.type, src))
                info.structs[name].CopyFrom(entry)
            elif ty.kind == "header" and name not in info.headers:
                header = p4t.P4HeaderTypeSpec()
                for f in flattened_fields(ty):
                    field_spec = self.spec(f.type, src)
                    if not field_spec.HasField("bitstring"):
                        raise CompileError.at(src, f"header field {f.name} is not a bit string")
                    hmember = header.members.add()
                    hmember.name = field_name(f)
                    hmember.type_spec.CopyFrom(field_spec.bitstring)
                info.headers[name].CopyFrom(header)
            elif ty.kind == "header_union" and name not in info.header_unions:
                union = p4t.P4HeaderUnionTypeSpec()
                for f in ty.fields:
                    umember = union.members.add()
                    umember.name = field_name(f)
                    umember.header.CopyFrom(self.spec(f.type, src).header)
                info.header_unions[name].CopyFrom(union)
        elif isinstance(ty, types.EnumType):
            self._record_enum(ty)
        elif isinstance(ty, types.NewType):
            self._record_new_type(ty, src)
        elif isinstance(ty, types.ErrorType):
            self._record_error()

    def _record_enum(self, ty: types.EnumType) -> None:
        name = _decl_name(ty.decl, ty.name)
        if ty.underlying is None:
            if name not in self.type_info.enums:
                enum = p4t.P4EnumTypeSpec()
                for member in ty.members:
                    enum.members.add().name = member
                self.type_info.enums[name].CopyFrom(enum)
            return
        if name in self.type_info.serializable_enums:
            return
        ser = p4t.P4SerializableEnumTypeSpec()
        ser.underlying_type.bitwidth = ty.underlying.width
        for member, value in ty.values:
            entry = ser.members.add()
            entry.name = member
            entry.value = value_bytes(value, ty.underlying.width)
        self.type_info.serializable_enums[name].CopyFrom(ser)

    def _record_new_type(self, ty: types.NewType, src: ast.SrcInfo) -> None:
        name = _decl_name(ty.decl, ty.name)
        if name in self.type_info.new_types:
            return
        entry = p4t.P4NewTypeSpec()
        anno = _translation(ty)
        if anno is not None:
            entry.translated_type.uri = _translation_uri(anno)
            width = _translated_width(anno)
            if width:
                entry.translated_type.sdn_bitwidth = width
            else:
                entry.translated_type.sdn_string.SetInParent()
        else:
            # p4c walks the chain of types down to the first non-``type`` one.
            base = ty.base
            while isinstance(base, types.NewType):
                base = base.base
            entry.original_type.CopyFrom(self.spec(base, src))
        self.type_info.new_types[name].CopyFrom(entry)

    def _record_error(self) -> None:
        if not self.type_info.HasField("error"):
            self.type_info.error.members.extend(self.error_members)


def flattened_fields(header: types.StructLikeType) -> tuple[types.StructField, ...]:
    """The header's fields as p4c's FlattenHeader presents them to the control plane: struct
    fields are replaced by their leaves, named ``outer.inner`` (raw names; a nested @name is
    ignored), with the annotations of the enclosing fields merged in (inner ones win)."""
    if not any(isinstance(f.type, types.StructLikeType) for f in header.fields):
        return header.fields
    leaves: list[types.StructField] = []

    def visit(fields: Sequence[types.StructField], path: str, outer: list[ast.Annotation]) -> None:
        for f in fields:
            name = f"{path}.{f.name}" if path else f.name
            merged = [
                *f.annotations,
                *(a for a in outer if all(a.name != b.name for b in f.annotations)),
            ]
            if isinstance(f.type, types.StructLikeType):
                visit(f.type.fields, name, merged)
            else:
                kept = tuple(a for a in merged if a.name != "name")
                leaves.append(types.StructField(name, f.type, kept))

    visit(header.fields, "", [])
    return tuple(leaves)


def field_name(f: types.StructField) -> str:
    """A struct or header field's control-plane name: its @name (a leading "." dropped), else
    its own."""
    for anno in f.annotations:
        if anno.name == "name" and anno.exprs and isinstance(anno.exprs[0], ast.StringLiteral):
            return anno.exprs[0].value.removeprefix(".")
    return f.name


# --------------------------------------------------------------------------------------------
# Match field names and values


def key_name(expr: ast.Expression) -> str:
    """The name p4c gives a key element without @name, from its expression."""
    name = _key_component(expr)
    if name is None:
        raise CompileError.at(expr.src, "complex key expression requires a @name annotation")
    return name


def _key_component(expr: ast.Expression) -> str | None:
    if isinstance(expr, ast.PathExpr):
        return ("." if expr.is_global else "") + expr.name
    if isinstance(expr, ast.Member):
        field = _member_name(expr)
        if field.startswith("."):
            return field[1:]
        base = _key_component(expr.expr)
        return None if base is None else f"{base}.{field}"
    if isinstance(expr, ast.ArrayIndex):
        return _joined(expr.expr, "[", expr.index, "]")
    if isinstance(expr, ast.IntLiteral):
        return _literal_text(expr)
    if isinstance(expr, ast.Slice):
        base = _key_component(expr.expr)
        hi, lo = _key_component(expr.hi), _key_component(expr.lo)
        return None if None in (base, hi, lo) else f"{base}[{hi}:{lo}]"
    if isinstance(expr, ast.Binary) and expr.op is ast.BinaryOp.BAND:
        left, right = _key_component(expr.left), _key_component(expr.right)
        return None if left is None or right is None else f"{left} & {right}"
    if isinstance(expr, ast.MethodCall) and not expr.args:
        method = _key_component(expr.target)
        if method is not None and method.endswith("$valid$"):
            return method
    return None


def _joined(left: ast.Expression, open_: str, right: ast.Expression, close: str) -> str | None:
    lname, rname = _key_component(left), _key_component(right)
    return None if lname is None or rname is None else f"{lname}{open_}{rname}{close}"


def _member_name(expr: ast.Member) -> str:
    base_type = expr.expr.type
    if isinstance(base_type, types.StructLikeType):
        if expr.name == "isValid" and base_type.kind in ("header", "header_union"):
            return "$valid$"
        for f in base_type.fields:
            if f.name == expr.name:
                return field_name(f)
    return expr.name


def _literal_text(lit: ast.IntLiteral) -> str:
    """p4c prints key constants in the base they were written in, without width or sign."""
    digits = lit.text.lower().split("w", 1)[-1].split("s", 1)[-1] if lit.text else ""
    for prefix, base in (("0x", 16), ("0b", 2), ("0o", 8)):
        if digits.startswith(prefix):
            return prefix + _in_base(lit.value, base)
    return str(lit.value)


def _in_base(value: int, base: int) -> str:
    if base == 16:
        return format(value, "x")
    if base == 8:
        return format(value, "o")
    return format(value, "b")


def value_bytes(value: int, width: int) -> bytes:
    """``value`` on ``ceil(width / 8)`` big-endian bytes, two's complement when negative."""
    size = max(1, (width + 7) // 8)
    return (value % (1 << (8 * size))).to_bytes(size, "big")
