"""P4Info for a checked v1model program, identical to what p4c (p4c-bm2-ss) emits.

``p4info_walk`` finds the control-plane objects in p4c's order; this module turns them into
the ``p4.config.v1.P4Info`` message (IDs and aliases from ``p4info_ids``, types from
``p4info_types``) and writes it in text, binary or JSON form.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from finsy.proto import p4i, p4t
from google.protobuf import json_format, text_format

from softswitch.frontend import ast, types
from softswitch.frontend.diagnostics import CompileError
from softswitch.frontend.p4info_ids import SymbolTable, allocate_field_ids
from softswitch.frontend.p4info_types import (
    TypeInfoBuilder,
    annotation_strings,
    documentation,
    field_name,
    flattened_fields,
    int_annotation,
    key_name,
    type_name,
    type_width,
    value_bytes,
)
from softswitch.frontend.p4info_values import ctor_args, declared_type, resolve_type_ref
from softswitch.frontend.p4info_walk import (
    CheckedProgramLike,
    Collected,
    Extern,
    Table,
    collect,
    global_name,
    qualify,
)

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


# --------------------------------------------------------------------------------------------
# Building the message


class _Builder:
    def __init__(self, checked: CheckedProgramLike, collected: Collected) -> None:
        self.checked = checked
        self.c = collected
        self.info = p4i.P4Info()
        self.types = TypeInfoBuilder(self.info.type_info, list(checked.errors))
        self.symbols = SymbolTable()
        self.profile_tables: dict[str, set[str]] = {}
        self.table_profiles: dict[int, Extern] = {}
        self.table_direct: dict[int, list[Extern]] = {}

    def build(self) -> p4i.P4Info:
        self._resolve_table_resources()
        self._collect_symbols()
        self.symbols.assign_ids()
        if self.c.tables or self.c.calls_extern_functions or self.c.digests:
            self.info.type_info.SetInParent()
        for name, decl in self.c.actions:
            self._add_action(name, decl)
        for item in self.c.externs:
            if isinstance(item, Table):
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
            direct: list[Extern] = []
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

    def _property_extern(self, table: Table, prop: ast.TableProperty) -> Extern:
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
            return Extern(
                name=qualify("", prop, prop.name),
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
                if isinstance(item, Extern) and item.name == qualify(
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
            if isinstance(item, Extern) and item.extern in _EXTERN_KINDS:
                add(_EXTERN_KINDS[item.extern], item.name, item.explicit_id, item.src)
        for name, vs in self.c.value_sets:
            add(P.VALUE_SET, name, int_annotation(vs, "id"), vs.src)
        for header in self.c.headers:
            add(P.CONTROLLER_HEADER, global_name(header), int_annotation(header, "id"), header.src)
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
                out.type_name.name = global_name(ty.decl) if ty.decl else ty.name
                self.types.record(ty, param.src)
                continue
            out.bitwidth = type_width(ty, param.src)
            self.types.record(ty, param.src)
            tname = type_name(ty)
            if tname is not None:
                out.type_name.name = tname

    def _add_table(self, table: Table) -> None:
        decl = table.decl
        if decl.annotation("hidden") is not None:
            return
        out = self.info.tables.add()
        self._preamble(out.preamble, P.TABLE, table.name, decl)
        self._match_fields(out, decl)
        for ref in table.actions:
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
        if table.default_action is not None:
            self._default_action(out, table, table.default_action, decl.default_action_const)
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
        if decl.entries_present and decl.entries_const:
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

    def _action_name(self, table: Table, ref: ast.ActionRef) -> str:
        if ref.decl is None:
            raise CompileError.at(ref.src, f"unresolved action '{ref.name}'")
        if any(ref.decl is local for local in table.block.locals):
            return qualify(table.owner, ref.decl, ref.decl.name)
        return global_name(ref.decl)

    def _default_action(
        self, out: p4i.Table, table: Table, ref: ast.ActionRef, is_const: bool
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

    def _add_extern(self, item: Extern) -> None:
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
            self._index_type(reg.index_type_name, item, item.type.type_args[1:])

    def _add_counterlike(self, item: Extern) -> None:
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
                self._index_type(counter.index_type_name, item, _type_args(item))
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
            self._index_type(meter.index_type_name, item, _type_args(item))

    def _index_type(
        self, out: p4t.P4NamedType, item: Extern, index_args: tuple[types.P4Type, ...]
    ) -> None:
        """v1model 20200408 ``counter<I>``, ``meter<I>``, ``register<T, I>``: a user-defined
        index type ``I`` is named in ``index_type_name`` (and described in type_info)."""
        if not index_args:
            return
        name = type_name(index_args[0])
        if name is not None:
            out.name = name
            self.types.record(index_args[0], item.src)

    def _add_profile(self, item: Extern) -> None:
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
        self._preamble(out.preamble, P.CONTROLLER_HEADER, global_name(header), header)
        out.preamble.name = controller_name
        out.preamble.alias = controller_name
        header_type = declared_type(header, header.src)
        assert isinstance(header_type, types.StructLikeType)
        fields = [ast.Annotated(annotations=list(f.annotations), src=header.src)
                  for f in flattened_fields(header_type)]  # fmt: skip
        ids = allocate_field_ids([int_annotation(f, "id") for f in fields], header.src)
        for f, annotated, field_id in zip(flattened_fields(header_type), fields, ids, strict=True):
            if annotated.annotation("hidden") is not None:
                continue
            metadata = out.metadata.add()
            metadata.id = field_id
            metadata.name = field_name(f)
            metadata.annotations.extend(annotation_strings(annotated))
            metadata.bitwidth = type_width(f.type, header.src)
            self.info.type_info.SetInParent()
            self.types.record(f.type, header.src)
            tname = type_name(f.type)
            if tname is not None:
                metadata.type_name.name = tname

    def _pkg_info(self) -> None:
        pkg = self.info.pkg_info
        pkg.arch = "v1model"
        decl = self.checked.require_main().decl
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


def _type_args(item: Extern) -> tuple[types.P4Type, ...]:
    return item.type.type_args if isinstance(item.type, types.ExternType) else ()


def _int_arg(item: Extern, name: str) -> int:
    value = item.args.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise CompileError.at(item.src, f"{item.extern} '{item.name}' needs a constant {name}")
    return value


# --------------------------------------------------------------------------------------------
# Public API


def build_p4info(checked: CheckedProgramLike) -> p4i.P4Info:
    """The P4Info message p4c would emit for ``checked`` (a v1model program); like
    p4c-bm2-ss, a ``CompileError`` for a program without ``main``."""
    checked.require_main()
    return _Builder(checked, collect(checked)).build()


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
