"""P4Info for a checked v1model program, identical to what p4c (p4c-bm2-ss) emits.

p4c builds P4Info from its front-end output: sub-controls and sub-parsers are inlined into the
controls the package instantiates, each control keeps only the actions its tables use (global
actions such as ``NoAction`` are copied to the front of every control using them), and unused
tables are dropped. It then visits the evaluated blocks breadth first: the package arguments in
parameter order (their actions, digests and value sets), then everything they contain in
declaration order (tables and extern instances). Repeated fields come out in that order; IDs
and aliases come from ``p4info_ids``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from finsy.proto import p4i
from google.protobuf import json_format, text_format

from softswitch.frontend import ast, types
from softswitch.frontend.diagnostics import CompileError
from softswitch.frontend.p4info_ids import SymbolTable, allocate_field_ids
from softswitch.frontend.p4info_types import (
    TypeInfoBuilder,
    annotation_strings,
    documentation,
    int_annotation,
    key_name,
    type_name,
    type_width,
    value_bytes,
)
from softswitch.frontend.p4info_values import ctor_args, resolve_type_ref

P = p4i.P4Ids
_DEFAULT_TABLE_SIZE = 1024  # v1model's default, as p4c
_MATCH_TYPES = {
    "exact": p4i.MatchField.EXACT,
    "lpm": p4i.MatchField.LPM,
    "ternary": p4i.MatchField.TERNARY,
    "range": p4i.MatchField.RANGE,
    "optional": p4i.MatchField.OPTIONAL,
}
_COUNTER_UNITS = {
    "packets": p4i.CounterSpec.PACKETS,
    "bytes": p4i.CounterSpec.BYTES,
    "packets_and_bytes": p4i.CounterSpec.BOTH,
}
_METER_UNITS = {"packets": p4i.MeterSpec.PACKETS, "bytes": p4i.MeterSpec.BYTES}
_EXTERN_KINDS = {
    "counter": P.COUNTER,
    "direct_counter": P.DIRECT_COUNTER,
    "meter": P.METER,
    "direct_meter": P.DIRECT_METER,
    "action_profile": P.ACTION_PROFILE,
    "action_selector": P.ACTION_PROFILE,
    "register": P.REGISTER,
}
_PROFILE_ANNOTATIONS = frozenset({"max_group_size", "selector_size_semantics", "max_member_weight"})
_TEXT_SUFFIXES = (".txt", ".txtpb", ".pb.txt", ".textproto")
_BINARY_SUFFIXES = (".bin", ".pb", ".binpb")
_TEXT_HEADER = "# proto-file: p4/config/v1/p4info.proto\n# proto-message: p4.config.v1.P4Info\n\n"


class InstanceLike(Protocol):
    """What P4Info needs of ``elaborate.Instance``."""

    @property
    def name(self) -> str: ...
    @property
    def decl(self) -> ast.InstanceDecl | None: ...
    @property
    def type(self) -> types.P4Type: ...
    @property
    def block_decl(self) -> ast.Declaration: ...
    @property
    def ctor_args(self) -> Mapping[str, object]: ...
    @property
    def children(self) -> Mapping[str, InstanceLike]: ...


class CheckedProgramLike(Protocol):
    """What P4Info needs of ``elaborate.CheckedProgram``."""

    @property
    def program(self) -> ast.Program: ...
    @property
    def main(self) -> InstanceLike: ...
    @property
    def package_args(self) -> Mapping[str, InstanceLike]: ...
    @property
    def errors(self) -> Mapping[str, int]: ...


# --------------------------------------------------------------------------------------------
# What the walk collects


@dataclass
class _Table:
    name: str
    decl: ast.TableDecl
    owner: str  # fully qualified name of the control declaring the table
    block: ast.ControlDecl


@dataclass
class _Extern:
    """An extern instance: declared (``decl`` set) or constructed in a table property."""

    name: str
    extern: str  # extern type name: counter, register, action_selector, ...
    args: dict[str, object]
    type: types.P4Type | None
    annotated: ast.Annotated | None
    src: ast.SrcInfo
    table: str | None = None  # direct resources and in-place profiles belong to a table
    explicit_id: int | None = None


@dataclass
class _Collected:
    tables: list[_Table] = field(default_factory=list)
    actions: list[tuple[str, ast.ActionDecl]] = field(default_factory=list)
    # Declared extern instances and per-table resources, interleaved in visiting order.
    externs: list[_Extern | _Table] = field(default_factory=list)
    value_sets: list[tuple[str, ast.ValueSetDecl]] = field(default_factory=list)
    digests: list[tuple[str, types.P4Type, ast.SrcInfo]] = field(default_factory=list)
    headers: list[ast.HeaderDecl] = field(default_factory=list)
    calls_extern_functions: bool = False


_REFERENCE_FIELDS = frozenset({"decl", "callee_decl", "type", "const_value", "bound_args"})


def _walk_nodes(node: object) -> Iterator[ast.Node]:
    """Every node below ``node`` (syntax children only, not resolved references)."""
    if isinstance(node, ast.Node):
        yield node
        for f in dataclasses.fields(node):
            if f.name not in _REFERENCE_FIELDS:
                yield from _walk_nodes(getattr(node, f.name))
    elif isinstance(node, list | tuple):
        for item in node:
            yield from _walk_nodes(item)
    elif isinstance(node, dict):
        for item in node.values():
            yield from _walk_nodes(item)


def _calls(node: object) -> Iterator[ast.MethodCall]:
    return (n for n in _walk_nodes(node) if isinstance(n, ast.MethodCall))


def _qualify(owner: str, decl: ast.Declaration | ast.Annotated, local: str) -> str:
    """p4c's hierarchical names: ``@name(".x")`` is global, anything else is owner-relative."""
    anno = decl.annotation("name")
    if anno is not None and anno.exprs and isinstance(anno.exprs[0], ast.StringLiteral):
        local = anno.exprs[0].value
    if local.startswith("."):
        return local[1:]
    return f"{owner}.{local}" if owner else local


