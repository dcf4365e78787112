"""How p4c visits a program to build P4Info, reproduced on the checked AST.

p4c generates P4Info from its front-end output: sub-controls and sub-parsers are inlined into
the controls the package instantiates, each control keeps only the actions its tables use
(global actions such as ``NoAction`` are copied to the front of every control using them) and
unused tables are dropped. It then visits the evaluated blocks breadth first: the package
arguments in parameter order (their actions, digests and value sets), then what they contain
in declaration order (tables and extern instances). ``collect`` returns those objects in that
order, with their fully qualified control-plane names.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from softswitch.frontend import ast, types
from softswitch.frontend.diagnostics import CompileError
from softswitch.frontend.p4info_types import int_annotation
from softswitch.frontend.p4info_values import ctor_args


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
    def main(self) -> InstanceLike | None: ...
    def require_main(self) -> InstanceLike: ...
    @property
    def package_args(self) -> Mapping[str, InstanceLike]: ...
    @property
    def errors(self) -> Mapping[str, int]: ...


# --------------------------------------------------------------------------------------------
# What the walk collects


@dataclass
class Table:
    name: str
    decl: ast.TableDecl
    owner: str  # fully qualified name of the control declaring the table
    block: ast.ControlDecl
    # The action list and default action after p4c's CreateBuiltins (see ``with_builtins``).
    actions: list[ast.ActionRef] = field(default_factory=list)
    default_action: ast.ActionRef | None = None


@dataclass
class Extern:
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
class Collected:
    tables: list[Table] = field(default_factory=list)
    actions: list[tuple[str, ast.ActionDecl]] = field(default_factory=list)
    # Declared extern instances and per-table resources, interleaved in visiting order.
    externs: list[Extern | Table] = field(default_factory=list)
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


def qualify(owner: str, decl: ast.Declaration | ast.Annotated, local: str) -> str:
    """p4c's hierarchical names: ``@name(".x")`` is global, anything else is owner-relative."""
    anno = decl.annotation("name")
    if anno is not None and anno.exprs and isinstance(anno.exprs[0], ast.StringLiteral):
        local = anno.exprs[0].value
    if local.startswith("."):
        return local[1:]
    return f"{owner}.{local}" if owner else local


def global_name(decl: ast.Declaration) -> str:
    return qualify("", decl, decl.name)


class _Walker:
    """Visits the program as p4c's serializer does and fills a ``Collected``."""

    def __init__(self, checked: CheckedProgramLike) -> None:
        self.checked = checked
        self.out = Collected()
        self._seen_actions: set[str] = set()
        self._digest_names: dict[int, str] = {}
        self._no_action = next(
            (
                d
                for d in checked.program.declarations
                if isinstance(d, ast.ActionDecl) and d.name == "NoAction"
            ),
            None,
        )

    def run(self) -> Collected:
        program = self.checked.program
        main_name = self.checked.require_main().name
        for decl in program.declarations:
            if isinstance(decl, ast.InstanceDecl) and decl.name != main_name:
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
                    self.out.value_sets.append((qualify(owner.name, decl, decl.name), decl))
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
        """Actions the control uses (its applied tables list them, or its apply block or a used
        action calls them): its global ones first, then locals in declaration order with
        inlined sub-controls in place."""
        block = inst.block_decl
        assert isinstance(block, ast.ControlDecl)
        used = _used_actions(
            block,
            [with_builtins(t, self._no_action) for t in self._applied_tables(block)],
        )
        used_ids = {id(d) for d in used}
        local_ids = {id(d) for d in block.locals}
        result: list[tuple[str, ast.ActionDecl]] = []
        for decl in used:
            if id(decl) not in local_ids:
                entry = (global_name(decl), decl)
                if entry[0] not in (n for n, _ in result):
                    result.append(entry)
        for local in block.locals:
            if isinstance(local, ast.ActionDecl) and id(local) in used_ids:
                result.append((qualify(inst.name, local, local.name), local))
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
        # p4c names the digest after its type argument T (P4RuntimeArchHandlerV1Model::
        # getDigestCall). An inferred T is the data's type as BindTypeVariables writes it
        # (getP4Type): a name for declared types, a bare type for bit<W>, bool, tuples, stacks.
        explicit = call.type_args[0] if call.type_args else None
        if isinstance(explicit, ast.TypeName) and explicit.decl is not None:
            name = global_name(explicit.decl)
        elif isinstance(data_type, types.StructLikeType | types.EnumType | types.NewType):
            name = global_name(data_type.decl) if data_type.decl else data_type.name
        elif isinstance(data_type, types.ErrorType):
            name = "error"
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
                    actions, default = with_builtins(decl, self._no_action)
                    table = Table(
                        qualify(owner.name, decl, decl.name),
                        decl,
                        owner.name,
                        owner.block_decl,
                        actions,
                        default,
                    )
                    self.out.tables.append(table)
                    self.out.externs.append(table)
            elif isinstance(decl, ast.InstanceDecl):
                self._declared_extern(owner.name, decl, owner.children.get(decl.name))
            elif isinstance(decl, ast.ActionDecl):
                for obj in decl.instances:
                    self._declared_extern(owner.name, obj, owner.children.get(obj.name))

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
            Extern(
                name=qualify(owner, decl, decl.name),
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


def _used_actions(
    block: ast.ControlDecl, applied: list[tuple[list[ast.ActionRef], ast.ActionRef | None]]
) -> list[ast.ActionDecl]:
    """Actions that survive p4c's front end, in order of first use: those the applied tables
    list (``with_builtins`` results), then those the apply block calls, also through the
    functions it calls. p4c inlines actions called from other actions first, so such calls
    do not count."""
    used: dict[int, ast.ActionDecl] = {}
    for actions, default in applied:
        for ref in [*actions, *([default] if default is not None else [])]:
            if ref.decl is not None:
                used.setdefault(id(ref.decl), ref.decl)
    pending: list[ast.Node] = [block.body]
    visited: set[int] = set()
    while pending:
        for call in _calls(pending.pop(0)):
            callee = call.callee_decl
            if isinstance(callee, ast.ActionDecl):
                used.setdefault(id(callee), callee)
            elif isinstance(callee, ast.FunctionDecl) and id(callee) not in visited:
                visited.add(id(callee))
                pending.append(callee.body)
    return list(used.values())


def with_builtins(
    table: ast.TableDecl, no_action: ast.ActionDecl | None
) -> tuple[list[ast.ActionRef], ast.ActionRef | None]:
    """The table's actions and default action as p4c's CreateBuiltins leaves them: a table
    without ``default_action`` gets ``default_action = NoAction()``, and ``@defaultonly
    NoAction`` is appended to its actions unless NoAction is already listed."""
    if table.default_action is not None or no_action is None:
        return list(table.actions), table.default_action
    actions = list(table.actions)
    if all(ref.decl is not no_action for ref in actions):
        actions.append(
            ast.ActionRef(
                "NoAction",
                has_parens=True,
                decl=no_action,
                annotations=[ast.Annotation("defaultonly", src=table.src)],
                src=table.src,
            )
        )
    return actions, ast.ActionRef("NoAction", has_parens=True, decl=no_action, src=table.src)


def collect(checked: CheckedProgramLike) -> Collected:
    """The control-plane objects of ``checked`` in p4c's visiting order."""
    return _Walker(checked).run()
