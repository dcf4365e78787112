"""Elaboration: the instance tree of a checked program, rooted at the ``main`` package.

Every parser, control and extern object that exists at run time becomes an ``Instance`` with
its fully qualified control-plane name, following p4c's P4Info naming: an object declared in
control ``MyIngress`` that the package instantiates anonymously is ``MyIngress.<obj>``, nested
instances chain (``MyIngress.c1.t``), ``@name("x")`` replaces the local part and
``@name(".x")`` makes the name global (``x``). Constructor arguments are evaluated to
compile-time values, including references to the enclosing block's constructor parameters.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from softswitch.frontend import ast, types
from softswitch.frontend.constfold import FoldError, fold_binary, fold_cast, fold_unary
from softswitch.frontend.diagnostics import CompileError, Diagnostic, Severity

BlockDecl = ast.ParserDecl | ast.ControlDecl | ast.ExternDecl | ast.PackageTypeDecl


@dataclass(eq=False)
class Instance:
    """One instantiated object of the program."""

    name: str  # fully qualified control-plane path ("MyIngress", "MyIngress.counter0")
    decl: ast.InstanceDecl | None  # None for anonymous instances (package arguments)
    type: types.P4Type  # ExternType / ParserType / ControlType / PackageType (specialized)
    block_decl: BlockDecl
    ctor_args: dict[str, object] = field(default_factory=dict)
    children: dict[str, Instance] = field(default_factory=dict)

    def walk(self) -> Iterator[Instance]:
        """This instance and all its descendants, depth first, in declaration order."""
        yield self
        for child in self.children.values():
            yield from child.walk()


def qualify(prefix: str, decl: ast.Declaration) -> str:
    """The fully qualified control-plane name of ``decl`` declared inside ``prefix``."""
    local = decl.control_plane_name()
    if local.startswith("."):
        return local[1:]
    return f"{prefix}.{local}" if prefix else local


NO_MAIN = "the program has no 'main' package instance"


@dataclass
class CheckedProgram:
    program: ast.Program
    # The top-level package instance (``main``, for v1model V1Switch). A program without one
    # is still a valid P4 program (p4c's front end only warns); back ends need it.
    main: Instance | None
    package_args: dict[str, Instance]  # package parameter name -> instance ("p", "ig", ...)
    errors: dict[str, int]  # error member -> numeric code, in declaration order (NoError=0)
    match_kinds: list[str]
    globals: dict[str, Instance] = field(default_factory=dict)  # top-level extern instances
    warnings: list[Diagnostic] = field(default_factory=list)

    def instances(self) -> Iterator[Instance]:
        """Every instance: top-level externs first, then the package tree."""
        for inst in self.globals.values():
            yield from inst.walk()
        if self.main is not None:
            yield from self.main.walk()

    def require_main(self) -> Instance:
        """The ``main`` instance, for a back end; a located ``CompileError`` without one."""
        if self.main is None:
            decls = self.program.declarations
            raise CompileError.at(decls[-1].src if decls else ast.NO_SRC, NO_MAIN)
        return self.main

    def tables(self) -> list[tuple[str, ast.TableDecl, Instance]]:
        """(fully qualified name, declaration, owning control instance) of every table."""
        result = []
        for inst in self.instances():
            if isinstance(inst.block_decl, ast.ControlDecl):
                for local in inst.block_decl.locals:
                    if isinstance(local, ast.TableDecl):
                        result.append((qualify(inst.name, local), local, inst))
        return result

    def actions(self) -> list[tuple[str, ast.ActionDecl]]:
        """Every action a table can run (its action list and default action), fully
        qualified: actions declared in a control are prefixed with the control instance's
        name, top-level actions keep their own name. Actions only called directly from code
        are not listed (like p4c, which inlines them)."""
        top_level = {id(d) for d in self.program.declarations if isinstance(d, ast.ActionDecl)}
        seen: dict[str, ast.ActionDecl] = {}
        for _, table, inst in self.tables():
            refs = list(table.actions)
            if table.default_action is not None:
                refs.append(table.default_action)
            for ref in refs:
                decl = ref.decl
                assert decl is not None
                name = qualify("" if id(decl) in top_level else inst.name, decl)
                seen.setdefault(name, decl)
        return list(seen.items())

    def action_name(self, decl: ast.ActionDecl, owner: Instance) -> str:
        """The fully qualified name of ``decl`` as used from control instance ``owner``."""
        if any(decl is d for d in self.program.declarations):
            return qualify("", decl)
        return qualify(owner.name, decl)


class _Elaborator:
    def __init__(self, ctor_bound: dict[ast.Node, list[ast.Expression | None]]) -> None:
        self.ctor_bound = ctor_bound
        self.globals: dict[int, Instance] = {}

    def instance(
        self,
        name: str,
        node: ast.InstanceDecl | ast.ConstructorCall,
        ty: types.P4Type,
        env: dict[int, object],
    ) -> Instance:
        block = self._block_decl(node, ty)
        params = self._ctor_params(block, ty, node)
        bound = self.ctor_bound.get(node, [])
        args: dict[str, object] = {}
        for param, arg in zip(params, bound, strict=False):
            if arg is not None:
                args[param.name] = self.value(arg, env, f"{name}.{param.name}")
        decl = node if isinstance(node, ast.InstanceDecl) else None
        inst = Instance(name, decl, ty, block, args)
        for local in decl.initializer if decl is not None else []:
            # Objects an extern instance's initializer declares for its abstract methods.
            if isinstance(local, ast.InstanceDecl):
                assert local.type is not None
                inst.children[local.name] = self.instance(
                    qualify(name, local), local, local.type, env
                )
        if isinstance(block, ast.ParserDecl | ast.ControlDecl):
            inner_env = {id(p): args.get(p.name) for p in block.ctor_params}
            for local in block.locals:
                if isinstance(local, ast.InstanceDecl):
                    assert local.type is not None
                    child = self.instance(qualify(name, local), local, local.type, inner_env)
                    inst.children[local.name] = child
                    # A later local may take this one as a constructor argument.
                    inner_env[id(local)] = child
                elif isinstance(local, ast.ActionDecl):
                    # Externs an action instantiates belong to the control (p4c).
                    for obj in local.instances:
                        assert obj.type is not None
                        child = self.instance(qualify(name, obj), obj, obj.type, inner_env)
                        inst.children[obj.name] = child
        return inst

    def _block_decl(self, node: ast.Node, ty: types.P4Type) -> BlockDecl:
        decl = getattr(ty, "decl", None)
        if not isinstance(
            decl, ast.ParserDecl | ast.ControlDecl | ast.ExternDecl | ast.PackageTypeDecl
        ):
            raise CompileError.at(node.src, f"cannot instantiate {ty}")
        return decl

    def _ctor_params(
        self, block: BlockDecl, ty: types.P4Type, node: ast.Node
    ) -> list[ast.Parameter]:
        if isinstance(block, ast.ParserDecl | ast.ControlDecl):
            return block.ctor_params
        if isinstance(block, ast.PackageTypeDecl):
            return block.params
        bound = self.ctor_bound.get(node, [])
        for ctor in block.constructors:
            if len(ctor.params) == len(bound):
                return ctor.params
        return []

    def value(self, expr: ast.Expression, env: dict[int, object], name: str) -> object:
        """The compile-time value of a constructor argument."""
        if isinstance(expr, ast.ConstructorCall):
            assert expr.type is not None
            local = (
                name
                if not isinstance(expr.type, types.ParserType | types.ControlType)
                else (expr.type.decl.control_plane_name() if expr.type.decl else name)
            )
            return self.instance(local, expr, expr.type, env)
        if isinstance(expr, ast.MethodCall) and isinstance(expr.type, types.ExternType):
            # The object an extern factory function makes (p4c factory1.p4).
            assert expr.type.decl is not None
            return Instance(name, None, expr.type, expr.type.decl)
        if expr.const_value is not None:
            return expr.const_value
        try:
            return self._fold(expr, env)
        except FoldError as exc:
            raise CompileError.at(expr.src, str(exc)) from None

    def _fold(self, expr: ast.Expression, env: dict[int, object]) -> object:
        if isinstance(expr, ast.PathExpr):
            decl = expr.decl
            if id(decl) in env:
                return env[id(decl)]
            if id(decl) in self.globals:
                return self.globals[id(decl)]
        elif isinstance(expr, ast.Unary):
            assert expr.type is not None
            return fold_unary(expr.op, self._fold(expr.expr, env), expr.type)
        elif isinstance(expr, ast.Binary):
            assert expr.type is not None and expr.left.type is not None
            left, right = self._fold(expr.left, env), self._fold(expr.right, env)
            return fold_binary(expr.op, left, right, expr.left.type, expr.type)
        elif isinstance(expr, ast.Cast):
            assert expr.type is not None
            return fold_cast(self._fold(expr.expr, env), expr.type)
        elif expr.const_value is not None:
            return expr.const_value
        raise CompileError.at(expr.src, "unsupported: this constructor argument expression")


def _main_decl(program: ast.Program) -> ast.InstanceDecl | None:
    for decl in program.declarations:
        if isinstance(decl, ast.InstanceDecl) and decl.name == "main":
            if not isinstance(decl.type, types.PackageType):
                raise CompileError.at(decl.src, "'main' must be a package instance")
            return decl
    return None


def elaborate(
    program: ast.Program,
    error_members: list[str],
    match_kinds: list[str],
    ctor_bound: dict[ast.Node, list[ast.Expression | None]],
    warnings: list[Diagnostic] | None = None,
) -> CheckedProgram:
    """The instance tree of a checked ``program``; ``warnings`` are the checker's so far."""
    elaborator = _Elaborator(ctor_bound)
    top: dict[str, Instance] = {}
    for decl in program.declarations:
        if isinstance(decl, ast.InstanceDecl) and isinstance(decl.type, types.ExternType):
            inst = elaborator.instance(qualify("", decl), decl, decl.type, {})
            elaborator.globals[id(decl)] = inst
            top[decl.name] = inst
    main_decl = _main_decl(program)
    main: Instance | None = None
    package_args: dict[str, Instance] = {}
    warnings = list(warnings or [])
    if main_decl is None:
        src = program.declarations[-1].src if program.declarations else ast.NO_SRC
        warnings.append(Diagnostic(Severity.WARNING, NO_MAIN, src))
    else:
        assert main_decl.type is not None
        main = elaborator.instance("", main_decl, main_decl.type, {})
        main.name = "main"
        package_args = {k: v for k, v in main.ctor_args.items() if isinstance(v, Instance)}
        for inst in package_args.values():
            main.children.setdefault(inst.name, inst)
    checked = CheckedProgram(
        program=program,
        main=main,
        package_args=package_args,
        errors={name: code for code, name in enumerate(error_members)},
        match_kinds=list(match_kinds),
        globals=top,
        warnings=warnings,
    )
    _check_unique_names(checked)
    return checked