def _global_name(decl: ast.Declaration) -> str:
    return _qualify("", decl, decl.name)


class _Walker:
    """Visits the program as p4c's serializer does and fills a ``_Collected``."""

    def __init__(self, checked: CheckedProgramLike) -> None:
        self.checked = checked
        self.out = _Collected()
        self._seen_actions: set[str] = set()
        self._digest_names: dict[int, str] = {}

    def run(self) -> _Collected:
        program = self.checked.program
        for decl in program.declarations:
            if isinstance(decl, ast.InstanceDecl) and decl.name != self.checked.main.name:
                self._declared_extern("", decl, None)
        blocks = list(self.checked.package_args.values())
        for inst in blocks:
            self._control_level(inst)
        for inst in blocks:
            self._contents(inst)
        self.out.headers = [
            d
            for d in program.declarations
            if isinstance(d, ast.HeaderDecl) and d.annotation("controller_header") is not None
        ]
        return self.out

    # --- level 1: actions, digests and value sets of each package argument

    def _control_level(self, inst: InstanceLike) -> None:
        block = inst.block_decl
        if isinstance(block, ast.ParserDecl):
            for owner, decl in self._flat_locals(inst):
                if isinstance(decl, ast.ValueSetDecl):
                    self.out.value_sets.append((_qualify(owner.name, decl, decl.name), decl))
            return
        if not isinstance(block, ast.ControlDecl):
            return
        actions = self._control_actions(inst)
        for name, decl in actions:
            if name not in self._seen_actions:
                self._seen_actions.add(name)
                self.out.actions.append((name, decl))
        for _, decl in actions:
            self._scan_extern_calls(decl.body, set())
        for sub in self._sub_blocks(inst):
            self._scan_extern_calls(sub.body, set())

    def _control_actions(self, inst: InstanceLike) -> list[tuple[str, ast.ActionDecl]]:
        """Actions the control's applied tables use: its global ones first, then locals in
        declaration order with inlined sub-controls in place."""
        block = inst.block_decl
        assert isinstance(block, ast.ControlDecl)
        used = [ref.decl for t in self._applied_tables(block) for ref in _table_refs(t)]
        used_ids = {id(d) for d in used if d is not None}
        local_ids = {id(d) for d in block.locals}
        result: list[tuple[str, ast.ActionDecl]] = []
        for decl in used:
            if decl is not None and id(decl) not in local_ids:
                entry = (_global_name(decl), decl)
                if entry[0] not in (n for n, _ in result):
                    result.append(entry)
        for local in block.locals:
            if isinstance(local, ast.ActionDecl) and id(local) in used_ids:
                result.append((_qualify(inst.name, local, local.name), local))
            elif isinstance(local, ast.InstanceDecl):
                child = self._inlined(inst, local)
                if child is not None:
                    result.extend(self._control_actions(child))
        return result

    def _scan_extern_calls(self, body: ast.Node, visiting: set[int]) -> None:
        """Digests and other extern function calls, following direct action/function calls
        (p4c inlines those before generating P4Info)."""
        for call in _calls(body):
            callee = call.callee_decl
            if call.callee_kind is ast.CalleeKind.EXTERN_FUNCTION:
                self.out.calls_extern_functions = True
                if callee is not None and callee.name == "digest":
                    self._digest(call)
            elif (
                call.callee_kind in (ast.CalleeKind.ACTION, ast.CalleeKind.FUNCTION)
                and isinstance(callee, ast.ActionDecl | ast.FunctionDecl)
                and id(callee) not in visiting
            ):
                self._scan_extern_calls(callee.body, visiting | {id(callee)})

    def _digest(self, call: ast.MethodCall) -> None:
        data = call.bound_args[1] if call.bound_args and len(call.bound_args) > 1 else None
        if data is None and len(call.args) > 1:
            data = call.args[1].expr
        data_type = data.type if data is not None else None
        if data_type is None:
            raise CompileError.at(call.src, "digest data has no type")
        explicit = call.type_args[0] if call.type_args else None
        if isinstance(explicit, ast.TypeName) and explicit.decl is not None:
            name = _global_name(explicit.decl)
        elif isinstance(data_type, types.StructLikeType):
            name = _global_name(data_type.decl) if data_type.decl else data_type.name
        else:
            # p4c names digests of unnamed types digest_0, digest_1, ... per call site.
            name = self._digest_names.setdefault(id(call), f"digest_{len(self._digest_names)}")
        if all(name != n for n, _, _ in self.out.digests):
            self.out.digests.append((name, data_type, call.src))

    # --- level 2: tables and extern instances, in declaration order

    def _contents(self, inst: InstanceLike) -> None:
        for owner, decl in self._flat_locals(inst):
            if isinstance(decl, ast.TableDecl) and isinstance(owner.block_decl, ast.ControlDecl):
                if id(decl) in {id(t) for t in self._applied_tables(owner.block_decl)}:
                    table = _Table(
                        _qualify(owner.name, decl, decl.name), decl, owner.name, owner.block_decl
                    )
                    self.out.tables.append(table)
                    self.out.externs.append(table)
            elif isinstance(decl, ast.InstanceDecl):
                self._declared_extern(owner.name, decl, owner.children.get(decl.name))

    def _declared_extern(
        self, owner: str, decl: ast.InstanceDecl, inst: InstanceLike | None
    ) -> None:
        ext_type = inst.type if inst is not None else decl.type
        if not isinstance(ext_type, types.ExternType):
            return
        if inst is not None and inst.ctor_args:
            args = dict(inst.ctor_args)
        else:
            args = ctor_args(ext_type.decl, decl.args, decl.src)
        self.out.externs.append(
            _Extern(
                name=_qualify(owner, decl, decl.name),
                extern=ext_type.name,
                args=args,
                type=ext_type,
                annotated=decl,
                src=decl.src,
                explicit_id=int_annotation(decl, "id"),
            )
        )

    # --- structure helpers

    def _inlined(self, inst: InstanceLike, local: ast.InstanceDecl) -> InstanceLike | None:
        child = inst.children.get(local.name)
        if child is not None and isinstance(child.block_decl, ast.ControlDecl | ast.ParserDecl):
            return child
        return None

    def _flat_locals(self, inst: InstanceLike) -> Iterator[tuple[InstanceLike, ast.Declaration]]:
        """Locals with sub-control/sub-parser instances replaced by their own locals."""
        block = inst.block_decl
        if not isinstance(block, ast.ControlDecl | ast.ParserDecl):
            return
        for local in block.locals:
            child = self._inlined(inst, local) if isinstance(local, ast.InstanceDecl) else None
            if child is not None:
                yield from self._flat_locals(child)
            else:
                yield inst, local

    def _sub_blocks(self, inst: InstanceLike) -> Iterator[ast.ControlDecl]:
        block = inst.block_decl
        if isinstance(block, ast.ControlDecl):
            yield block
            for local in block.locals:
                child = self._inlined(inst, local) if isinstance(local, ast.InstanceDecl) else None
                if child is not None:
                    yield from self._sub_blocks(child)

    @staticmethod
    def _applied_tables(block: ast.ControlDecl) -> list[ast.TableDecl]:
        """Tables the control's apply block applies (p4c removes the others)."""
        applied: dict[int, ast.TableDecl] = {}
        for call in _calls(block.body):
            if call.callee_kind is ast.CalleeKind.TABLE_APPLY and isinstance(
                call.callee_decl, ast.TableDecl
            ):
                applied.setdefault(id(call.callee_decl), call.callee_decl)
        return [t for t in block.locals if isinstance(t, ast.TableDecl) and id(t) in applied]


