"""Compilation units: a control or parser instance, with its frame, actions and locals.

Each instance compiles to a module-level apply function taking its parameters in
declaration order and returning the final values of its out/inout parameters. Values
the instance's actions and tables share (parameters, control-level variables) live in
a per-invocation frame object of a generated slotted class, reached as ``fr``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from softswitch.codegen.calls import CallCompiler
from softswitch.codegen.expr import ExprCompiler, where
from softswitch.codegen.module import indent
from softswitch.codegen.stmt import StmtCompiler
from softswitch.codegen.values import CodegenError
from softswitch.frontend import ast
from softswitch.frontend import types as T
from softswitch.frontend.elaborate import Instance

if TYPE_CHECKING:
    from softswitch.codegen.program import ProgramCompiler

D = ast.Direction


def out_params(params: list[ast.Parameter]) -> list[ast.Parameter]:
    return [p for p in params if p.direction in (D.OUT, D.INOUT)]


def returns_builder(out_sources: list[str], with_value: bool) -> Callable[[str | None], str]:
    """The ``return`` statement source for a body whose out values are ``out_sources``."""

    def build(value: str | None) -> str:
        items = ([value or "None"] if with_value else []) + out_sources
        if not out_sources:
            return f"return {value}" if with_value and value is not None else "return"
        return "return (" + "".join(i + ", " for i in items) + ")"

    return build


def guard_exit(body: list[str], out_sources: list[str]) -> list[str]:
    """Wrap a body so ``exit`` inside it still hands back the out/inout values."""
    if not out_sources:
        return body
    values = "(" + "".join(o + ", " for o in out_sources) + ")"
    return [
        "try:",
        *indent(body),
        "except ExitSignal:",
        f"    EXIT.values = {values}",
        "    raise",
    ]


class BlockUnit:
    """Shared machinery of control and parser instances."""

    def __init__(self, prog: ProgramCompiler, instance: Instance, stage: str) -> None:
        self.prog = prog
        self.instance = instance
        self.stage = stage
        decl = instance.block_decl
        if not isinstance(decl, ast.ControlDecl | ast.ParserDecl):
            raise CodegenError(f"{instance.name}: not a control or parser")
        self.decl = decl
        self.names: dict[ast.Declaration, str] = {}
        self.ex = ExprCompiler(prog.layouts, self.names)
        self.calls = CallCompiler(self, self.ex)
        self._actions: dict[ast.ActionDecl, str] = {}
        self._tables: dict[ast.TableDecl, str] = {}
        self._subunits: dict[ast.Declaration, tuple[str, list[ast.Parameter]]] = {}
        self._externs: dict[ast.Declaration, str] = {}
        self.frame_class = prog.module.fresh(f"Frame_{instance.name}")
        self._frame_slots: list[str] = []
        self.apply_fn = prog.module.fresh(f"apply_{instance.name}")

    # ---- Unit protocol

    def frame(self) -> str:
        return "fr"

    def action_fn(self, decl: ast.ActionDecl) -> str:
        name = self._actions.get(decl)
        if name is None:
            saved, self.ex.pre = self.ex.pre, []
            name = self._compile_action(decl)
            self.ex.pre = saved
        return name

    def function_fn(self, decl: ast.FunctionDecl) -> str:
        return self.prog.function_fn(decl)

    def table_fn(self, decl: ast.TableDecl) -> str:
        name = self._tables.get(decl)
        if name is None:
            saved, self.ex.pre = self.ex.pre, []
            name = self.prog.tables.compile_table(self, decl)
            self.ex.pre = saved
            self._tables[decl] = name
        return name

    def subunit(self, decl: ast.Declaration) -> tuple[str, list[ast.Parameter]]:
        found = self._subunits.get(decl)
        if found is None:
            raise CodegenError(f"{where(decl)}: {decl.name} is not a parser or control instance")
        return found

    def extern_obj(self, decl: ast.Declaration) -> str:
        name = self._externs.get(decl) or self.prog.global_extern(decl)
        if name is None:
            raise CodegenError(f"{where(decl)}: {decl.name} is not an extern instance here")
        return name

    # ---- setup

    def _setup_scope(self) -> list[str]:
        """Bind params and locals; return the apply prologue lines that fill the frame."""
        prologue = [f"fr = {self.frame_class}()"]
        for p in self.decl.params:
            slot = f"p_{p.name}"
            self._frame_slots.append(slot)
            self.names[p] = f"fr.{slot}"
            prologue.append(f"fr.{slot} = {slot}")
        for p in self.decl.ctor_params:
            value = self.instance.ctor_args.get(p.name)
            if isinstance(value, Instance):
                self._bind_instance(p, value)  # a control/parser/extern passed by the creator
            else:
                self.names[p] = self.ex.const(value, p.type, p) if value is not None else "None"
        for local in self.decl.locals:
            prologue += self._setup_local(local)
        return prologue

    def _setup_local(self, local: ast.Declaration) -> list[str]:
        if isinstance(local, ast.VariableDecl):
            slot = self.prog.module.fresh(f"v_{local.name}")
            self._frame_slots.append(slot)
            if local.init is not None:
                value = (
                    self.ex._coerce(local.init, local.type)
                    if local.type is not None
                    else self.ex.value(local.init)
                )
            else:
                value = self.prog.layouts.default(local.type)
            pre, self.ex.pre = self.ex.pre, []
            self.names[local] = f"fr.{slot}"
            return [*pre, f"fr.{slot} = {value}"]
        if isinstance(local, ast.InstanceDecl):
            child = self.instance.children.get(local.name)
            if child is None:
                raise CodegenError(f"{where(local)}: instance {local.name} was not elaborated")
            self._bind_instance(local, child)
            return []
        if isinstance(local, ast.ActionDecl):
            # Objects an action instantiates belong to the control (one per control
            # instance, shared by every run of the action), as p4c elaborates them.
            for obj in local.instances:
                child = self.instance.children.get(obj.name)
                if child is None:
                    raise CodegenError(f"{where(obj)}: instance {obj.name} was not elaborated")
                self._bind_instance(obj, child)
            return []
        if isinstance(local, ast.ValueSetDecl):
            self._externs[local] = self.names[local] = self.prog.create_value_set(
                self.instance, local
            )
            return []
        return []  # actions and tables compile on first use; constants fold

    def _bind_instance(self, decl: ast.Declaration, inst: Instance) -> None:
        if isinstance(inst.type, T.ControlType | T.ParserType):
            unit = self.prog.compile_unit(inst, self.stage)
            self._subunits[decl] = (unit.apply_fn, list(unit.decl.params))
        else:
            self._externs[decl] = self.prog.create_extern(inst)

    def _emit_frame_class(self) -> None:
        self.prog.module.add(
            f"class {self.frame_class}:\n    __slots__ = {tuple(self._frame_slots)!r}"
        )

    # ---- actions

    def _compile_action(self, decl: ast.ActionDecl) -> str:
        name = self.prog.module.fresh(f"action_{decl.name}")
        self._actions[decl] = name
        args = []
        for p in decl.params:
            local = f"a_{p.name}"
            self.names[p] = local
            args.append(local)
        outs = [self.names[p] for p in out_params(decl.params)]
        stmts = StmtCompiler(self.ex, self.calls, returns_builder(outs, False), self.prog.action_id)
        body = guard_exit(stmts.body(decl.body.stmts), outs)
        if outs:
            body.append(returns_builder(outs, False)(None))
        self.prog.module.add("\n".join([f"def {name}(fr, {', '.join(args)}):", *indent(body)]))
        return name


class ControlUnit(BlockUnit):
    def compile(self) -> None:
        decl = self.decl
        assert isinstance(decl, ast.ControlDecl)
        prologue = self._setup_scope()
        outs = [self.names[p] for p in out_params(decl.params)]
        ret = returns_builder(outs, False)
        stmts = StmtCompiler(self.ex, self.calls, ret, self.prog.action_id)
        body = guard_exit(stmts.body(decl.body.stmts), outs)
        final = ret(None)
        params = ", ".join(f"p_{p.name}" for p in decl.params)
        lines = [
            f"def {self.apply_fn}({params}):",
            *indent(prologue),
            *indent(body),
            f"    {final}",
        ]
        self._emit_frame_class()
        self.prog.module.add("\n".join(lines))