def _check_unique_names(checked: CheckedProgram) -> None:
    """Two different tables, or two different actions, cannot share a fully qualified
    control-plane name (p4c refuses to build such a P4Info)."""
    tables: dict[str, tuple[ast.TableDecl, Instance]] = {}
    for name, table, owner in checked.tables():
        first = tables.setdefault(name, (table, owner))
        if first != (table, owner):
            later, earlier = _in_source_order(first[0], table)
            raise CompileError.at(
                later.src,
                f"control-plane name '{name}' is used by two tables (the other at {earlier.src})",
            )
    actions: dict[str, ast.ActionDecl] = {}
    for _, table, owner in checked.tables():
        refs = [*table.actions, *([table.default_action] if table.default_action else [])]
        for ref in refs:
            assert ref.decl is not None
            name = checked.action_name(ref.decl, owner)
            other = actions.setdefault(name, ref.decl)
            if other is not ref.decl:
                later, earlier = _in_source_order(other, ref.decl)
                raise CompileError.at(
                    later.src,
                    f"control-plane name '{name}' is used by two actions "
                    f"(the other at {earlier.src})",
                )


def _in_source_order(first: ast.Node, second: ast.Node) -> tuple[ast.Node, ast.Node]:
    """(later, earlier) of two clashing declarations: like p4c, the error is reported at the
    one declared later in the file (the walk meets them in table order)."""
    a, b = first.src, second.src
    if a.file == b.file and (a.line, a.col) > (b.line, b.col):
        return first, second
    return second, first