def _table_refs(table: ast.TableDecl) -> list[ast.ActionRef]:
    refs = list(table.actions)
    if table.default_action is not None:
        refs.append(table.default_action)
    return refs


# --------------------------------------------------------------------------------------------
# Building the message


class _Builder:
    def __init__(self, checked: CheckedProgramLike, collected: _Collected) -> None:
        self.checked = checked
        self.c = collected
        self.info = p4i.P4Info()
        self.types = TypeInfoBuilder(self.info.type_info, list(checked.errors))
        self.symbols = SymbolTable()
        self.profile_tables: dict[str, set[str]] = {}
        self.table_profiles: dict[int, _Extern] = {}
        self.table_direct: dict[int, list[_Extern]] = {}

    def build(self) -> p4i.P4Info:
        self._resolve_table_resources()
        self._collect_symbols()
        self.symbols.assign_ids()
        if self.c.tables or self.c.calls_extern_functions or self.c.digests:
            self.info.type_info.SetInParent()
        for name, decl in self.c.actions:
            self._add_action(name, decl)
        for item in self.c.externs:
            if isinstance(item, _Table):
                self._add_table(item)
            else:
                self.info.type_info.SetInParent()
                self._add_extern(item)
        for name, vs in self.c.value_sets:
            self._add_value_set(name, vs)
        for header in self.c.headers:
            self._add_controller_header(header)
        for name, data_type, src in self.c.digests:
            digest = self.info.digests.add()
            self._preamble(digest.preamble, P.DIGEST, name, None)
            digest.type_spec.CopyFrom(self.types.spec(data_type, src))
        self._pkg_info()
        return self.info

    # --- symbols

    def _resolve_table_resources(self) -> None:
        for table in self.c.tables:
            props = {p.name: p for p in table.decl.properties}
            direct: list[_Extern] = []
            for prop_name in ("implementation", "counters", "meters"):
                prop = props.get(prop_name)
                if prop is None or prop.value is None:
                    continue
                resource = self._property_extern(table, prop)
                if prop_name == "implementation":
                    self.table_profiles[id(table)] = resource
                    self.profile_tables.setdefault(resource.name, set()).add(table.name)
                else:
                    direct.append(resource)
            self.table_direct[id(table)] = direct

    def _property_extern(self, table: _Table, prop: ast.TableProperty) -> _Extern:
        value = prop.value
        if isinstance(value, ast.ConstructorCall):
            if prop.annotation("name") is None:
                raise CompileError.at(
                    prop.src,
                    f"table '{table.name}' has an anonymous table property '{prop.name}' "
                    "with no name annotation, which is not supported by P4Runtime",
                )
            type_ref = value.type_ref
            decl = type_ref.decl if isinstance(type_ref, ast.TypeName) else None
            extern = decl.name if decl is not None else type(type_ref).__name__
            args = ctor_args(
                decl if isinstance(decl, ast.ExternDecl) else None, value.args, prop.src
            )
            return _Extern(
                name=_qualify("", prop, prop.name),
                extern=extern,
                args=args,
                type=value.type,
                annotated=prop,
                src=prop.src,
                table=table.name,
            )
        if isinstance(value, ast.PathExpr) and isinstance(value.decl, ast.InstanceDecl):
            owner = table.owner if value.decl in table.block.locals else ""
            for item in self.c.externs:
                if isinstance(item, _Extern) and item.name == _qualify(
                    owner, value.decl, value.decl.name
                ):
                    return dataclasses.replace(item, table=table.name)
        raise CompileError.at(
            prop.src, f"table '{table.name}': {prop.name} must name an extern instance"
        )

    def _collect_symbols(self) -> None:
        add = self.symbols.add
        for name, decl in self.c.actions:
            add(P.ACTION, name, int_annotation(decl, "id"), decl.src)
        for table in self.c.tables:
            add(P.TABLE, table.name, int_annotation(table.decl, "id"), table.decl.src)
            for resource in [self.table_profiles.get(id(table)), *self.table_direct[id(table)]]:
                if resource is not None and isinstance(resource.annotated, ast.TableProperty):
                    add(_EXTERN_KINDS[resource.extern], resource.name, None, resource.src)
        for item in self.c.externs:
            if isinstance(item, _Extern) and item.extern in _EXTERN_KINDS:
                add(_EXTERN_KINDS[item.extern], item.name, item.explicit_id, item.src)
        for name, vs in self.c.value_sets:
            add(P.VALUE_SET, name, int_annotation(vs, "id"), vs.src)
        for header in self.c.headers:
            add(P.CONTROLLER_HEADER, _global_name(header), int_annotation(header, "id"), header.src)
        for name, _, src in self.c.digests:
            add(P.DIGEST, name, None, src)

    def _preamble(
        self,
        preamble: p4i.Preamble,
        prefix: int,
        name: str,
        annotated: ast.Annotated | None,
        alias: str | None = None,
        skip: frozenset[str] = frozenset(),
    ) -> None:
        preamble.id = self.symbols.id_of(prefix, name)
        preamble.name = name
        preamble.alias = alias if alias is not None else self.symbols.alias(name)
        preamble.annotations.extend(annotation_strings(annotated, lambda n: n in skip))
        doc = documentation(annotated)
        if doc is not None:
            preamble.doc.CopyFrom(doc)

    # --- actions and tables

    def _add_action(self, name: str, decl: ast.ActionDecl) -> None:
        if decl.annotation("hidden") is not None:
            return
        action = self.info.actions.add()
        self._preamble(action.preamble, P.ACTION, name, decl)
        params = _control_plane_params(decl)
        ids = allocate_field_ids([int_annotation(p, "id") for p in params], decl.src)
        for param, param_id in zip(params, ids, strict=True):
            out = action.params.add()
            out.id = param_id
            out.name = param.control_plane_name()
            out.annotations.extend(annotation_strings(param))
            doc = documentation(param)
            if doc is not None:
                out.doc.CopyFrom(doc)
            ty = _param_type(param)
            self.info.type_info.SetInParent()
            if isinstance(ty, types.EnumType) and ty.underlying is None:
                out.type_name.name = _global_name(ty.decl) if ty.decl else ty.name
                self.types.record(ty, param.src)
                continue
            out.bitwidth = type_width(ty, param.src)
            self.types.record(ty, param.src)
            tname = type_name(ty)
            if tname is not None:
                out.type_name.name = tname

    def _add_table(self, table: _Table) -> None:
        decl = table.decl
        if decl.annotation("hidden") is not None:
            return
        out = self.info.tables.add()
        self._preamble(out.preamble, P.TABLE, table.name, decl)
        self._match_fields(out, decl)
        for ref in decl.actions:
            action_ref = out.action_refs.add()
            action_ref.id = self.symbols.id_of(P.ACTION, self._action_name(table, ref))
            action_ref.annotations.extend(annotation_strings(ref))
            table_only = ref.annotation("tableonly") is not None
            default_only = ref.annotation("defaultonly") is not None
            if table_only and default_only:
                raise CompileError.at(
                    ref.src, f"action '{ref.name}' cannot be both @tableonly and @defaultonly"
                )
            if table_only:
                action_ref.scope = p4i.ActionRef.TABLE_ONLY
            elif default_only:
                action_ref.scope = p4i.ActionRef.DEFAULT_ONLY
        if decl.default_action is not None:
            self._default_action(out, table, decl.default_action, decl.default_action_const)
        profile = self.table_profiles.get(id(table))
        if profile is not None:
            out.implementation_id = self.symbols.id_of(P.ACTION_PROFILE, profile.name)
        for resource in self.table_direct[id(table)]:
            out.direct_resource_ids.append(
                self.symbols.id_of(_EXTERN_KINDS[resource.extern], resource.name)
            )
        out.size = _table_size(decl)
        timeout = decl.property("support_timeout")
        if timeout is not None and timeout.value is not None and timeout.value.const_value is True:
            out.idle_timeout_behavior = p4i.Table.NOTIFY_CONTROL
        if decl.entries and decl.entries_const:
            out.is_const_table = True
        if decl.entries:
            out.has_initial_entries = True
        if profile is not None and isinstance(profile.annotated, ast.TableProperty):
            self._add_profile(profile)
        for resource in self.table_direct[id(table)]:
            self._add_counterlike(resource)

    def _match_fields(self, out: p4i.Table, decl: ast.TableDecl) -> None:
        ids = allocate_field_ids([int_annotation(k, "id") for k in decl.keys], decl.src)
        for key, key_id in zip(decl.keys, ids, strict=True):
            if key.match_kind == "selector":
                continue
            key_type = key.expr.type
            if key_type is None:
                raise CompileError.at(key.expr.src, "key expression has no type")
            match = out.match_fields.add()
            match.id = key_id
            anno = key.annotation("name")
            if anno is not None and anno.exprs and isinstance(anno.exprs[0], ast.StringLiteral):
                match.name = anno.exprs[0].value
            else:
                match.name = key_name(key.expr)
            match.annotations.extend(annotation_strings(key))
            doc = documentation(key)
            if doc is not None:
                match.doc.CopyFrom(doc)
            match.bitwidth = type_width(key_type, key.expr.src)
            if key.match_kind in _MATCH_TYPES:
                match.match_type = _MATCH_TYPES[key.match_kind]
            else:
                match.other_match_type = key.match_kind
            self.types.record(key_type, key.expr.src)
            tname = type_name(key_type)
            if tname is not None:
                match.type_name.name = tname

    def _action_name(self, table: _Table, ref: ast.ActionRef) -> str:
        if ref.decl is None:
            raise CompileError.at(ref.src, f"unresolved action '{ref.name}'")
        if any(ref.decl is local for local in table.block.locals):
            return _qualify(table.owner, ref.decl, ref.decl.name)
        return _global_name(ref.decl)

    def _default_action(
        self, out: p4i.Table, table: _Table, ref: ast.ActionRef, is_const: bool
    ) -> None:
        action_id = self.symbols.id_of(P.ACTION, self._action_name(table, ref))
        if is_const:
            out.const_default_action_id = action_id
        call = out.initial_default_action
        call.action_id = action_id
        assert ref.decl is not None
        params = _control_plane_params(ref.decl)
        ids = allocate_field_ids([int_annotation(p, "id") for p in params], ref.src)
        for param, param_id, arg in zip(params, ids, ref.args, strict=False):
            if arg.expr is None:
                continue
            value = arg.expr.const_value
            if isinstance(value, types.EnumValue):
                value = value.value
            if not isinstance(value, int):
                raise CompileError.at(
                    arg.src, "default action arguments must be compile-time constants"
                )
            argument = call.arguments.add()
            argument.param_id = param_id
            argument.value = value_bytes(int(value), type_width(_param_type(param), param.src))

    # --- externs

    def _add_extern(self, item: _Extern) -> None:
        if item.extern in ("counter", "meter"):
            self._add_counterlike(item)
        elif item.extern in ("action_profile", "action_selector"):
            self._add_profile(item)
        elif item.extern == "register":
            reg = self.info.registers.add()
            self._preamble(reg.preamble, P.REGISTER, item.name, item.annotated)
            assert isinstance(item.type, types.ExternType)
            if not item.type.type_args:
                raise CompileError.at(item.src, "register needs its element type")
            reg.type_spec.CopyFrom(self.types.spec(item.type.type_args[0], item.src))
            reg.size = _int_arg(item, "size")

    def _add_counterlike(self, item: _Extern) -> None:
        unit = item.args.get("type")
        unit_name = unit.member if isinstance(unit, types.EnumValue) else None
        if unit_name is None:
            raise CompileError.at(item.src, f"{item.extern} '{item.name}' needs a unit type")
        if item.extern in ("counter", "direct_counter"):
            spec_unit = _COUNTER_UNITS.get(unit_name, p4i.CounterSpec.UNSPECIFIED)
            if item.table is not None:
                dc = self.info.direct_counters.add()
                self._preamble(dc.preamble, P.DIRECT_COUNTER, item.name, item.annotated)
                dc.spec.unit = spec_unit
                dc.direct_table_id = self.symbols.id_of(P.TABLE, item.table)
            else:
                counter = self.info.counters.add()
                self._preamble(counter.preamble, P.COUNTER, item.name, item.annotated)
                counter.spec.unit = spec_unit
                counter.size = _int_arg(item, "size")
            return
        meter_unit = _METER_UNITS.get(unit_name, p4i.MeterSpec.UNSPECIFIED)
        if item.table is not None:
            dm = self.info.direct_meters.add()
            self._preamble(dm.preamble, P.DIRECT_METER, item.name, item.annotated)
            dm.spec.unit = meter_unit
            dm.direct_table_id = self.symbols.id_of(P.TABLE, item.table)
        else:
            meter = self.info.meters.add()
            self._preamble(meter.preamble, P.METER, item.name, item.annotated)
            meter.spec.unit = meter_unit
            meter.size = _int_arg(item, "size")

    def _add_profile(self, item: _Extern) -> None:
        profile = self.info.action_profiles.add()
        self._preamble(
            profile.preamble, P.ACTION_PROFILE, item.name, item.annotated, skip=_PROFILE_ANNOTATIONS
        )
        for table_name in sorted(self.profile_tables.get(item.name, ())):
            profile.table_ids.append(self.symbols.id_of(P.TABLE, table_name))
        selector = item.extern == "action_selector"
        profile.with_selector = selector
        profile.size = _int_arg(item, "size")
        max_group = int_annotation(item.annotated, "max_group_size") if item.annotated else None
        if max_group is not None and selector:
            profile.max_group_size = max_group
            semantics = (
                item.annotated.annotation("selector_size_semantics") if item.annotated else None
            )
            if semantics is not None and "sum_of_members" in semantics.body:
                weight = (
                    int_annotation(item.annotated, "max_member_weight") if item.annotated else None
                )
                profile.sum_of_members.SetInParent()
                if weight is not None:
                    profile.sum_of_members.max_member_weight = weight
            else:
                profile.sum_of_weights.SetInParent()

    # --- parsers, packet I/O, package

    def _add_value_set(self, name: str, vs: ast.ValueSetDecl) -> None:
        out = self.info.value_sets.add()
        self._preamble(out.preamble, P.VALUE_SET, name, vs)
        size = vs.size.const_value
        if not isinstance(size, int) or size < 0:
            raise CompileError.at(vs.src, "value_set size must be a non-negative integer")
        out.size = size
        elem = resolve_type_ref(vs.elem_type)
        if isinstance(elem, types.BitsType):
            match = out.match.add()
            match.id = 1
            match.bitwidth = elem.width
            match.match_type = p4i.MatchField.EXACT
        elif isinstance(elem, types.StructLikeType) and elem.kind == "struct" and elem.decl:
            fields = elem.decl.fields
            ids = allocate_field_ids([int_annotation(f, "id") for f in fields], vs.src)
            for f, field_id, ftype in zip(fields, ids, elem.fields, strict=True):
                if not isinstance(ftype.type, types.BitsType):
                    raise CompileError.at(f.src, "value_set struct fields must be bit<W>")
                match = out.match.add()
                match.id = field_id
                match.name = f.name
                match.bitwidth = ftype.type.width
                kind_anno = f.annotation("match")
                kind = kind_anno.body.strip() if kind_anno is not None else "exact"
                if kind in _MATCH_TYPES:
                    match.match_type = _MATCH_TYPES[kind]
                else:
                    match.other_match_type = kind
                match.annotations.extend(annotation_strings(f, lambda n: n == "match"))
                doc = documentation(f)
                if doc is not None:
                    match.doc.CopyFrom(doc)
        elif isinstance(elem, types.EnumType) and elem.underlying is not None:
            for index, member in enumerate(elem.members, start=1):
                match = out.match.add()
                match.id = index
                match.name = member
                match.bitwidth = elem.underlying.width
                match.match_type = p4i.MatchField.EXACT
        else:
            raise CompileError.at(
                vs.src, "value_set type must be bit<W>, a struct of bit<W> or a serializable enum"
            )

    def _add_controller_header(self, header: ast.HeaderDecl) -> None:
        if header.annotation("hidden") is not None:
            return
        anno = header.annotation("controller_header")
        assert anno is not None
        if len(anno.exprs) != 1 or not isinstance(anno.exprs[0], ast.StringLiteral):
            raise CompileError.at(anno.src, "@controller_header takes one string literal")
        controller_name = anno.exprs[0].value
        out = self.info.controller_packet_metadata.add()
        self._preamble(out.preamble, P.CONTROLLER_HEADER, _global_name(header), header)
        out.preamble.name = controller_name
        out.preamble.alias = controller_name
        ids = allocate_field_ids([int_annotation(f, "id") for f in header.fields], header.src)
        for f, field_id in zip(header.fields, ids, strict=True):
            if f.annotation("hidden") is not None:
                continue
            ftype = resolve_type_ref(f.type_ref)
            metadata = out.metadata.add()
            metadata.id = field_id
            metadata.name = _qualify("", f, f.name)
            metadata.annotations.extend(annotation_strings(f))
            metadata.bitwidth = type_width(ftype, f.src)
            self.info.type_info.SetInParent()
            self.types.record(ftype, f.src)
            tname = type_name(ftype)
            if tname is not None:
                metadata.type_name.name = tname

    def _pkg_info(self) -> None:
        pkg = self.info.pkg_info
        pkg.arch = "v1model"
        decl = self.checked.main.decl
        if decl is None:
            return
        for anno in decl.annotations:
            if anno.name != "pkginfo":
                continue
            for key, expr in anno.kv.items():
                if key not in ("name", "version", "organization", "contact", "url", "arch"):
                    continue
                if not isinstance(expr, ast.StringLiteral):
                    raise CompileError.at(expr.src, f"@pkginfo value for '{key}' must be a string")
                setattr(pkg, key, expr.value)
        pkg.annotations.extend(annotation_strings(decl, lambda n: n == "pkginfo"))
        doc = documentation(decl)
        if doc is not None:
            pkg.doc.CopyFrom(doc)


