"""Semantic analysis of a parsed P4_16 program: ``check(program) -> CheckedProgram``.

Declarations are checked in program order (a name is visible only after its declaration);
the expression, call, statement and table rules live in the ``typecheck_*`` modules this
checker is built from. The AST is annotated in place (see ``ast``), then ``elaborate``
builds the instance tree from the ``main`` package instantiation.
"""

from __future__ import annotations

from softswitch.frontend import ast
from softswitch.frontend.annotations import check_annotations
from softswitch.frontend.checker_base import Context
from softswitch.frontend.elaborate import CheckedProgram, elaborate
from softswitch.frontend.typecheck_call import Signature
from softswitch.frontend.typecheck_expr import MatchKindMemberDecl
from softswitch.frontend.typecheck_stmt import always_returns
from softswitch.frontend.typecheck_table import TableChecker
from softswitch.frontend.types import (
    ControlType,
    ExternType,
    P4Type,
    PackageType,
    ParserType,
    VoidType,
)
from softswitch.frontend.typeutil import fits_value_set, subst

_RESERVED_STATES = ("accept", "reject")


class Checker(TableChecker):
    def check_program(self, program: ast.Program) -> None:
        for decl in program.declarations:
            self.check_top_level(decl)

    def check_top_level(self, decl: ast.Declaration) -> None:
        if isinstance(decl, ast.ErrorDecl):
            self._add_members(decl.members, self.error_members, "error")
        elif isinstance(decl, ast.MatchKindDecl):
            self._add_members(decl.members, self.match_kinds, "match_kind")
            for member in decl.members:
                self.scope.declare(MatchKindMemberDecl(member.name, src=member.src))
        elif isinstance(
            decl, ast.StructLikeDecl | ast.EnumDecl | ast.TypedefDecl | ast.NewTypeDecl
        ):
            self.scope.declare(decl)
            # Generic ones too: their fields are checked with the type variables left free.
            self.named_type(decl, (), decl)
        elif isinstance(decl, ast.ConstDecl):
            self.check_const(decl)
        elif isinstance(decl, ast.ExternDecl):
            self.scope.declare(decl)
            self._check_extern(decl)
        elif isinstance(decl, ast.ExternFunctionDecl | ast.FunctionDecl):
            self._check_function(decl)
        elif isinstance(decl, ast.ActionDecl):
            self.check_action(decl)
        elif isinstance(decl, ast.ParserTypeDecl | ast.ControlTypeDecl | ast.PackageTypeDecl):
            self.scope.declare(decl)
            with self.scoped():
                self.declare_type_params(decl.type_params)
                self.resolve_params(decl.params, ctor=isinstance(decl, ast.PackageTypeDecl))
            if isinstance(decl, ast.ParserTypeDecl | ast.ControlTypeDecl):
                # p4c (default-control-argument.p4): an implementation could not see them.
                kind = "parser" if isinstance(decl, ast.ParserTypeDecl) else "control"
                for p in decl.params:
                    if p.default is not None:
                        self.fail(
                            p,
                            f"{kind} type declarations cannot have parameters with default "
                            f"values ('{p.name}')",
                        )
            self.signatures[decl] = Signature(
                decl.params, VoidType(), [t.name for t in decl.type_params]
            )
        elif isinstance(decl, ast.ParserDecl):
            self.scope.declare(decl)
            self._check_parser(decl)
        elif isinstance(decl, ast.ControlDecl):
            self.scope.declare(decl)
            self._check_control(decl)
        elif isinstance(decl, ast.InstanceDecl):
            self.check_instance(decl)
        else:
            self.fail(decl, f"unsupported: {type(decl).__name__} at the top level")

    def _add_members(self, members: list[ast.EnumMember], into: list[str], kind: str) -> None:
        for member in members:
            if member.name in into:
                self.fail(member, f"duplicate {kind} member '{member.name}'")
            into.append(member.name)

    # --- externs and functions

    def _check_extern(self, decl: ast.ExternDecl) -> None:
        with self.scoped():
            self.declare_type_params(decl.type_params)
            for ctor in decl.constructors:
                if ctor.name != decl.name:
                    self.fail(
                        ctor,
                        f"constructor '{ctor.name}' of extern {decl.name} must be named {decl.name}",
                    )
                self.resolve_params(ctor.params, ctor=True)
                self.signatures[ctor] = Signature(ctor.params, VoidType(), [])
            arities: set[tuple[str, int]] = set()
            for method in decl.methods:
                # Overloads are told apart by their number of parameters only (p4c).
                arity = (method.name, len(method.params))
                if arity in arities:
                    self.fail(
                        method,
                        f"ambiguous method '{method.name}' with {len(method.params)} "
                        f"parameters in extern {decl.name}",
                    )
                arities.add(arity)
                for tp in method.type_params:
                    # p4c's grammar rejects it: the extern's parameter is a type name there.
                    outer = next((t for t in decl.type_params if t.name == tp.name), None)
                    if outer is not None:
                        self.fail(tp, f"type parameter '{tp.name}' shadows the one at {outer.src}")
                self.signatures[method] = self._prototype_signature(method)

    def _prototype_signature(self, decl: ast.FunctionPrototype) -> Signature:
        with self.scoped():
            self.declare_type_params(decl.type_params)
            self.resolve_params(decl.params)
            ret = self.resolve_type(decl.return_type)
        if isinstance(ret, ParserType | ControlType | PackageType):
            self.fail(decl.return_type, f"'{decl.name}' cannot return a value of type {ret}")
        return Signature(decl.params, ret, [t.name for t in decl.type_params])

    def _check_function(self, decl: ast.ExternFunctionDecl | ast.FunctionDecl) -> None:
        sig = self._prototype_signature(decl)
        self.signatures[decl] = sig
        if isinstance(decl, ast.FunctionDecl):
            self.check_function_body(decl, sig.return_type, None)
        self.scope.declare(decl)

    def check_function_body(
        self, decl: ast.FunctionDecl, return_type: P4Type, this_type: P4Type | None
    ) -> None:
        ctx = Context(kind="function", return_type=return_type, this_type=this_type)
        with self.scoped("function", ctx):
            self.declare_type_params(decl.type_params)
            for p in decl.params:
                self.scope.declare(p)
            self.check_block(decl.body, new_scope=False)
        if not isinstance(return_type, VoidType) and not always_returns(decl.body):
            self.fail(decl, f"function '{decl.name}' does not return a value on every path")

    def check_action(self, decl: ast.ActionDecl) -> None:
        self.resolve_params(decl.params)
        self.check_action_params(decl)
        self.signatures[decl] = Signature(decl.params, VoidType(), [])
        ctx = Context(kind="action", block=self.ctx.block)
        with self.scoped("action", ctx):
            for p in decl.params:
                self.scope.declare(p)
            for instance in decl.instances:
                self.check_instance(instance)
            self.check_block(decl.body, new_scope=False)
        self.scope.declare(decl)

    # --- parsers and controls

    def _enter_block(self, decl: ast.ParserDecl | ast.ControlDecl) -> None:
        """Declare type, apply and constructor parameters in the current (block) scope."""
        self.declare_type_params(decl.type_params)
        self.resolve_params(decl.params)
        self.resolve_params(decl.ctor_params, ctor=True)
        self.signatures[decl] = Signature(
            decl.params, VoidType(), [t.name for t in decl.type_params]
        )
        for p in decl.params:
            self.scope.declare(p)
        for p in decl.ctor_params:
            self.scope.declare(p)
            self.ctor_params.add(id(p))

    def _check_parser(self, decl: ast.ParserDecl) -> None:
        with self.scoped("parser", Context(kind="parser", block=decl)):
            self._enter_block(decl)
            for local in decl.locals:
                self._check_local(local)
            states: dict[str, ast.ParserState] = {}
            for state in decl.states:
                if state.name in _RESERVED_STATES:
                    self.fail(
                        state, f"parser state '{state.name}' is implicit and cannot be declared"
                    )
                if state.name in states:
                    self.fail(state, f"duplicate parser state '{state.name}'")
                states[state.name] = state
            if "start" not in states:
                self.fail(decl, f"parser {decl.name} has no 'start' state")
            names = set(states) | set(_RESERVED_STATES)
            for state in decl.states:
                with self.scoped():
                    for stmt in state.stmts:
                        self.check_stmt(stmt)
                    if isinstance(state.transition, ast.SelectExpr):
                        self.check_select(state.transition, names)
                    elif state.transition is not None and state.transition not in names:
                        self.fail(state, f"undeclared parser state '{state.transition}'")

    def _check_control(self, decl: ast.ControlDecl) -> None:
        with self.scoped("control", Context(kind="control", block=decl)):
            self._enter_block(decl)
            for local in decl.locals:
                self._check_local(local)
            self.check_block(decl.body)

    def _check_local(self, local: ast.Declaration) -> None:
        if isinstance(local, ast.VariableDecl):
            self.check_variable(local)
        elif isinstance(local, ast.ConstDecl):
            self.check_const(local)
        elif isinstance(local, ast.InstanceDecl):
            self.check_instance(local)
        elif isinstance(local, ast.ActionDecl) and self.ctx.kind == "control":
            self.check_action(local)
        elif isinstance(local, ast.TableDecl) and self.ctx.kind == "control":
            self.check_table(local)
            self.scope.declare(local)
        elif isinstance(local, ast.ValueSetDecl) and self.ctx.kind == "parser":
            element = self.resolve_type(local.elem_type)
            if not fits_value_set(element):
                self.fail(local.elem_type, f"a value set cannot hold values of type {element}")
            self.value_set_types[id(local)] = element
            self.const_int(local.size, "a value set size")
            self.scope.declare(local)
        else:
            self.fail(local, f"a {type(local).__name__} cannot be declared in a {self.ctx.kind}")

    # --- instances

    def check_instance(self, decl: ast.InstanceDecl) -> None:
        ty = self.instantiate(decl, decl.type_ref, decl.args)
        decl.type = ty
        if self.ctx.kind == "global" and isinstance(ty, ParserType | ControlType):
            self.fail(decl, f"{ty} cannot be instantiated at the top level")
        if self.ctx.kind != "global" and isinstance(ty, PackageType):
            self.fail(decl, "packages can only be instantiated at the top level")
        if self.ctx.kind == "action" and not isinstance(ty, ExternType):
            self.fail(decl, f"an action can only instantiate extern objects, not {ty}")
        if isinstance(ty, ExternType):
            self._check_initializer(decl, ty)
        elif decl.initializer:
            self.fail(decl.initializer[0], "only extern instances can have an initializer")
        self.scope.declare(decl)

    def _check_initializer(self, decl: ast.InstanceDecl, ty: ExternType) -> None:
        """Abstract method implementations ``= { ... }`` of an extern instance, and the objects
        they use, instantiated there too (p4c virtual2.p4)."""
        assert ty.decl is not None
        with self.scoped():
            self._check_initializer_items(decl, ty, ty.decl)

    def _check_initializer_items(
        self, decl: ast.InstanceDecl, ty: ExternType, extern: ast.ExternDecl
    ) -> None:
        abstract = {m.name: m for m in extern.methods if m.abstract}
        mapping = {tp.name: t for tp, t in zip(extern.type_params, ty.type_args, strict=False)}
        implemented: set[str] = set()
        for impl in decl.initializer:
            if isinstance(impl, ast.InstanceDecl):
                self.check_instance(impl)
                continue
            if not isinstance(impl, ast.FunctionDecl) or impl.name not in abstract:
                self.fail(impl, f"'{impl.name}' is not an abstract method of {ty}")
            implemented.add(impl.name)
            expected = self.signature(abstract[impl.name])
            sig = self._prototype_signature(impl)
            if len(sig.params) != len(expected.params):
                self.fail(impl, f"'{impl.name}' must have {len(expected.params)} parameters")
            for got, want in zip(sig.params, expected.params, strict=False):
                assert got.type is not None and want.type is not None
                if got.type != subst(want.type, mapping) or got.direction is not want.direction:
                    self.fail(got, f"parameter '{got.name}' does not match the abstract method")
            self.check_function_body(impl, subst(expected.return_type, mapping), ty)
        missing = sorted(set(abstract) - implemented)
        if missing:
            self.fail(decl, f"abstract method '{missing[0]}' of {ty} is not implemented")


def check(program: ast.Program) -> CheckedProgram:
    """Type-check ``program`` (annotating it in place) and elaborate its ``main`` package."""
    check_annotations(program)
    checker = Checker()
    checker.check_program(program)
    return elaborate(
        program, checker.error_members, checker.match_kinds, checker.ctor_bound, checker.warnings
    )
