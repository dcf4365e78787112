"""Code generation for v1model and core.p4 externs (functions and object methods).

Generated code calls the runtime library objects (``softswitch.runtime.externs``,
``hashes``) bound into the module, and records BMv2 packet-register state (clone,
resubmit, recirculate, digest, truncate) in the per-packet ``PKT`` object, which the
pipeline reads at the end of ingress/egress.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from softswitch.codegen.calls import CallCompiler, call_args
from softswitch.codegen.expr import where
from softswitch.codegen.module import indent
from softswitch.codegen.values import CodegenError, field_attr, strip
from softswitch.frontend import ast
from softswitch.frontend import types as T
from softswitch.runtime.hashes import HashAlgorithm

if TYPE_CHECKING:
    from softswitch.codegen.program import ProgramCompiler

_CSUM_ALGOS = {"csum16", "crc16", "crc32", "identity", "xor16", "crc16_custom", "crc32_custom"}


def _target_extern(mc: ast.MethodCall) -> tuple[str, str, ast.Expression]:
    """(extern type name, method name, object expression) of an extern method call."""
    target = mc.target
    if not isinstance(target, ast.Member):
        raise CodegenError(f"{where(mc)}: extern method call without an object")
    obj_t = strip(target.expr.type)
    if not isinstance(obj_t, T.ExternType):
        raise CodegenError(f"{where(mc)}: {target.name} called on a non-extern ({obj_t})")
    return obj_t.name, target.name, target.expr


def _enum_member(e: ast.Expression | None) -> str:
    value = e.const_value if e is not None else None
    if isinstance(value, T.EnumValue):
        return value.member
    if isinstance(e, ast.Member):
        return e.name
    raise CodegenError(f"{where(e) if e else '?'}: expected a constant enum member")


def _stack_next_ref(hdr: ast.Expression) -> ast.Member | None:
    """The ``hs.next`` an extract writes into, directly or through a union member."""
    for ref in (hdr, hdr.expr if isinstance(hdr, ast.Member) else None):
        if (
            isinstance(ref, ast.Member)
            and ref.name == "next"
            and isinstance(strip(ref.expr.type), T.HeaderStackType)
        ):
            return ref
    return None


def _packed_constant_widths(fields: list[tuple[str, int]]) -> str:
    """``pack_fields`` unrolled into one expression when every width is known at load."""
    total = sum(w for _, w in fields)
    shift = -total % 8  # BMv2 BufBuilder pads the last byte with zero bits
    terms = []
    for value, width in reversed(fields):
        term = f"(({value}) & {(1 << width) - 1:#x})"
        terms.append(f"({term} << {shift})" if shift else term)
        shift += width
    if not terms:
        return "b''"
    return f"({' | '.join(reversed(terms))}).to_bytes({shift >> 3}, 'big')"


class V1ModelExterns:
    def __init__(self, prog: ProgramCompiler) -> None:
        self.prog = prog

    # ---- dispatch

    def statement(self, cc: CallCompiler, mc: ast.MethodCall) -> list[str] | None:
        """Lines for a call used as a statement, or None to use ``expression``."""
        if mc.callee_kind == ast.CalleeKind.EXTERN_METHOD:
            ext, method, obj = _target_extern(mc)
            handler = getattr(self, f"_m_{ext}_{method}", None)
        else:
            decl = mc.callee_decl
            name = decl.name if decl is not None else getattr(mc.target, "name", "")
            handler = getattr(self, f"_f_{name}", None)
            obj = None
        if handler is None:
            return None
        lines: list[str] = handler(cc, mc, obj)
        pre, cc.ex.pre = cc.ex.pre, []
        return pre + lines

    def expression(self, cc: CallCompiler, mc: ast.MethodCall) -> str:
        if mc.callee_kind == ast.CalleeKind.EXTERN_METHOD:
            ext, method, obj = _target_extern(mc)
            handler = getattr(self, f"_e_{ext}_{method}", None)
            if handler is not None:
                return handler(cc, mc, obj)
            what = f"{ext}.{method}"
        else:
            decl = mc.callee_decl
            what = decl.name if decl is not None else "?"
            if what == "static_assert":
                return "True"
        lines = self.statement(cc, mc)
        if lines is None:
            raise CodegenError(f"{where(mc)}: extern {what} is not supported by this target")
        cc.ex.pre.extend(lines)
        return "None"

    # ---- packet_in / packet_out

    def _m_packet_in_extract(
        self, cc: CallCompiler, mc: ast.MethodCall, obj: ast.Expression
    ) -> list[str]:
        args = call_args(mc)
        pk = cc.ex.expr(obj)
        hdr = args[0]
        if hdr is None:
            raise CodegenError(f"{where(mc)}: extract needs a header")
        length = f", {cc.ex.expr(args[1])}" if len(args) > 1 and args[1] is not None else ""
        next_ref = _stack_next_ref(hdr)
        if next_ref is None:
            target = cc.ex.expr(hdr)
            lines = [f"{pk}.pos = {target}._extract({pk}.data, {pk}.pos{length})"]
            return lines + self._union_siblings(cc, hdr)
        # hs.next, or hs.next.member for a stack of header unions: the element is picked
        # once, then the stack is pushed (BMv2 ParserOpExtractStack / ExtractUnionStack).
        element = cc.ex.temp("h")
        target, siblings = element, []
        if hdr is not next_ref:
            assert isinstance(hdr, ast.Member)
            union_t = strip(next_ref.type)
            assert isinstance(union_t, T.StructLikeType)
            target = f"{element}.{field_attr(hdr.name)}"
            siblings = [
                f"{element}.{field_attr(f.name)}._v = False"
                for f in union_t.fields
                if f.name != hdr.name
            ]
        return [
            f"{element} = {cc.ex.expr(next_ref)}",
            f"{pk}.pos = {target}._extract({pk}.data, {pk}.pos{length})",
            f"{cc.ex.expr(next_ref.expr)}.nxt += 1",
            *siblings,
        ]

    @staticmethod
    def _union_siblings(cc: CallCompiler, hdr: ast.Expression) -> list[str]:
        if isinstance(hdr, ast.Member):
            parent_t = strip(hdr.expr.type)
            if isinstance(parent_t, T.StructLikeType) and parent_t.kind == "header_union":
                parent = cc.ex.expr(hdr.expr)
                return [
                    f"{parent}.{field_attr(f.name)}._v = False"
                    for f in parent_t.fields
                    if f.name != hdr.name
                ]
        return []

    def _e_packet_in_lookahead(
        self, cc: CallCompiler, mc: ast.MethodCall, obj: ast.Expression
    ) -> str:
        pk = cc.ex.expr(obj)
        t = strip(mc.type)
        width = t.bit_width()
        if width is None:
            raise CodegenError(f"{where(mc)}: lookahead of {t} has no fixed width")
        too_short = self.prog.layouts.error_code("PacketTooShort")
        raw = f"lookahead({pk}, {width}, {too_short})"
        if isinstance(t, T.StructLikeType) and t.kind != "header":
            # A struct of bit fields: split the bits (p4c's bit structs).
            bits_tmp = cc.ex.temp("la")
            cc.ex.pre.append(f"{bits_tmp} = {raw}")
            return self.prog.layouts.from_bits(bits_tmp, t, width)
        if isinstance(t, T.StructLikeType):
            # A header is built by extracting into a fresh instance without moving.
            cls = self.prog.layouts.class_of(t)
            tmp = cc.ex.temp("la")
            cc.ex.pre += [f"{tmp} = {cls}()", f"{tmp}._extract({pk}.data, {pk}.pos)"]
            return tmp
        if isinstance(t, T.BoolType):
            return f"bool({raw})"
        if isinstance(t, T.BitsType) and t.signed:
            half = 1 << (width - 1)
            return f"(({raw} ^ {half:#x}) - {half:#x})"
        return raw

    def _m_packet_in_advance(
        self, cc: CallCompiler, mc: ast.MethodCall, obj: ast.Expression
    ) -> list[str]:
        pk = cc.ex.expr(obj)
        amount = call_args(mc)[0]
        if amount is None:
            raise CodegenError(f"{where(mc)}: advance needs a bit count")
        too_short = self.prog.layouts.error_code("PacketTooShort")
        invalid_argument = self.prog.layouts.error_code("ParserInvalidArgument")
        bits = cc.ex.temp("adv")
        # BMv2 ParserOpAdvance: a bit count that is not whole bytes is an invalid argument.
        return [
            f"{bits} = {cc.ex.expr(amount)}",
            f"if {bits} & 7:",
            f"    raise ParserReject({invalid_argument})",
            f"if {pk}.pos + {bits} > (len({pk}.data) << 3):",
            f"    raise ParserReject({too_short})",
            f"{pk}.pos += {bits}",
        ]

    def _e_packet_in_length(self, cc: CallCompiler, mc: ast.MethodCall, obj: ast.Expression) -> str:
        return f"len({cc.ex.expr(obj)}.data)"

    def _m_packet_out_emit(
        self, cc: CallCompiler, mc: ast.MethodCall, obj: ast.Expression
    ) -> list[str]:
        arg = call_args(mc)[0]
        if arg is None:
            raise CodegenError(f"{where(mc)}: emit needs an argument")
        parts = f"{cc.ex.expr(obj)}.parts"
        return self._emit(cc.ex.expr(arg), strip(arg.type), parts)

    def _emit(self, src: str, t: T.P4Type, parts: str) -> list[str]:
        if isinstance(t, T.StructLikeType) and t.kind == "header":
            return [f"{src}._emit({parts})"]
        if isinstance(t, T.StructLikeType):
            lines: list[str] = []
            for f in t.fields:
                lines += self._emit(f"{src}.{field_attr(f.name)}", strip(f.type), parts)
            return lines
        if isinstance(t, T.HeaderStackType | T.ArrayType):
            # A stack of headers or of header unions (or an array of them): each in order.
            element = self.prog.module.fresh("e")
            body = self._emit(element, t.element, parts)
            return [f"for {element} in {src}.elems:", *indent(body)]
        raise CodegenError(f"emit of {t} is not supported")

    # ---- stateful objects

    def _obj(self, cc: CallCompiler, obj: ast.Expression) -> str:
        if not isinstance(obj, ast.PathExpr) or obj.decl is None:
            raise CodegenError(f"{where(obj)}: extern objects must be named instances")
        return cc.unit.extern_obj(obj.decl)

    def _m_counter_count(
        self, cc: CallCompiler, mc: ast.MethodCall, obj: ast.Expression
    ) -> list[str]:
        index = call_args(mc)[0]
        assert index is not None
        return [f"{self._obj(cc, obj)}.count({cc.ex.expr(index)}, PKT.ingress_length)"]

    def _m_direct_counter_count(
        self, cc: CallCompiler, mc: ast.MethodCall, obj: ast.Expression
    ) -> list[str]:
        return []  # BMv2 counts direct counters on every table hit

    def _m_meter_execute_meter(
        self, cc: CallCompiler, mc: ast.MethodCall, obj: ast.Expression
    ) -> list[str]:
        index, result = call_args(mc)[:2]
        assert index is not None
        tmp = cc.ex.temp("color")
        return [
            f"{tmp} = {self._obj(cc, obj)}.execute({cc.ex.expr(index)}, PKT.ingress_length)",
            f"if {tmp} is not None:",
            *["    " + line for line in cc.store(result, tmp)],
        ]

    def _m_direct_meter_read(
        self, cc: CallCompiler, mc: ast.MethodCall, obj: ast.Expression
    ) -> list[str]:
        return cc.store(call_args(mc)[0], f"{self._obj(cc, obj)}.color")

    def _m_register_read(
        self, cc: CallCompiler, mc: ast.MethodCall, obj: ast.Expression
    ) -> list[str]:
        result, index = call_args(mc)[:2]
        assert index is not None and result is not None
        current = cc.ex.expr(result)
        value = (
            f"{self._obj(cc, obj)}.read({cc.ex.expr(index)}, {self._to_bits(current, result.type)})"
        )
        return cc.store(result, self._from_bits(value, result.type))

    def _m_register_write(
        self, cc: CallCompiler, mc: ast.MethodCall, obj: ast.Expression
    ) -> list[str]:
        index, value = call_args(mc)[:2]
        assert index is not None and value is not None
        return [
            f"{self._obj(cc, obj)}.write({cc.ex.expr(index)}, {self._to_bits(cc.ex.expr(value), value.type)})"
        ]

    @staticmethod
    def _to_bits(src: str, t: T.P4Type | None) -> str:
        t = strip(t)
        if isinstance(t, T.BoolType):
            return f"int({src})"
        if isinstance(t, T.BitsType) and t.signed:
            return f"({src} & {(1 << t.width) - 1:#x})"
        return src

    @staticmethod
    def _from_bits(src: str, t: T.P4Type | None) -> str:
        t = strip(t)
        if isinstance(t, T.BoolType):
            return f"bool({src})"
        if isinstance(t, T.BitsType) and t.signed:
            half = 1 << (t.width - 1)
            return f"(({src} ^ {half:#x}) - {half:#x})"
        return src

    # ---- extern functions

    def _f_verify(self, cc: CallCompiler, mc: ast.MethodCall, _obj: None) -> list[str]:
        cond, err = call_args(mc)[:2]
        assert cond is not None and err is not None
        return [f"if not {cc.ex.expr(cond)}:", f"    raise ParserReject({cc.ex.expr(err)})"]

    def _f_mark_to_drop(self, cc: CallCompiler, mc: ast.MethodCall, _obj: None) -> list[str]:
        args = call_args(mc)
        sm = cc.ex.expr(args[0]) if args and args[0] is not None else "PKT.sm"
        return [f"{sm}.f_egress_spec = 511", f"{sm}.f_mcast_grp = 0"]

    def _f_random(self, cc: CallCompiler, mc: ast.MethodCall, _obj: None) -> list[str]:
        result, lo, hi = call_args(mc)[:3]
        assert lo is not None and hi is not None
        rng = self.prog.module.bind(self.prog.random_source, "rng")
        return cc.store(result, f"{rng}.random({cc.ex.expr(lo)}, {cc.ex.expr(hi)})")

    def _f_hash(self, cc: CallCompiler, mc: ast.MethodCall, _obj: None) -> list[str]:
        result, algo, base, data, max_ = call_args(mc)[:5]
        assert result is not None and base is not None and data is not None and max_ is not None
        unit = self.prog.hash_unit(self._algorithm(algo, mc), f"hash@{mc.src}")
        width = strip(result.type).bit_width() or 64
        packed = self._packed(cc, data)
        value = f"hash_result({unit}.compute({packed}), {cc.ex.expr(base)}, {cc.ex.expr(max_)}, {width})"
        return cc.store(result, value)

    def _algorithm(self, algo: ast.Expression | None, mc: ast.MethodCall) -> HashAlgorithm:
        member = _enum_member(algo)
        try:
            return HashAlgorithm(member)
        except ValueError:
            raise CodegenError(f"{where(mc)}: unsupported hash algorithm {member!r}") from None

    def _packed(self, cc: CallCompiler, data: ast.Expression, with_payload: bool = False) -> str:
        fields = cc.flatten(data)
        if all(w.isdigit() for _, w in fields):
            packed = _packed_constant_widths([(v, int(w)) for v, w in fields])
        else:
            values = "".join(v + ", " for v, _ in fields)
            widths = "".join(f"{w}, " for _, w in fields)
            packed = f"pack_fields(({values}), ({widths}))"
        return f"({packed} + PKT.checksum_payload)" if with_payload else packed

    def _checksum(
        self, cc: CallCompiler, mc: ast.MethodCall, verify: bool, payload: bool
    ) -> list[str]:
        cond, data, checksum, algo = call_args(mc)[:4]
        assert cond is not None and data is not None and checksum is not None
        algorithm = self._algorithm(algo, mc)
        if algorithm.value not in _CSUM_ALGOS:
            raise CodegenError(f"{where(mc)}: checksum algorithm {algorithm.value} not supported")
        unit = self.prog.hash_unit(algorithm, f"checksum@{mc.src}")
        width = strip(checksum.type).bit_width() or 16
        computed = f"({unit}.compute({self._packed(cc, data, payload)}) & {(1 << width) - 1:#x})"
        if verify:
            return [
                f"if {cc.ex.expr(cond)} and {computed} != {cc.ex.expr(checksum)}:",
                "    PKT.sm.f_checksum_error = 1",
            ]
        return [f"if {cc.ex.expr(cond)}:", *["    " + s for s in cc.store(checksum, computed)]]

    def _e_Checksum16_get(self, cc: CallCompiler, mc: ast.MethodCall, _obj: ast.Expression) -> str:
        """The deprecated v1model ``Checksum16.get(data)``: csum16 of the packed fields."""
        data = call_args(mc)[0]
        assert data is not None
        unit = self.prog.hash_unit(HashAlgorithm("csum16"), f"Checksum16@{mc.src}")
        return f"({unit}.compute({self._packed(cc, data)}) & 0xffff)"

    def _f_verify_checksum(self, cc: CallCompiler, mc: ast.MethodCall, _obj: None) -> list[str]:
        return self._checksum(cc, mc, verify=True, payload=False)

    def _f_verify_checksum_with_payload(
        self, cc: CallCompiler, mc: ast.MethodCall, _obj: None
    ) -> list[str]:
        return self._checksum(cc, mc, verify=True, payload=True)

    def _f_update_checksum(self, cc: CallCompiler, mc: ast.MethodCall, _obj: None) -> list[str]:
        return self._checksum(cc, mc, verify=False, payload=False)

    def _f_update_checksum_with_payload(
        self, cc: CallCompiler, mc: ast.MethodCall, _obj: None
    ) -> list[str]:
        return self._checksum(cc, mc, verify=False, payload=True)

    def _f_digest(self, cc: CallCompiler, mc: ast.MethodCall, _obj: None) -> list[str]:
        args = call_args(mc)
        data = args[1] if len(args) > 1 else None
        if data is None:
            raise CodegenError(f"{where(mc)}: digest needs data")
        t = strip(data.type)
        name = t.name if isinstance(t, T.StructLikeType) else f"digest_{mc.src.line}"
        if isinstance(data, ast.ListExpr | ast.StructExpr) and isinstance(t, T.StructLikeType):
            value = cc.ex._aggregate(data, t)
        else:
            value = cc.ex.value(data)
        # BMv2 sends the field values as they are at the end of ingress (the call only
        # sets the learn id), so the data is read then, through this closure.
        return [f"PKT.digest = ({name!r}, lambda: {value})"]

    def _f_truncate(self, cc: CallCompiler, mc: ast.MethodCall, _obj: None) -> list[str]:
        length = call_args(mc)[0]
        assert length is not None
        return [f"PKT.truncate_to({cc.ex.expr(length)})"]

    def _f_clone(self, cc: CallCompiler, mc: ast.MethodCall, _obj: None) -> list[str]:
        session = call_args(mc)[1]
        assert session is not None
        return [f"PKT.clone_session = {cc.ex.expr(session)}", "PKT.clone_copier = no_copy"]

    def _f_clone3(self, cc: CallCompiler, mc: ast.MethodCall, _obj: None) -> list[str]:
        session, data = call_args(mc)[1:3]
        assert session is not None
        copier = self.prog.field_lists.copier_for_data(cc, data)
        return [f"PKT.clone_session = {cc.ex.expr(session)}", f"PKT.clone_copier = {copier}"]

    def _f_clone_preserving_field_list(
        self, cc: CallCompiler, mc: ast.MethodCall, _obj: None
    ) -> list[str]:
        session, index = call_args(mc)[1:3]
        assert session is not None
        copier = self.prog.field_lists.copier_for_index(self._const_index(index, mc))
        return [f"PKT.clone_session = {cc.ex.expr(session)}", f"PKT.clone_copier = {copier}"]

    def _f_resubmit(self, cc: CallCompiler, mc: ast.MethodCall, _obj: None) -> list[str]:
        args = call_args(mc)
        copier = self.prog.field_lists.copier_for_data(cc, args[0] if args else None)
        return [f"PKT.resubmit_copier = {copier}"]

    def _f_resubmit_preserving_field_list(
        self, cc: CallCompiler, mc: ast.MethodCall, _obj: None
    ) -> list[str]:
        copier = self.prog.field_lists.copier_for_index(self._const_index(call_args(mc)[0], mc))
        return [f"PKT.resubmit_copier = {copier}"]

    def _f_recirculate(self, cc: CallCompiler, mc: ast.MethodCall, _obj: None) -> list[str]:
        args = call_args(mc)
        copier = self.prog.field_lists.copier_for_data(cc, args[0] if args else None)
        return [f"PKT.recirculate_copier = {copier}"]

    def _f_recirculate_preserving_field_list(
        self, cc: CallCompiler, mc: ast.MethodCall, _obj: None
    ) -> list[str]:
        copier = self.prog.field_lists.copier_for_index(self._const_index(call_args(mc)[0], mc))
        return [f"PKT.recirculate_copier = {copier}"]

    @staticmethod
    def _const_index(e: ast.Expression | None, mc: ast.MethodCall) -> int:
        value = e.const_value if e is not None else None
        if isinstance(e, ast.IntLiteral):
            value = e.value
        if not isinstance(value, int):
            raise CodegenError(f"{where(mc)}: field list index must be a compile-time constant")
        return value

    def _f_assert(self, cc: CallCompiler, mc: ast.MethodCall, _obj: None) -> list[str]:
        cond = call_args(mc)[0]
        assert cond is not None
        message = f"assertion at {mc.src} failed"
        return [f"if not {cc.ex.expr(cond)}:", f"    raise AssertionFailed({message!r})"]

    _f_assume = _f_assert

    def _f_log_msg(self, cc: CallCompiler, mc: ast.MethodCall, _obj: None) -> list[str]:
        return []  # BMv2 only writes log_msg to its debug log
