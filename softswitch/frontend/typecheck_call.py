"""Calls and instantiations: overload resolution, argument binding (positional, named,
defaults, ``@optional``), generic type inference, direction rules, builtin methods, and
constructor calls of externs, parsers, controls and packages."""

from __future__ import annotations

from dataclasses import dataclass

from softswitch.frontend import ast
from softswitch.frontend.typecheck_expr import ExprChecker
from softswitch.frontend.types import (
    ApplyResultType,
    BoolType,
    ControlType,
    ExternType,
    HeaderStackType,
    IntType,
    P4Type,
    PackageType,
    ParserType,
    SetType,
    StringType,
    StructLikeType,
    TableType,
    TypeVar,
    VarbitType,
    VoidType,
)
from softswitch.frontend.typeutil import contains_typevar, size_in_bits, subst, unify

_SIZE_METHODS = ("minSizeInBits", "minSizeInBytes", "maxSizeInBits", "maxSizeInBytes")


@dataclass
class Signature:
    """A callable's resolved parameter and return types (type variables still free)."""

    params: list[ast.Parameter]  # each Parameter.type is set
    return_type: P4Type
    type_params: list[str]


BlockType = ParserType | ControlType


def _a(noun: str) -> str:
    return f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"


class CallChecker(ExprChecker):
    def __init__(self) -> None:
        super().__init__()
        self.signatures: dict[ast.Declaration, Signature] = {}
        # Constructor arguments of every instantiation, in parameter order (for elaboration).
        self.ctor_bound: dict[ast.Node, list[ast.Expression | None]] = {}
        # Instances created for direct applications ``T.apply()``, per enclosing block.
        self.direct_instances: dict[int, int] = {}

    # --- signatures

    def signature(self, decl: ast.Declaration) -> Signature:
        sig = self.signatures.get(decl)
        if sig is None:
            # Declarations are checked before use, so this only happens for a callee that
            # failed earlier; report it where it is declared.
            self.fail(decl, f"'{decl.name}' cannot be called here")
        return sig

    def resolve_params(self, params: list[ast.Parameter], ctor: bool = False) -> None:
        seen: set[str] = set()
        for p in params:
            if p.name in seen:
                self.fail(p, f"duplicate parameter '{p.name}'")
            seen.add(p.name)
            p.type = self.resolve_type(p.type_ref)
            if isinstance(p.type, VoidType):
                self.fail(p, f"parameter '{p.name}' cannot have type void")
            if ctor and p.direction is not ast.Direction.NONE:
                self.fail(p, f"constructor parameter '{p.name}' cannot have a direction")
            if not ctor and isinstance(p.type, ParserType | ControlType | PackageType):
                # Only constructor parameters take parsers, controls and packages (p4c).
                self.fail(p, f"parameter '{p.name}' cannot have type {p.type}")
            if p.direction is not ast.Direction.NONE and isinstance(
                p.type, ExternType | StringType
            ):
                self.fail(p, f"parameter '{p.name}' of type {p.type} cannot have a direction")
            if p.default is not None:
                if p.direction in (ast.Direction.OUT, ast.Direction.INOUT):
                    self.fail(p, f"{p.direction.value} parameter '{p.name}' cannot have a default")
                if p.optional:
                    self.fail(p, f"optional parameter '{p.name}' cannot have a default")
                self.check_value(p.default, p.type)
                if not contains_typevar(p.type):
                    self.convert(p.default, p.type, "initialize")

    # --- method calls

    def check_method_call(self, call: ast.MethodCall, expected: P4Type | None) -> P4Type:
        target = call.target
        if isinstance(target, ast.PathExpr):
            return self._call_path(call, target)
        if isinstance(target, ast.Member):
            if isinstance(target.expr, ast.TypeNameExpr):
                return self._call_on_type(call, target, target.expr)
            base = self.check_expr(target.expr)
            return self._call_member(call, target, base)
        self.fail(call, "this expression cannot be called")

    def _call_path(self, call: ast.MethodCall, target: ast.PathExpr) -> P4Type:
        decls = self.scope.lookup(target.name, target.is_global)
        if not decls:
            self.fail(target, f"undeclared identifier '{target.name}'")
        kinds = {
            ast.ActionDecl: ast.CalleeKind.ACTION,
            ast.FunctionDecl: ast.CalleeKind.FUNCTION,
            ast.ExternFunctionDecl: ast.CalleeKind.EXTERN_FUNCTION,
        }
        callables = [d for d in decls if type(d) in kinds]
        if not callables:
            self.fail(target, f"'{target.name}' is not a function or action")
        decl = self._pick_overload(call, callables, target.name)
        target.decl = decl
        call.callee_kind = kinds[type(decl)]
        call.callee_decl = decl
        if isinstance(decl, ast.ActionDecl):
            if self.ctx.kind in ("parser", "function"):
                self.fail(call, f"actions cannot be called from {_a(self.ctx.kind)}")
            if self.ctx.kind == "global":
                self.fail(call, "actions can only be called from controls and actions")
        is_extern = isinstance(decl, ast.ExternFunctionDecl)
        if decl.name == "verify" and is_extern and self.ctx.kind != "parser":
            self.fail(call, "verify can only be called from a parser")
        result = self.bind_call(call, self.signature(decl), {}, target.name)
        if decl.name == "static_assert" and isinstance(decl, ast.ExternFunctionDecl):
            self._static_assert(call)
        return result

    def _static_assert(self, call: ast.MethodCall) -> None:
        """``static_assert(check[, message])`` is evaluated at compile time."""
        assert call.bound_args is not None
        check, *rest = call.bound_args
        message = rest[0].const_value if rest and rest[0] is not None else None
        if check is None or check.const_value is not True:
            self.fail(call, f"static assertion failed{': ' + str(message) if message else ''}")
        call.const_value = True

    def _pick_overload(
        self, call: ast.MethodCall, decls: list[ast.Declaration], name: str
    ) -> ast.Declaration:
        names = {a.name for a in call.args if a.name is not None}
        for decl in decls:
            params = self.signature(decl).params
            required = [p for p in params if p.default is None and not p.optional]
            if names:
                declared = {p.name for p in params}
                if names <= declared and {p.name for p in required} <= names:
                    return decl
            elif len(required) <= len(call.args) <= len(params):
                return decl
        if len(decls) == 1:
            count = len(self.signature(decls[0]).params)
            self.fail(call, f"'{name}' expects {count} arguments, got {len(call.args)}")
        self.fail(call, f"no overload of '{name}' takes {len(call.args)} arguments")

    def _call_member(self, call: ast.MethodCall, target: ast.Member, base: P4Type) -> P4Type:
        name = target.name
        if isinstance(base, ExternType):
            return self._call_extern_method(call, target, base)
        if isinstance(base, TableType) and name == "apply":
            if self.ctx.kind != "control":
                self.fail(call, f"tables cannot be applied from {_a(self.ctx.kind)}")
            if call.args:
                self.fail(call, "a table's apply() takes no arguments")
            call.callee_kind = ast.CalleeKind.TABLE_APPLY
            call.callee_decl = base.decl
            call.bound_args = []
            return ApplyResultType(base.name, base.decl)
        if isinstance(base, ParserType | ControlType) and name == "apply":
            return self._call_apply(call, target, base)
        if isinstance(base, StructLikeType) and base.kind in ("header", "header_union"):
            return self._call_header_builtin(call, target, base)
        if isinstance(base, StructLikeType | HeaderStackType) and name in _SIZE_METHODS:
            return self._size_builtin(call, name, base)
        if isinstance(base, HeaderStackType) and name in ("push_front", "pop_front"):
            if self.ctx.kind == "parser":
                self.fail(target, f"'{name}' of a header stack cannot be used in a parser")
            self.check_lvalue(target.expr, f"call {name} on")
            self._builtin(call, name, 1)
            count_expr = call.args[0].expr
            assert count_expr is not None
            if self.const_int(count_expr, f"the {name} count") < 0:
                self.fail(count_expr, f"{name} needs a non-negative count")
            return VoidType()
        self.fail(target, f"{base} has no method '{name}'")

    def _builtin(self, call: ast.MethodCall, name: str, arity: int) -> None:
        if len(call.args) != arity or any(a.expr is None for a in call.args):
            self.fail(call, f"'{name}' expects {arity} arguments, got {len(call.args)}")
        call.callee_kind = ast.CalleeKind.BUILTIN
        call.builtin = name
        call.bound_args = [a.expr for a in call.args]

    def _call_header_builtin(
        self, call: ast.MethodCall, target: ast.Member, base: StructLikeType
    ) -> P4Type:
        name = target.name
        if name == "isValid":
            self._builtin(call, name, 0)
            return BoolType()
        if base.kind == "header" and name in ("setValid", "setInvalid"):
            self.check_lvalue(target.expr, f"call {name} on")
            self._builtin(call, name, 0)
            return VoidType()
        if name in _SIZE_METHODS:
            return self._size_builtin(call, name, base)
        self.fail(target, f"{base.kind.replace('_', ' ')} {base} has no method '{name}'")

    def _size_builtin(self, call: ast.MethodCall, name: str, ty: P4Type) -> P4Type:
        """``minSizeInBits()`` and friends: a compile-time ``int``."""
        self._builtin(call, name, 0)
        sizes = size_in_bits(ty)
        if sizes is None:
            self.fail(call, f"'{name}' is not defined for {ty}")
        bits = sizes[1] if name.startswith("max") else sizes[0]
        call.const_value = (bits + 7) // 8 if name.endswith("Bytes") else bits
        return IntType()

    def _call_on_type(
        self, call: ast.MethodCall, target: ast.Member, type_expr: ast.TypeNameExpr
    ) -> P4Type:
        """``T.minSizeInBits()`` or a direct application ``T.apply(args)``."""
        ty = self.resolve_type(type_expr.type_ref)
        type_expr.type = ty
        if target.name in _SIZE_METHODS:
            return self._size_builtin(call, target.name, ty)
        if target.name == "apply" and isinstance(ty, ParserType | ControlType):
            return self._direct_application(call, target, type_expr, ty)
        self.fail(target, f"type {ty} has no method '{target.name}'")

    def _direct_application(
        self, call: ast.MethodCall, target: ast.Member, type_expr: ast.TypeNameExpr, ty: BlockType
    ) -> P4Type:
        """``T.apply(args)`` instantiates ``T`` anonymously in the enclosing parser or
        control. As p4c does, the instance is added to the block's local declarations, named
        ``@name("T")``, and the call becomes an ordinary apply of that instance."""
        block = self.ctx.block
        if not isinstance(ty.decl, ast.ParserDecl | ast.ControlDecl):
            self.fail(call, f"cannot instantiate {ty}: it is only a type declaration")
        if not isinstance(block, ast.ParserDecl | ast.ControlDecl):
            self.fail(call, f"{ty} can only be applied from a parser or control")
        ref = type_expr.type_ref
        assert isinstance(ref, ast.TypeName)
        taken = {local.name for local in block.locals}
        name = f"{ref.name}_inst"
        suffix = 0
        while name in taken:
            name = f"{ref.name}_inst_{suffix}"
            suffix += 1
        control_plane = ast.StringLiteral(("." if ref.is_global else "") + ref.name, src=call.src)
        annotation = ast.Annotation(
            "name", body=f'"{control_plane.value}"', exprs=[control_plane], src=call.src
        )
        instance = ast.InstanceDecl(name, ref, [], annotations=[annotation], src=call.src)
        instance.type = self.instantiate(instance, ref, [])
        inserted = self.direct_instances.get(id(block), 0)
        block.locals.insert(inserted, instance)
        self.direct_instances[id(block)] = inserted + 1
        path = ast.PathExpr(name, src=type_expr.src)
        path.decl = instance
        path.type = instance.type
        target.expr = path
        return self._call_apply(call, target, ty)

    def _call_extern_method(
        self, call: ast.MethodCall, target: ast.Member, base: ExternType
    ) -> P4Type:
        assert base.decl is not None
        methods = [m for m in base.decl.methods if m.name == target.name]
        if not methods:
            self.fail(target, f"extern {base} has no method '{target.name}'")
        decl = self._pick_overload(call, list(methods), target.name)
        call.callee_kind = ast.CalleeKind.EXTERN_METHOD
        call.callee_decl = decl
        mapping = {tp.name: t for tp, t in zip(base.decl.type_params, base.type_args, strict=False)}
        result = self.bind_call(call, self.signature(decl), mapping, target.name)
        if base.name == "packet_in":
            self._check_packet_in_call(call, target.name, result)
        return result

    def _check_packet_in_call(self, call: ast.MethodCall, method: str, result: P4Type) -> None:
        """What core.p4's generic signatures cannot say about extract and lookahead."""
        if method == "lookahead":
            if isinstance(result, VoidType) or result.bit_width() is None:
                self.fail(call, f"lookahead needs a fixed-width type, not {result}")
            return
        if method != "extract" or not call.bound_args or call.bound_args[0] is None:
            return
        arg = call.bound_args[0]
        if not (isinstance(arg.type, StructLikeType) and arg.type.kind == "header"):
            self.fail(arg, f"extract needs a header, not {arg.type}")
        varbits = sum(isinstance(f.type, VarbitType) for f in arg.type.fields)
        if len(call.bound_args) == 1 and varbits:
            self.fail(arg, f"header {arg.type} has a varbit field: extract needs its size in bits")
        if len(call.bound_args) == 2 and not varbits:
            self.fail(arg, f"header {arg.type} has no varbit field to extract a size for")

    def _call_apply(self, call: ast.MethodCall, target: ast.Member, base: BlockType) -> P4Type:
        if self.ctx.kind in ("action", "function"):
            block = "parser" if isinstance(base, ParserType) else "control"
            self.fail(call, f"a {block} cannot be applied from {_a(self.ctx.kind)}")
        decl = base.decl
        if isinstance(base, ParserType) and self.ctx.kind != "parser":
            self.fail(call, "parsers can only be applied from parsers")
        if isinstance(base, ControlType) and self.ctx.kind != "control":
            self.fail(call, "controls can only be applied from controls")
        assert decl is not None
        call.callee_kind = ast.CalleeKind.CONTROL_APPLY
        call.callee_decl = target.expr.decl if isinstance(target.expr, ast.PathExpr) else None
        mapping = {tp.name: t for tp, t in zip(decl.type_params, base.type_args, strict=False)}
        return self.bind_call(call, self.signature(decl), mapping, f"{base.name}.apply")

    # --- argument binding

    def bind_args(
        self, node: ast.Node, args: list[ast.Argument], params: list[ast.Parameter], name: str
    ) -> list[ast.Expression | None]:
        """Arguments in parameter order, with defaults applied; None for absent optionals."""
        bound: list[ast.Expression | None] = [None] * len(params)
        given = [False] * len(params)
        named = [a.name is not None for a in args]
        if any(named) and not all(named):
            self.fail(node, "arguments must be either all named or all positional")
        if len(args) > len(params):
            self.fail(node, f"'{name}' expects {len(params)} arguments, got {len(args)}")
        index = {p.name: i for i, p in enumerate(params)}
        for position, arg in enumerate(args):
            i = position
            if arg.name is not None:
                if arg.name not in index:
                    self.fail(arg, f"'{name}' has no parameter '{arg.name}'")
                i = index[arg.name]
                if given[i]:
                    self.fail(arg, f"parameter '{arg.name}' is given twice")
            given[i] = True
            bound[i] = arg.expr if arg.expr is not None else ast.DontCareExpr(src=arg.src)
        for i, p in enumerate(params):
            if given[i]:
                continue
            if p.default is not None:
                bound[i] = p.default
            elif not p.optional:
                self.fail(node, f"missing argument for parameter '{p.name}' of '{name}'")
        return bound

    def bind_call(
        self, call: ast.MethodCall, sig: Signature, mapping: dict[str, P4Type], name: str
    ) -> P4Type:
        """Bind and check the arguments of ``call``; returns the specialized return type."""
        bound = self.bind_args(call, call.args, sig.params, name)
        call.bound_args = bound
        # The callee's type parameters get fresh names so that they never capture the type
        # variables of a generic caller (``void g<T>(in T b) { f(b); }`` with ``f<T>``).
        fresh: dict[str, P4Type] = {tp: TypeVar(f"{tp}'") for tp in sig.type_params}
        ptypes = [subst(p.type, fresh) for p in sig.params if p.type is not None]
        bindings = dict(mapping)
        free = {f"{tp}'" for tp in sig.type_params}
        if call.type_args:
            if len(call.type_args) != len(sig.type_params):
                self.fail(
                    call,
                    f"'{name}' expects {len(sig.type_params)} type arguments, got {len(call.type_args)}",
                )
            for tp, ref in zip(sig.type_params, call.type_args, strict=False):
                if not isinstance(ref, ast.DontCareTypeRef):
                    # An explicit type argument is fixed, never re-inferred from arguments.
                    bindings[f"{tp}'"] = self.resolve_type(ref)
                    free.discard(f"{tp}'")
        self.check_bound_args(call, bound, sig.params, bindings, free | set(mapping), name, ptypes)
        for arg, p, ptype in zip(bound, sig.params, ptypes, strict=False):
            if arg is not None and isinstance(ptype, TypeVar):
                # A type argument makes a parameter that must be well-formed (p4c issue2260).
                specialized = subst(ptype, bindings)
                if isinstance(specialized, ParserType | ControlType | PackageType) or (
                    isinstance(specialized, ExternType) and p.direction is not ast.Direction.NONE
                ):
                    self.fail(
                        arg, f"parameter '{p.name}' of '{name}' cannot have type {specialized}"
                    )
        if call.callee_kind in (ast.CalleeKind.EXTERN_FUNCTION, ast.CalleeKind.EXTERN_METHOD):
            for arg, p in zip(bound, sig.params, strict=False):
                if arg is None or p.direction is not ast.Direction.NONE:
                    continue
                # p4c's type inference counts a directionless parameter (an action's
                # control-plane data included) as compile-time known (bitexpr1.p4).
                known = self.is_compile_time_known(arg) or (
                    isinstance(arg, ast.PathExpr)
                    and isinstance(arg.decl, ast.Parameter)
                    and arg.decl.direction is ast.Direction.NONE
                )
                if not known:
                    self.fail(arg, f"argument '{p.name}' of '{name}' must be compile-time known")
        result = subst(subst(sig.return_type, fresh), bindings)
        if contains_typevar(result) and self._has_free(result, free):
            self.fail(call, f"cannot infer the return type of '{name}'; give type arguments")
        return result

    def _has_free(self, ty: P4Type, free: set[str]) -> bool:
        if isinstance(ty, TypeVar):
            return ty.name in free
        return contains_typevar(ty)

    def check_bound_args(
        self,
        node: ast.Node,
        bound: list[ast.Expression | None],
        params: list[ast.Parameter],
        bindings: dict[str, P4Type],
        free: set[str],
        name: str,
        ptypes: list[P4Type] | None = None,
    ) -> None:
        """Infer type variables from the arguments, then check each argument against its
        specialized parameter type and direction. ``ptypes`` overrides the declared
        parameter types (the callee's type variables renamed)."""
        types_ = ptypes if ptypes is not None else [p.type for p in params if p.type is not None]
        for arg, p, ptype in zip(bound, params, types_, strict=True):
            if arg is None or (arg.type is not None and arg is p.default):
                continue
            self.reject_default_values(arg, f"an argument of '{name}'")
            hint = subst(ptype, bindings)
            arg_ty = self.check_expr(arg, None if contains_typevar(hint) else hint)
            if not unify(ptype, arg_ty, bindings, free):
                self.fail(arg, f"cannot pass {arg_ty} to parameter '{p.name}' of type {hint}")
        for arg, p, declared in zip(bound, params, types_, strict=True):
            if arg is None:
                continue
            ptype = subst(declared, bindings)
            if contains_typevar(ptype) and self._has_free(ptype, free):
                if isinstance(arg, ast.DontCareExpr):
                    continue
                self.fail(arg, f"cannot infer the type of parameter '{p.name}' of '{name}'")
            if (
                isinstance(declared, TypeVar)
                and declared.name in free
                and isinstance(ptype, IntType)
            ):
                # Only literals were seen for this type variable (p4c: no width to give it).
                self.fail(arg, "could not infer a width for this argument")
            if isinstance(arg.type, VoidType | SetType):
                self.fail(arg, f"cannot pass {arg.type} as an argument")
            self.convert(arg, ptype, "pass")
            self._check_direction(arg, p, name)

    def _check_direction(self, arg: ast.Expression, p: ast.Parameter, name: str) -> None:
        if p.direction in (ast.Direction.OUT, ast.Direction.INOUT):
            if isinstance(arg, ast.DontCareExpr):
                if p.direction is ast.Direction.INOUT:
                    self.fail(arg, f"'_' cannot be passed to inout parameter '{p.name}'")
                return
            self.check_lvalue(arg, f"pass to {p.direction.value} parameter '{p.name}' the value")
        elif isinstance(arg, ast.DontCareExpr):
            self.fail(arg, f"'_' can only be passed to out parameters, not to '{p.name}'")

    # --- instantiation

    def check_constructor_call(self, call: ast.ConstructorCall) -> P4Type:
        if self.ctx.kind == "action":
            self.fail(call, "constructor calls are not allowed in actions")
        return self.instantiate(call, call.type_ref, call.args)

    def instantiate(
        self, node: ast.Node, type_ref: ast.TypeRef, args: list[ast.Argument]
    ) -> P4Type:
        """Type of ``T(args)``: binds constructor arguments (all compile-time known)."""
        ty = self.resolve_type(type_ref)
        if isinstance(ty, ExternType):
            return self._instantiate_extern(node, ty, args)
        if isinstance(ty, ParserType | ControlType):
            decl = ty.decl
            if not isinstance(decl, ast.ParserDecl | ast.ControlDecl):
                self.fail(node, f"cannot instantiate {ty}: it is only a type declaration")
            if decl is self.ctx.block:
                self.fail(node, f"{ty} cannot instantiate itself")
            self._bind_ctor(node, args, decl.ctor_params, {}, set(), ty.name)
            return ty
        if isinstance(ty, PackageType):
            assert ty.decl is not None
            sig = self.signature(ty.decl)
            bindings: dict[str, P4Type] = {
                tp: t
                for tp, t in zip(sig.type_params, ty.type_args, strict=False)
                if not isinstance(t, TypeVar)
            }
            self._bind_ctor(node, args, sig.params, bindings, set(sig.type_params), ty.name)
            args_out = tuple(bindings.get(tp, TypeVar(tp)) for tp in sig.type_params)
            return PackageType(ty.name, args_out, ty.decl)
        self.fail(node, f"cannot instantiate {ty}")

    def _instantiate_extern(
        self, node: ast.Node, ty: ExternType, args: list[ast.Argument]
    ) -> P4Type:
        decl = ty.decl
        assert decl is not None
        if not decl.constructors:
            self.fail(node, f"extern {ty.name} has no constructor")
        call = ast.MethodCall(ast.PathExpr(ty.name), args, src=node.src)
        ctor = self._pick_overload(call, list(decl.constructors), ty.name)
        sig = self.signature(ctor)
        free = {
            tp.name
            for tp, t in zip(decl.type_params, ty.type_args, strict=False)
            if isinstance(t, TypeVar)
        }
        bindings = {
            tp.name: t
            for tp, t in zip(decl.type_params, ty.type_args, strict=False)
            if tp.name not in free
        }
        self._bind_ctor(node, args, sig.params, bindings, free, ty.name)
        return ExternType(
            ty.name, tuple(bindings.get(tp.name, TypeVar(tp.name)) for tp in decl.type_params), decl
        )

    def _bind_ctor(
        self,
        node: ast.Node,
        args: list[ast.Argument],
        params: list[ast.Parameter],
        bindings: dict[str, P4Type],
        free: set[str],
        name: str,
    ) -> None:
        bound = self.bind_args(node, args, params, name)
        if isinstance(node, ast.InstanceDecl | ast.ConstructorCall):
            self.ctor_bound[node] = bound
        for arg, p in zip(bound, params, strict=False):
            if arg is None or arg is p.default:
                continue
            assert p.type is not None
            if isinstance(p.type, ParserType | ControlType) and isinstance(
                p.type.decl, ast.ParserTypeDecl | ast.ControlTypeDecl
            ):
                arg_ty = self.check_expr(arg)
                self.match_block(arg, p.type, arg_ty, bindings, free)
                continue
            hint = subst(p.type, bindings)
            arg_ty = self.check_expr(arg, None if contains_typevar(hint) else hint)
            unify(p.type, arg_ty, bindings, free)
            ptype = subst(p.type, bindings)
            if not contains_typevar(ptype):
                self.convert(arg, ptype, "pass")
            if not self.is_compile_time_known(arg):
                self.fail(arg, f"constructor argument '{p.name}' must be compile-time known")

    def match_block(
        self,
        arg: ast.Expression,
        proto: BlockType,
        arg_ty: P4Type,
        bindings: dict[str, P4Type],
        free: set[str],
    ) -> None:
        """Check that a parser/control instance fits a package parameter's prototype
        (same parameter directions and types), inferring the package's type arguments."""
        if type(arg_ty) is not type(proto):
            self.fail(arg, f"cannot pass {arg_ty} where a {proto.name} is expected")
        assert isinstance(arg_ty, ParserType | ControlType)
        proto_decl, arg_decl = proto.decl, arg_ty.decl
        assert proto_decl is not None and arg_decl is not None
        own = {tp.name: t for tp, t in zip(proto_decl.type_params, proto.type_args, strict=False)}
        proto_params = self.signature(proto_decl).params
        arg_params = self.signature(arg_decl).params
        if len(proto_params) != len(arg_params):
            self.fail(
                arg,
                f"{arg_ty.name} has {len(arg_params)} parameters but {proto.name} expects "
                f"{len(proto_params)}",
            )
        for pp, ap in zip(proto_params, arg_params, strict=False):
            assert pp.type is not None and ap.type is not None
            expected = subst(pp.type, own)
            unify(expected, ap.type, bindings, free)
            final = subst(expected, bindings)
            # A block that only reads a parameter may take it 'in' where 'inout' is expected.
            relaxed = pp.direction is ast.Direction.INOUT and ap.direction is ast.Direction.IN
            if pp.direction is not ap.direction and not relaxed:
                self.fail(
                    arg,
                    f"parameter '{ap.name}' of {arg_ty.name} must have direction "
                    f"'{pp.direction.value or 'none'}' to match {proto.name}",
                )
            if final != ap.type and not isinstance(final, TypeVar):
                self.fail(
                    arg,
                    f"parameter '{ap.name}' of {arg_ty.name} has type {ap.type} but {proto.name} "
                    f"expects {final}",
                )
