"""Turns a checked v1model program into generated Python plus runtime objects."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from softswitch.codegen import rt
from softswitch.codegen.calls import CallCompiler
from softswitch.codegen.expr import ExprCompiler, where
from softswitch.codegen.externs import V1ModelExterns
from softswitch.codegen.fieldlists import FieldLists
from softswitch.codegen.module import GeneratedModule, indent
from softswitch.codegen.parser_gen import ParserUnit
from softswitch.codegen.stmt import StmtCompiler
from softswitch.codegen.tables_gen import TableCompiler, qualified
from softswitch.codegen.units import BlockUnit, ControlUnit, out_params, returns_builder
from softswitch.codegen.values import CodegenError, TypeLayouts, strip
from softswitch.frontend import ast
from softswitch.frontend import types as T
from softswitch.frontend.elaborate import CheckedProgram, Instance
from softswitch.runtime.clock import Clock
from softswitch.runtime.externs import (
    CounterArray,
    CounterType,
    MeterArray,
    MeterType,
    RandomSource,
    RegisterArray,
)
from softswitch.runtime.hashes import HashAlgorithm, HashUnit, hash_result
from softswitch.runtime.profiles import ActionProfile
from softswitch.runtime.tables import Table

V1SWITCH_ARGS = ("p", "vr", "ig", "eg", "ck", "dep")
STAGES = {
    "p": "parser",
    "vr": "verify",
    "ig": "ingress",
    "eg": "egress",
    "ck": "compute",
    "dep": "deparser",
}


class DirectCounter:
    """``direct_counter``: its counts live on the entries of the table that owns it."""

    __slots__ = ("counter_type", "name", "table")

    def __init__(self, name: str, counter_type: CounterType) -> None:
        self.name = name
        self.counter_type = counter_type
        self.table: Table | None = None


class DirectMeter:
    """``direct_meter``: per-entry meters of its table; ``color`` is the last result."""

    __slots__ = ("color", "meter_type", "name", "table_name")

    def __init__(self, name: str, meter_type: MeterType) -> None:
        self.name = name
        self.meter_type = meter_type
        self.table_name = ""
        self.color = 0


@dataclass
class CompiledProgram:
    """Everything the pipeline and the Switch API need from a loaded program."""

    stages: dict[str, Any]  # stage -> apply function
    header_class: Any
    meta_class: Any
    std_meta_class: Any
    packet_state: rt.PacketState
    tables: dict[str, Table] = field(default_factory=dict)
    table_decls: dict[str, ast.TableDecl] = field(default_factory=dict)
    counters: dict[str, CounterArray] = field(default_factory=dict)
    direct_counters: dict[str, DirectCounter] = field(default_factory=dict)
    meters: dict[str, MeterArray] = field(default_factory=dict)
    direct_meters: dict[str, DirectMeter] = field(default_factory=dict)
    registers: dict[str, RegisterArray] = field(default_factory=dict)
    profiles: dict[str, ActionProfile] = field(default_factory=dict)
    value_sets: dict[str, rt.ValueSet] = field(default_factory=dict)
    hash_units: dict[str, HashUnit] = field(default_factory=dict)
    source: str = ""


class FunctionUnit:
    """A top-level P4 function: no frame, no instances."""

    stage = "function"

    def __init__(self, prog: ProgramCompiler) -> None:
        self.prog = prog

    def frame(self) -> str:
        return "None"

    def action_fn(self, decl: ast.ActionDecl) -> str:
        raise CodegenError(f"{where(decl)}: functions cannot call actions")

    def function_fn(self, decl: ast.FunctionDecl) -> str:
        return self.prog.function_fn(decl)

    def table_fn(self, decl: ast.TableDecl) -> str:
        raise CodegenError(f"{where(decl)}: functions cannot apply tables")

    def subunit(self, decl: ast.Declaration) -> tuple[str, list[ast.Parameter]]:
        raise CodegenError(f"{where(decl)}: functions cannot apply controls")

    def extern_obj(self, decl: ast.Declaration) -> str:
        name = self.prog.global_extern(decl)
        if name is None:
            raise CodegenError(f"{where(decl)}: {decl.name} is not visible in a function")
        return name


class ProgramCompiler:
    def __init__(self, checked: CheckedProgram, clock: Clock, seed: int = 0) -> None:
        self.checked = checked
        self.clock = clock
        self.module = GeneratedModule()
        self.layouts = TypeLayouts(self.module, checked.errors)
        self.externs = V1ModelExterns(self)
        self.field_lists = FieldLists(self)
        self.tables = TableCompiler(self)
        self.random_source = RandomSource(seed)
        self._rng = random.Random(seed)
        self.packet_state = rt.PacketState()
        self.result = CompiledProgram({}, None, None, None, self.packet_state)
        self._action_ids: dict[ast.ActionDecl, int] = {}
        self._functions: dict[ast.FunctionDecl, str] = {}
        self._units: dict[int, BlockUnit] = {}
        self._extern_names: dict[int, str] = {}
        self._table_names: dict[tuple[int, int], str] = {}
        for fq, decl, owner in checked.tables():
            self._table_names[(id(owner), id(decl))] = fq
        env = self.module.env
        env.update(
            PKT=self.packet_state,
            hash_result=hash_result,
            no_copy=rt.no_copy,
            AssertionFailed=rt.AssertionFailed,
            lookahead=rt.lookahead,
        )
        main_type = checked.main.type if checked.main is not None else None
        parser = checked.package_args.get("p")
        if (
            not isinstance(main_type, T.PackageType)
            or main_type.name != "V1Switch"
            or parser is None
            or not isinstance(parser.block_decl, ast.ParserDecl)
        ):
            found = f"a {main_type} package" if main_type is not None else "no main package"
            raise CodegenError(
                f"the executor runs v1model programs (main is a V1Switch); this one has {found}"
            )
        params = parser.block_decl.params
        if len(params) != 4:
            raise CodegenError(f"{where(parser.block_decl)}: a v1model parser takes 4 parameters")
        self.header_type = self._struct(params[1].type, "headers")
        self.meta_type = self._struct(params[2].type, "metadata")
        self.sm_type = self._struct(params[3].type, "standard_metadata")

    @staticmethod
    def _struct(t: T.P4Type | None, what: str) -> T.StructLikeType:
        st = strip(t)
        if not isinstance(st, T.StructLikeType):
            raise CodegenError(f"v1model {what} must be a struct, not {st}")
        return st

    # ---- registries used by the units

    def action_id(self, decl: ast.ActionDecl) -> int:
        return self._action_ids.setdefault(decl, len(self._action_ids) + 1)

    def noaction_decl(self) -> ast.ActionDecl:
        for d in self.checked.program.declarations:
            if isinstance(d, ast.ActionDecl) and d.name == "NoAction":
                return d
        raise CodegenError("core.p4's NoAction is missing (is core.p4 included?)")

    def table_name(self, owner: Instance, decl: ast.TableDecl) -> str:
        return self._table_names.get((id(owner), id(decl))) or qualified(owner.name, decl)

    def register_table(self, name: str, table: Table, decl: ast.TableDecl) -> None:
        self.result.tables[name] = table
        self.result.table_decls[name] = decl

    def bind_direct_counter(self, unit: BlockUnit, decl: ast.Declaration, table: Table) -> None:
        holder = self.module.env[unit.extern_obj(decl)]
        if isinstance(holder, DirectCounter):
            holder.table = table

    def hash_unit(self, algorithm: HashAlgorithm, name: str) -> str:
        unit = HashUnit(algorithm, random.Random(self._rng.getrandbits(32)))
        self.result.hash_units[name] = unit
        return self.module.bind(unit, "hash")

    def global_extern(self, decl: ast.Declaration) -> str | None:
        """The runtime object of a top-level extern instance (``register<..>(N) r;`` outside
        any control), shared by every control that uses it; None if ``decl`` is not one."""
        for inst in self.checked.globals.values():
            if inst.decl is decl:
                return self.create_extern(inst)
        return None

    def create_value_set(self, owner: Instance, decl: ast.ValueSetDecl) -> str:
        name = qualified(owner.name, decl)
        size = decl.size.const_value if isinstance(decl.size.const_value, int) else 0
        vs = rt.ValueSet(name, size)
        self.result.value_sets[name] = vs
        return self.module.bind(vs, f"vs_{decl.name}")

    def create_extern(self, inst: Instance) -> str:
        """The module global holding ``inst``'s runtime object (one per instance, even when
        the instance is passed to several controls)."""
        name = self._extern_names.get(id(inst))
        if name is None:
            name = self._extern_names[id(inst)] = self._new_extern(inst)
        return name

    def _new_extern(self, inst: Instance) -> str:
        ext = strip(inst.type)
        kind = ext.name if isinstance(ext, T.ExternType) else ""
        args = inst.ctor_args
        name = inst.name
        obj: object = None
        r = self.result
        if kind == "counter":
            obj = r.counters[name] = CounterArray(
                name, _size(args), CounterType(_member(args, "type"))
            )
        elif kind == "direct_counter":
            obj = r.direct_counters[name] = DirectCounter(name, CounterType(_member(args, "type")))
        elif kind == "meter":
            obj = r.meters[name] = MeterArray(
                name, _size(args), MeterType(_member(args, "type")), self.clock
            )
        elif kind == "direct_meter":
            obj = r.direct_meters[name] = DirectMeter(name, MeterType(_member(args, "type")))
        elif kind == "register":
            assert isinstance(ext, T.ExternType)
            width = ext.type_args[0].bit_width() if ext.type_args else None
            obj = r.registers[name] = RegisterArray(name, _size(args), width or 32)
        return self.module.bind(obj, f"{kind or 'extern'}_{name}")

    # ---- compilation

    def function_fn(self, decl: ast.FunctionDecl) -> str:
        name = self._functions.get(decl)
        if name is not None:
            return name
        name = self.module.fresh(f"function_{decl.name}")
        self._functions[decl] = name
        unit = FunctionUnit(self)
        names: dict[ast.Declaration, str] = {p: f"a_{p.name}" for p in decl.params}
        ex = ExprCompiler(self.layouts, names)
        calls = CallCompiler(unit, ex)
        outs = [names[p] for p in out_params(decl.params)]
        void = isinstance(decl.return_type, ast.BaseTypeRef) and decl.return_type.name == "void"
        ret = returns_builder(outs, not void)
        body = StmtCompiler(ex, calls, ret, self.action_id).body(decl.body.stmts)
        body.append(ret(None))
        params = ", ".join(names[p] for p in decl.params)
        self.module.add("\n".join([f"def {name}({params}):", *indent(body)]))
        return name

    def compile_unit(self, inst: Instance, stage: str) -> BlockUnit:
        unit = self._units.get(id(inst))
        if unit is None:
            cls = ParserUnit if isinstance(inst.block_decl, ast.ParserDecl) else ControlUnit
            unit = cls(self, inst, stage)
            self._units[id(inst)] = unit
            unit.compile()
        return unit

    def compile(self) -> CompiledProgram:
        stage_fns: dict[str, str] = {}
        for arg in V1SWITCH_ARGS:
            inst = self.checked.package_args.get(arg)
            if inst is None:
                raise CodegenError(f"V1Switch argument {arg!r} missing")
            stage_fns[STAGES[arg]] = self.compile_unit(inst, STAGES[arg]).apply_fn
        classes = {
            "hdr": self.layouts.class_of(self.header_type),
            "meta": self.layouts.class_of(self.meta_type),
            "sm": self.layouts.class_of(self.sm_type),
        }
        filename = (
            f"<p4:{self.checked.program.files[0] if self.checked.program.files else 'program'}>"
        )
        try:
            env = self.module.compile(filename)
        except SyntaxError as err:  # a code generator bug: report it, not a traceback
            raise CodegenError(
                f"{filename}: internal error, generated line {err.lineno} does not compile "
                f"({err.msg}): {(err.text or '').strip()}"
            ) from err
        r = self.result
        r.stages = {stage: env[fn] for stage, fn in stage_fns.items()}
        r.header_class = env[classes["hdr"]]
        r.meta_class = env[classes["meta"]]
        r.std_meta_class = env[classes["sm"]]
        r.source = self.module.source()
        return r


def _size(args: dict[str, object]) -> int:
    size = args.get("size")
    if not isinstance(size, int) or size <= 0:
        raise CodegenError(f"extern size must be a positive constant, got {size!r}")
    return size


def _member(args: dict[str, object], key: str) -> str:
    value = args.get(key)
    if isinstance(value, T.EnumValue):
        return value.member
    raise CodegenError(f"extern argument {key} must be an enum constant, got {value!r}")


def compile_program(checked: CheckedProgram, clock: Clock, seed: int = 0) -> CompiledProgram:
    """Generate and load the Python code of ``checked``; raises CodegenError when unsupported."""
    return ProgramCompiler(checked, clock, seed).compile()