def _control_plane_params(action: ast.ActionDecl) -> list[ast.Parameter]:
    """Directionless parameters: the ones the control plane supplies."""
    return [p for p in action.params if p.direction is ast.Direction.NONE]


def _param_type(param: ast.Parameter) -> types.P4Type:
    if param.type is None:
        return resolve_type_ref(param.type_ref)
    return param.type


def _table_size(decl: ast.TableDecl) -> int:
    prop = decl.property("size")
    if prop is None or prop.value is None:
        return _DEFAULT_TABLE_SIZE
    size = prop.value.const_value
    if not isinstance(size, int) or isinstance(size, bool):
        raise CompileError.at(prop.src, "table size must be a compile-time integer")
    return size or _DEFAULT_TABLE_SIZE


def _int_arg(item: _Extern, name: str) -> int:
    value = item.args.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise CompileError.at(item.src, f"{item.extern} '{item.name}' needs a constant {name}")
    return value


# --------------------------------------------------------------------------------------------
# Public API


def build_p4info(checked: CheckedProgramLike) -> p4i.P4Info:
    """The P4Info message p4c would emit for ``checked`` (a v1model program)."""
    return _Builder(checked, _Walker(checked).run()).build()


def p4info_text(info: p4i.P4Info) -> str:
    """Text format with the header p4c writes."""
    return _TEXT_HEADER + text_format.MessageToString(info)


def write_p4info(info: p4i.P4Info, path: Path | str) -> None:
    """Write ``info`` as text (.txt, .txtpb, .pb.txt), binary (.bin, .pb, .binpb) or JSON."""
    target = Path(path)
    name = target.name
    if name.endswith(_TEXT_SUFFIXES):
        target.write_text(p4info_text(info), encoding="utf-8")
    elif name.endswith(_BINARY_SUFFIXES):
        target.write_bytes(info.SerializeToString())
    elif name.endswith(".json"):
        target.write_text(json_format.MessageToJson(info) + "\n", encoding="utf-8")
    else:
        raise CompileError.at(
            ast.SrcInfo(str(target), 0, 0),
            "unknown P4Info file kind; use .txtpb/.txt/.pb.txt (text), .bin/.pb/.binpb "
            "(binary) or .json",
        )
