"""Python representation of P4 values and the generated classes for headers and structs.

Representation (chosen so generated code is plain attribute access and int arithmetic):

* ``bit<W>``: a Python int in ``[0, 2**W)``; ``int<W>``: a Python int in two's complement
  range; ``bool``: bool; ``error``: its numeric code; enums: the member's value (serializable)
  or index; ``varbit<N>``: a ``(width, value)`` tuple; tuples: Python tuples.
* headers, structs and header unions: instances of classes generated here with ``__slots__``
  (fields are ``f_<name>``, the header valid bit is ``_v``); header stacks: ``rt.HeaderStack``;
  arrays of other elements: ``rt.P4Array``.
"""

from __future__ import annotations

from softswitch.codegen.module import GeneratedModule, indent
from softswitch.frontend import types as T


class CodegenError(Exception):
    """The program uses something the executor cannot run; the message says what and where."""


def strip(t: T.P4Type | None) -> T.P4Type:
    """The representation type: new types and type definitions are transparent."""
    while isinstance(t, T.NewType):
        t = t.base
    if t is None:
        raise CodegenError("expression without a type (type checker annotation missing)")
    return t


# p4c's BMv2 back end keeps errors and plain enums (EnumOn32Bits) in 32-bit fields.
WORD_WIDTH = 32


def storage_width(t: T.P4Type) -> int | None:
    """Bits a value of type ``t`` takes in BMv2 (table keys, field lists); errors and enums
    without an underlying type take 32."""
    if isinstance(t, T.ErrorType) or (isinstance(t, T.EnumType) and t.underlying is None):
        return WORD_WIDTH
    return t.bit_width()


def field_attr(name: str) -> str:
    return f"f_{name}"


def is_aggregate(t: T.P4Type) -> bool:
    return isinstance(strip(t), T.StructLikeType | T.HeaderStackType | T.ArrayType)


