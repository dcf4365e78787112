"""Table apply glue: builds the runtime ``Table`` of every P4 table and its apply function.

The generated apply function computes the key, calls ``Table.apply`` (which updates
direct counters and idle timers), runs the direct meter, then dispatches to the compiled
action with the entry's parameters; it returns ``(hit, action id)`` for
``.hit``/``.miss``/``switch (t.apply().action_run)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from softswitch.codegen.expr import where
from softswitch.codegen.module import indent
from softswitch.codegen.values import CodegenError, storage_width, strip
from softswitch.frontend import ast
from softswitch.frontend import types as T
from softswitch.frontend.p4info_types import key_name
from softswitch.runtime.actions import ActionCall, ActionSpec
from softswitch.runtime.externs import MeterType
from softswitch.runtime.hashes import HashAlgorithm, HashUnit
from softswitch.runtime.profiles import ActionProfile
from softswitch.runtime.tables import (
    ExactMatch,
    FieldMatch,
    KeyField,
    LpmMatch,
    MatchKind,
    RangeMatch,
    Table,
    TernaryMatch,
)

if TYPE_CHECKING:
    from softswitch.codegen.program import ProgramCompiler
    from softswitch.codegen.units import BlockUnit

_KINDS = {k.value: k for k in MatchKind}
# BMv2 priorities (smaller wins) become runtime priorities (larger wins) as BASE - p.
_SMALLER_WINS_BASE = 1 << 30


def qualified(prefix: str, decl: ast.Declaration) -> str:
    """p4c's control-plane name: ``@name(".x")`` is global, else prefixed by the instance."""
    local = decl.control_plane_name()
    if local.startswith("."):
        return local[1:]
    return f"{prefix}.{local}" if prefix else local


def expr_text(e: ast.Expression) -> str:
    """Source-like text of a key expression, as p4c names key fields in P4Info."""
    if isinstance(e, ast.PathExpr):
        return e.name
    if isinstance(e, ast.Member):
        return f"{expr_text(e.expr)}.{e.name}"
    if isinstance(e, ast.ArrayIndex):
        return f"{expr_text(e.expr)}[{expr_text(e.index)}]"
    if isinstance(e, ast.Slice):
        return f"{expr_text(e.expr)}[{expr_text(e.hi)}:{expr_text(e.lo)}]"
    if isinstance(e, ast.IntLiteral):
        return e.text or str(e.value)
    if isinstance(e, ast.MethodCall):
        return f"{expr_text(e.target)}()"
    if isinstance(e, ast.Cast):
        return expr_text(e.expr)
    return key_name(e)  # e.g. `f & 0xff`: P4Info's spelling


def const_int(e: ast.Expression | None, what: str) -> int:
    if e is None:
        raise CodegenError(f"{what}: missing value")
    value = e.const_value
    if value is None and isinstance(e, ast.IntLiteral | ast.BoolLiteral):
        value = e.value
    if isinstance(value, T.EnumValue) and value.value is not None:
        value = value.value
    if isinstance(value, T.ErrorValue):
        raise CodegenError(f"{where(e)}: {what}: error values are not table data")
    if not isinstance(value, int):
        raise CodegenError(f"{where(e)}: {what} must be a compile-time constant")
    return int(value)


def const_bool(e: ast.Expression | None) -> bool | None:
    """A boolean table property (``support_timeout = true``), None when absent or not constant."""
    if e is None:
        return None
    if isinstance(e.const_value, bool):
        return e.const_value
    return e.value if isinstance(e, ast.BoolLiteral) else None


def unsigned(value: int, width: int) -> int:
    return value & ((1 << width) - 1)