class TypeLayouts:
    """Generates (once per type) the Python class of every header, struct and union."""

    def __init__(self, module: GeneratedModule, error_codes: dict[str, int]) -> None:
        self.module = module
        self.error_codes = error_codes
        self._classes: dict[T.StructLikeType, str] = {}

    def error_code(self, member: str) -> int:
        return self.error_codes.get(member, 0)

    # ---- defaults and constants

    def default(self, t: T.P4Type | None) -> str:
        """Source of a fresh default value (BMv2 zero-initialises everything)."""
        t = strip(t)
        if isinstance(t, T.BoolType):
            return "False"
        if isinstance(t, T.StructLikeType):
            return f"{self.class_of(t)}()"
        if isinstance(t, T.HeaderStackType):
            return f"HeaderStack({self.class_of(t.element)}, {t.size})"
        if isinstance(t, T.ArrayType):
            element = self.default(t.element)
            deep = is_aggregate(t.element)
            elems = f"[{element} for _ in range({t.size})]" if deep else f"[{element}] * {t.size}"
            return f"P4Array({elems}, {deep})"
        if isinstance(t, T.VarbitType):
            return "(0, 0)"
        if isinstance(t, T.TupleType | T.ListLiteralType):
            return "(" + "".join(self.default(e) + ", " for e in t.elements) + ")"
        if isinstance(t, T.StringType):
            return "''"
        return "0"

    def class_of(self, t: T.StructLikeType) -> str:
        name = self._classes.get(t)
        if name is None:
            name = self.module.fresh(f"{t.kind[:3]}_{t.name}")
            self._classes[t] = name
            # Nested types first: a class's __init__ refers to its field classes by name,
            # which only needs them defined before the first instantiation.
            for f in t.fields:
                self._define_classes_in(f.type)
            self.module.add(self._class_source(name, t))
        return name

    def _define_classes_in(self, t: T.P4Type | None) -> None:
        t = strip(t)
        while isinstance(t, T.HeaderStackType | T.ArrayType):
            t = strip(t.element)
        if isinstance(t, T.StructLikeType):
            self.class_of(t)

    # ---- class generation

    def _class_source(self, name: str, t: T.StructLikeType) -> str:
        is_header = t.kind == "header"
        attrs = [field_attr(f.name) for f in t.fields]
        slots = (["_v"] if is_header else []) + attrs
        lines = [f"class {name}:", f"    __slots__ = {tuple(slots)!r}", f"    _P4NAME = {t.name!r}"]
        init = ["def __init__(self):"]
        if is_header:
            init.append("    self._v = False")
        init += [
            f"    self.{a} = {self.default(f.type)}" for a, f in zip(attrs, t.fields, strict=True)
        ]
        if len(init) == 1:
            init.append("    pass")
        lines += indent(init)
        lines += indent(self._copy_source(name, t, attrs, is_header))
        lines += indent(self._eq_source(attrs, is_header))
        lines.append("    __hash__ = None")
        lines += indent(self._mk_source(name, attrs, is_header))
        if is_header:
            lines += indent(self._header_io_source(t))
        if t.kind == "header_union":
            valid = " or ".join(f"self.{a}._v" for a in attrs) or "False"
            lines += indent(["def _any(self):", f"    return {valid}"])
        return "\n".join(lines)

    def _copy_source(
        self, name: str, t: T.StructLikeType, attrs: list[str], is_header: bool
    ) -> list[str]:
        out = ["def _copy(self):", f"    c = {name}.__new__({name})"]
        if is_header:
            out.append("    c._v = self._v")
        for a, f in zip(attrs, t.fields, strict=True):
            suffix = "._copy()" if is_aggregate(f.type) else ""
            out.append(f"    c.{a} = self.{a}{suffix}")
        out.append("    return c")
        return out

    @staticmethod
    def _eq_source(attrs: list[str], is_header: bool) -> list[str]:
        same = " and ".join(f"self.{a} == o.{a}" for a in attrs) or "True"
        if is_header:
            return [
                "def __eq__(self, o):",
                f"    return self._v == o._v and (not self._v or ({same}))",
            ]
        return ["def __eq__(self, o):", f"    return {same}"]

    @staticmethod
    def _mk_source(name: str, attrs: list[str], is_header: bool) -> list[str]:
        """``_mk(*values)``: build from a list/struct expression (a header built so is valid)."""
        params = ", ".join(attrs)
        out = ["@staticmethod", f"def _mk({params}):", f"    c = {name}.__new__({name})"]
        if is_header:
            out.append("    c._v = True")
        out += [f"    c.{a} = {a}" for a in attrs]
        out.append("    return c")
        return out

    def _header_io_source(self, t: T.StructLikeType) -> list[str]:
        """``_extract(data, pos)`` -> new bit position, and ``_emit(parts)``."""
        fields = [(field_attr(f.name), strip(f.type)) for f in t.fields]
        too_short = self.error_code("PacketTooShort")
        if any(isinstance(ft, T.VarbitType) for _, ft in fields):
            return self._varbit_io_source(fields, too_short)
        total = sum(self._width(ft) for _, ft in fields)
        nbytes = (total + 7) >> 3
        out = [
            f"_W = {total}",
            "def _extract(self, data, pos):",
            # BMv2 moves the cursor by whole bytes, even for a header of 41 bits.
            f"    end = pos + {nbytes * 8}",
            "    if end > (len(data) << 3):",
            f"        raise ParserReject({too_short})",
            "    if pos & 7:",
            f"        v = extract_bits(data, pos, {total})",
            "    else:",
            "        s = pos >> 3",
            f"        v = int.from_bytes(data[s:s + {nbytes}], 'big')"
            + (f" >> {nbytes * 8 - total}" if nbytes * 8 != total else ""),
        ]
        shift = total
        pack_terms = []
        for attr, ft in fields:
            w = self._width(ft)
            shift -= w
            raw = f"(v >> {shift}) & {(1 << w) - 1:#x}" if shift else f"v & {(1 << w) - 1:#x}"
            out.append(f"    self.{attr} = {self.from_bits(raw, ft, w)}")
            pack_terms.append(self.to_bits(f"self.{attr}", ft, w, shift))
        out += ["    self._v = True", "    return end"]
        packed = " | ".join(pack_terms) or "0"
        pad = nbytes * 8 - total
        if pad:
            packed = f"(({packed}) << {pad})"
        out += [
            "def _emit(self, parts):",
            "    if self._v:",
            f"        parts.append(({packed}).to_bytes({nbytes}, 'big'))",
        ]
        return out

    def _varbit_io_source(self, fields: list[tuple[str, T.P4Type]], too_short: int) -> list[str]:
        """Headers with a varbit field: the varbit's width comes from the extract call."""
        header_too_short = self.error_code("HeaderTooShort")
        invalid_argument = self.error_code("ParserInvalidArgument")
        fixed = sum(self._width(ft) for _, ft in fields if not isinstance(ft, T.VarbitType))
        max_varbit = sum(ft.max_width for _, ft in fields if isinstance(ft, T.VarbitType))
        # BMv2 extract_VL: whole bytes only, then the packet's length, then the header's.
        out = [
            f"_W = {fixed}",
            "def _extract(self, data, pos, vlen=0):",
            "    if vlen & 7:",
            f"        raise ParserReject({invalid_argument})",
            f"    end = pos + {fixed} + vlen",
            "    if vlen < 0 or end > (len(data) << 3):",
            f"        raise ParserReject({too_short})",
            f"    if vlen > {max_varbit}:",
            f"        raise ParserReject({header_too_short})",
        ]
        for attr, ft in fields:
            if isinstance(ft, T.VarbitType):
                out += [
                    f"    self.{attr} = (vlen, extract_bits(data, pos, vlen))",
                    "    pos += vlen",
                ]
            else:
                w = self._width(ft)
                raw = f"extract_bits(data, pos, {w})"
                out += [f"    self.{attr} = {self.from_bits(raw, ft, w)}", f"    pos += {w}"]
        out += [
            "    self._v = True",
            "    return end",
            "def _emit(self, parts):",
            "    if self._v:",
        ]
        values, widths = [], []
        for attr, ft in fields:
            if isinstance(ft, T.VarbitType):
                values.append(f"self.{attr}[1]")
                widths.append(f"self.{attr}[0]")
            else:
                w = self._width(ft)
                values.append(self.to_bits(f"self.{attr}", ft, w, 0))
                widths.append(str(w))
        out.append(
            f"        parts.append(pack_fields(({', '.join(values)},), ({', '.join(widths)},)))"
        )
        return out

    @staticmethod
    def _width(t: T.P4Type) -> int:
        w = t.bit_width()
        if w is None:
            raise CodegenError(f"header field of type {t} has no fixed width")
        return w

    def from_bits(self, raw: str, t: T.P4Type, width: int) -> str:
        """Source of the value of type ``t`` whose ``width`` bits ``raw`` holds (BMv2
        serialization: struct fields and array elements in order, most significant first)."""
        if isinstance(t, T.BoolType):
            return f"bool({raw})"
        if isinstance(t, T.BitsType) and t.signed:
            half = 1 << (width - 1)
            return f"((({raw}) ^ {half:#x}) - {half:#x})"
        if isinstance(t, T.StructLikeType):  # a struct inside a header: its fields in order
            parts, shift = [], width
            for f in t.fields:
                ft = strip(f.type)
                w = self._width(ft)
                shift -= w
                parts.append(self.from_bits(f"((({raw}) >> {shift}) & {(1 << w) - 1:#x})", ft, w))
            return f"{self.class_of(t)}._mk({', '.join(parts)})"
        if isinstance(t, T.ArrayType):  # an array inside a header: its elements in order
            element = strip(t.element)
            w = self._width(element)
            parts = [
                self.from_bits(
                    f"((({raw}) >> {width - (i + 1) * w}) & {(1 << w) - 1:#x})", element, w
                )
                for i in range(t.size)
            ]
            return f"P4Array([{', '.join(parts)}], {is_aggregate(element)})"
        return raw

    def to_bits(self, value: str, t: T.P4Type, width: int, shift: int) -> str:
        """Source of ``value`` (of type ``t``) as ``width`` unsigned bits, shifted left."""
        if isinstance(t, T.BoolType):
            term = f"int({value})"
        elif isinstance(t, T.BitsType) and t.signed:
            term = f"({value} & {(1 << width) - 1:#x})"
        elif isinstance(t, T.StructLikeType):
            terms, inner = [], width
            for f in t.fields:
                ft = strip(f.type)
                w = self._width(ft)
                inner -= w
                terms.append(self.to_bits(f"{value}.{field_attr(f.name)}", ft, w, inner))
            term = "(" + (" | ".join(terms) or "0") + ")"
        elif isinstance(t, T.ArrayType):
            element = strip(t.element)
            w = self._width(element)
            terms = [
                self.to_bits(f"{value}.elems[{i}]", element, w, width - (i + 1) * w)
                for i in range(t.size)
            ]
            term = "(" + (" | ".join(terms) or "0") + ")"
        else:
            term = value
        return f"({term} << {shift})" if shift else term