class TableCompiler:
    def __init__(self, prog: ProgramCompiler) -> None:
        self.prog = prog

    def action_name(self, unit: BlockUnit, decl: ast.ActionDecl) -> str:
        local = decl in unit.decl.locals
        return qualified(unit.instance.name if local else "", decl)

    def compile_table(self, unit: BlockUnit, decl: ast.TableDecl) -> str:
        prog = self.prog
        name = prog.table_name(unit.instance, decl)
        ex = unit.ex
        match_keys: list[KeyField] = []
        key_sources: list[str] = []
        selector_sources: list[str] = []
        selector_widths: list[int] = []
        key_lines: list[str] = []
        for element in decl.keys:
            t = strip(element.expr.type)
            width = storage_width(t)
            if width is None:
                raise CodegenError(f"{where(element)}: key of type {t} has no fixed width")
            key_lines += ex.pre  # earlier keys' statements keep their order
            ex.pre = []
            source = ex.expr(element.expr)
            if "checked_index(" in source:
                # p4c moves such a key into a temporary assigned from hs[i]: out of range,
                # it holds an undefined value (BMv2: 0) and the table still applies.
                tmp = ex.temp("key")
                pre, ex.pre = ex.pre, []
                key_lines += [
                    "try:",
                    *indent([*pre, f"{tmp} = {source}"]),
                    "except StackIndexOutOfRange:",
                    f"    {tmp} = {'False' if isinstance(t, T.BoolType) else '0'}",
                ]
                source = tmp
            if isinstance(t, T.BoolType):
                source = f"int({source})"
            elif isinstance(t, T.BitsType) and t.signed:
                source = f"({source} & {(1 << width) - 1:#x})"
            if element.match_kind == "selector":
                selector_sources.append(source)
                selector_widths.append(width)
                continue
            kind = _KINDS.get(element.match_kind)
            if kind is None:
                raise CodegenError(f"{where(element)}: unsupported match kind {element.match_kind}")
            anno = element.annotation("name")
            key_name = (
                anno.exprs[0].value
                if anno and anno.exprs and isinstance(anno.exprs[0], ast.StringLiteral)
                else expr_text(element.expr)
            )
            match_keys.append(KeyField(key_name, width, kind))
            key_sources.append(source)

        specs, dispatch, table_only, default_only = self._actions(unit, decl)
        profile = self._profile(unit, decl, specs, selector_widths)
        direct_meter_obj, meter_type = self._direct_meter(unit, decl)
        default = self._default_action(unit, decl, specs)
        size_prop = decl.property("size")
        size = const_int(size_prop.value, "size") if size_prop is not None else 1024
        timeout = decl.property("support_timeout")
        idle = timeout is not None and const_bool(timeout.value) is True
        table = Table(
            name,
            match_keys,
            list(specs.values()),
            default,
            size=max(size, len(decl.entries), 1),
            const_default_action=decl.default_action_const,
            table_only=table_only,
            default_only=default_only,
            profile=profile,
            direct_meter=meter_type,
            clock=prog.clock,
            idle_timeout=idle,
        )
        self._const_entries(unit, decl, table, specs)
        table.immutable_entries = bool(decl.entries) and decl.entries_const
        prog.register_table(name, table, decl)
        counters = decl.property("counters")
        if (
            counters is not None
            and isinstance(counters.value, ast.PathExpr)
            and counters.value.decl is not None
        ):
            prog.bind_direct_counter(unit, counters.value.decl, table)

        table_var = prog.module.bind(table, f"table_{decl.name}")
        dispatch_var = prog.module.fresh(f"dispatch_{decl.name}")
        entries_src = ", ".join(
            f"{a!r}: ({fn_name}, {names!r}, {aid})" for a, (fn_name, names, aid) in dispatch.items()
        )
        prog.module.add(f"{dispatch_var} = {{{entries_src}}}")
        cache_var = prog.module.bind({}, f"args_{decl.name}")
        fn = prog.module.fresh(f"apply_table_{decl.name}")
        key = "(" + "".join(s + ", " for s in key_sources) + ")"
        apply_args = f"{key}, PKT.ingress_length"
        if selector_sources:
            apply_args += ", (" + "".join(s + ", " for s in selector_sources) + ")"
        pre, ex.pre = ex.pre, []
        body = [
            *key_lines,
            *pre,
            f"hit, call, entry = {table_var}.apply({apply_args})",
        ]
        if direct_meter_obj is not None:
            body += [
                f"{direct_meter_obj}.color = entry.meter.execute(PKT.ingress_length) if entry is not None and entry.meter is not None else 0",
            ]
        body += [
            f"c = {cache_var}.get(id(call))",
            "if c is None or c[0] is not call:",
            f"    fn, names, aid = {dispatch_var}[call.name]",
            "    params = call.params",
            "    c = (call, fn, tuple(params[n] for n in names), aid)",
            f"    if len({cache_var}) > 65536:",
            f"        {cache_var}.clear()",
            f"    {cache_var}[id(call)] = c",
            "c[1](fr, *c[2])",
            "return (hit, c[3])",
        ]
        prog.module.add("\n".join([f"def {fn}(fr):", *indent(body)]))
        return fn

    def _actions(
        self, unit: BlockUnit, decl: ast.TableDecl
    ) -> tuple[
        dict[str, ActionSpec], dict[str, tuple[str, tuple[str, ...], int]], list[str], list[str]
    ]:
        specs: dict[str, ActionSpec] = {}
        dispatch: dict[str, tuple[str, tuple[str, ...], int]] = {}
        table_only: list[str] = []
        default_only: list[str] = []
        refs = list(decl.actions)
        default = decl.default_action
        if default is None:
            # P4 (and p4c) give a table without default_action the NoAction default.
            noaction = self.prog.noaction_decl()
            default = ast.ActionRef("NoAction", decl=noaction)
        if all(r.decl is not default.decl for r in refs):
            refs.append(default)
        for ref in refs:
            action = ref.decl
            if action is None:
                raise CodegenError(f"{where(ref)}: unresolved action {ref.name}")
            aname = self.action_name(unit, action)
            bound = len(ref.args)
            cp_params = action.params[bound:]
            for p in cp_params:
                if p.direction != ast.Direction.NONE:
                    raise CodegenError(
                        f"{where(ref)}: action {ref.name} param {p.name} must be bound in the actions list"
                    )
            params = tuple(
                (p.name, (p.type.bit_width() if p.type is not None else None) or 1)
                for p in cp_params
            )
            specs[aname] = ActionSpec(aname, params)
            fn = unit.action_fn(action)
            if bound:
                fn = self._bound_wrapper(unit, ref, fn)
            dispatch[aname] = (fn, tuple(n for n, _ in params), self.prog.action_id(action))
            if ref.annotation("tableonly"):
                table_only.append(aname)
            if ref.annotation("defaultonly"):
                default_only.append(aname)
        return specs, dispatch, table_only, default_only

    def _bound_wrapper(self, unit: BlockUnit, ref: ast.ActionRef, fn: str) -> str:
        """``actions = { a(meta.x) }``: listed arguments are evaluated at call time and
        ``out``/``inout`` ones are copied back, like a direct call."""
        action = ref.decl
        assert action is not None
        wrapper = self.prog.module.fresh(f"bound_{ref.name}")
        ex = unit.ex
        args = []
        for param, arg in zip(action.params, ref.args, strict=False):
            if param.direction == ast.Direction.OUT or arg.expr is None:
                args.append(self.prog.layouts.default(param.type))
            elif param.direction == ast.Direction.INOUT:
                args.append(ex.expr(arg.expr))
            else:
                args.append(ex.value(arg.expr))
        outs = [p for p in action.params if p.direction in (ast.Direction.OUT, ast.Direction.INOUT)]
        body = [f"r = {fn}(fr, {', '.join(args)}, *cp)"]
        bound = dict(zip(action.params, ref.args, strict=False))
        for i, param in enumerate(outs):
            target = bound.get(param)
            if target is not None and target.expr is not None:
                body += ex.assign(target.expr, f"r[{i}]")
        pre, ex.pre = ex.pre, []
        lines = [f"def {wrapper}(fr, *cp):", *indent(pre), *indent(body)]
        self.prog.module.add("\n".join(lines))
        return wrapper

    def _call_of(
        self, unit: BlockUnit, ref: ast.ActionRef, specs: dict[str, ActionSpec]
    ) -> ActionCall:
        action = ref.decl
        if action is None:
            raise CodegenError(f"{where(ref)}: unresolved action {ref.name}")
        aname = self.action_name(unit, action)
        spec = specs.get(aname)
        if spec is None:
            raise CodegenError(f"{where(ref)}: action {aname} is not in the table's actions")
        args = [a.expr for a in ref.args]
        # A default action restates the arguments bound in the actions list; skip those.
        cp_args = args[len(args) - len(spec.params) :] if len(args) > len(spec.params) else args
        if len(cp_args) != len(spec.params):
            raise CodegenError(
                f"{where(ref)}: action {ref.name} needs {len(spec.params)} arguments"
            )
        values = {
            pname: unsigned(const_int(a, f"argument {pname}"), width)
            for (pname, width), a in zip(spec.params, cp_args, strict=True)
        }
        return ActionCall(aname, values)

    def _default_action(
        self, unit: BlockUnit, decl: ast.TableDecl, specs: dict[str, ActionSpec]
    ) -> ActionCall:
        if decl.default_action is not None:
            return self._call_of(unit, decl.default_action, specs)
        return ActionCall("NoAction")

    def _const_entries(
        self, unit: BlockUnit, decl: ast.TableDecl, table: Table, specs: dict[str, ActionSpec]
    ) -> None:
        fields = [k for k in decl.keys if k.match_kind != "selector"]
        priorities = self._entry_priorities(decl) if table.requires_priority else None
        for i, entry in enumerate(decl.entries):
            if len(entry.keys) != len(fields):
                raise CodegenError(
                    f"{where(entry)}: entry has {len(entry.keys)} keys for {len(fields)} fields"
                )
            match: dict[str, FieldMatch] = {}
            for key_expr, kf in zip(entry.keys, table.key_fields, strict=True):
                spec = self._field_match(key_expr, kf)
                if spec is not None:
                    match[kf.name] = spec
            priority = priorities[i] if priorities is not None else 0
            table.add_const_entry(match, self._call_of(unit, entry.action, specs), priority)

    @staticmethod
    def _entry_priorities(decl: ast.TableDecl) -> list[int]:
        """Runtime priorities (larger wins) of the program's entries, as p4c assigns them.

        ``priority = N`` entries follow p4c's EntryPriorities pass (``largest_priority_wins``,
        ``priority_delta``); otherwise BMv2 order applies: the legacy ``@priority(N)``
        annotation or the entry's 1-based position, smaller winning.
        """
        entries = decl.entries
        if not any(e.priority is not None for e in entries):
            bmv2 = []
            for i, entry in enumerate(entries):
                anno = entry.annotation("priority")
                value = anno.exprs[0] if anno is not None and anno.exprs else None
                bmv2.append(const_int(value, "@priority") if value is not None else i + 1)
            return [_SMALLER_WINS_BASE - p for p in bmv2]
        largest = decl.property("largest_priority_wins")
        largest_wins = largest is None or const_bool(largest.value) is not False
        delta_prop = decl.property("priority_delta")
        delta = const_int(delta_prop.value, "priority_delta") if delta_prop is not None else 1
        values: list[int] = []
        current = 0
        for entry in entries:
            if entry.priority is not None:
                current = const_int(entry.priority, "priority")
            values.append(current)
            current = current - delta if largest_wins else current + delta
        if largest_wins:
            return [max(v, 1) for v in values]
        return [_SMALLER_WINS_BASE - v for v in values]

    def _key_value(self, e: ast.Expression, width: int) -> int:
        """A constant key: a number, an error code or a plain enum member's index."""
        value = e.const_value
        if isinstance(value, T.ErrorValue):
            return self.prog.layouts.error_code(value.member)
        enum_t = strip(e.type) if e.type is not None else None
        if (
            isinstance(value, T.EnumValue)
            and value.value is None
            and isinstance(enum_t, T.EnumType)
            and value.member in enum_t.members
        ):
            return enum_t.members.index(value.member)
        return unsigned(const_int(e, "key"), width)

    def _field_match(self, e: ast.Expression, kf: KeyField) -> FieldMatch | None:
        w = kf.width
        if isinstance(e, ast.DefaultExpr | ast.DontCareExpr):
            return None
        if isinstance(e, ast.MaskExpr):
            value = unsigned(const_int(e.value, "key"), w)
            mask = unsigned(const_int(e.mask, "mask"), w)
            if kf.kind is MatchKind.LPM:
                prefix = bin(mask).count("1")
                return LpmMatch(value & mask, prefix)
            return TernaryMatch(value & mask, mask)
        if isinstance(e, ast.RangeExpr):
            return RangeMatch(
                unsigned(const_int(e.lo, "low"), w), unsigned(const_int(e.hi, "high"), w)
            )
        value = self._key_value(e, w)
        if kf.kind is MatchKind.LPM:
            return LpmMatch(value, w)
        if kf.kind is MatchKind.TERNARY:
            return TernaryMatch(value, (1 << w) - 1)
        return ExactMatch(value)

    def _profile(
        self,
        unit: BlockUnit,
        decl: ast.TableDecl,
        specs: dict[str, ActionSpec],
        selector_widths: list[int],
    ) -> ActionProfile | None:
        prop = decl.property("implementation")
        if prop is None or prop.value is None:
            return None
        value = prop.value
        if isinstance(value, ast.PathExpr) and isinstance(value.decl, ast.InstanceDecl):
            child = unit.instance.children.get(value.decl.name)
            if child is None:
                raise CodegenError(f"{where(prop)}: {value.name} was not elaborated")
            name = child.name
            ext = strip(child.type)
            args = child.ctor_args
            type_name = ext.name if isinstance(ext, T.ExternType) else ""
        elif isinstance(value, ast.ConstructorCall):
            name = f"{self.prog.table_name(unit.instance, decl)}_profile"
            type_name = value.type_ref.name if isinstance(value.type_ref, ast.TypeName) else ""
            params = (
                ["algorithm", "size", "outputWidth"] if type_name == "action_selector" else ["size"]
            )
            args = {
                p: (a.expr.const_value if a.expr is not None else None)
                for p, a in zip(params, value.args, strict=False)
            }
        else:
            raise CodegenError(f"{where(prop)}: unsupported implementation")
        existing = self.prog.result.profiles.get(name)
        if existing is not None:
            return existing
        size = args.get("size")
        selector = None
        if type_name == "action_selector":
            algo = args.get("algorithm")
            member = algo.member if isinstance(algo, T.EnumValue) else str(algo)
            selector = HashUnit(HashAlgorithm(member))
        profile = ActionProfile(
            name,
            list(specs.values()),
            int(size) if isinstance(size, int) else 1024,
            selector=selector,
            selector_widths=selector_widths,
        )
        self.prog.result.profiles[name] = profile
        return profile

    def _direct_meter(
        self, unit: BlockUnit, decl: ast.TableDecl
    ) -> tuple[str | None, MeterType | None]:
        prop = decl.property("meters")
        if prop is None or not isinstance(prop.value, ast.PathExpr) or prop.value.decl is None:
            return None, None
        holder_name = unit.extern_obj(prop.value.decl)
        holder = self.prog.module.env[holder_name]
        holder.table_name = self.prog.table_name(unit.instance, decl)
        return holder_name, holder.meter_type
