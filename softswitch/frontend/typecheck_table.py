"""Table declarations: keys and match kinds, the action list, the default action, constant
entries with priorities, and the other properties (``size``, ``implementation``, ``counters``,
``meters``, ...)."""

from __future__ import annotations

from dataclasses import fields

from softswitch.frontend import ast
from softswitch.frontend.typecheck_stmt import StmtChecker
from softswitch.frontend.types import (
    BitsType,
    BoolType,
    ExternType,
    IntType,
    P4Type,
)
from softswitch.frontend.typeutil import is_scalar_key, representation

# Properties whose value must be an extern instance of one of these types (v1model).
_EXTERN_PROPERTIES = {
    "implementation": ("action_profile", "action_selector"),
    "counters": ("direct_counter",),
    "meters": ("direct_meter",),
}
_INT_PROPERTIES = ("size", "max_group_size", "priority_delta")
_BOOL_PROPERTIES = ("support_timeout", "largest_priority_wins")


def _directional(params: list[ast.Parameter]) -> list[ast.Parameter]:
    return [p for p in params if p.direction is not ast.Direction.NONE]


class TableChecker(StmtChecker):
    def check_action_params(self, decl: ast.ActionDecl) -> None:
        """Data-plane (directional) parameters come first, control-plane ones after."""
        seen_directionless = False
        for p in decl.params:
            if isinstance(p.type, IntType):
                self.fail(p, f"action parameter '{p.name}' cannot have type int (no width)")
            if isinstance(p.type, ExternType):
                self.fail(p, f"action parameter '{p.name}' cannot have type {p.type}")
            if p.direction is ast.Direction.NONE:
                seen_directionless = True
            elif seen_directionless:
                self.fail(
                    p,
                    f"parameter '{p.name}' with a direction follows a parameter without "
                    "direction in action '" + decl.name + "'",
                )

    def check_table(self, table: ast.TableDecl) -> None:
        if not table.has_actions:
            self.fail(table, f"table {table.name} does not have an 'actions' property")
        key_types = [self._check_key(k) for k in table.keys]
        listed: dict[int, ast.ActionRef] = {}
        for ref in table.actions:
            decl = self._resolve_action(ref)
            if id(decl) in listed:
                self.fail(ref, f"action '{ref.name}' appears twice in table {table.name}")
            listed[id(decl)] = ref
            self._bind_action_args(ref, decl, data_plane_only=True)
        default = table.default_action
        if default is not None:
            if table.actions and _before(default.src, table.actions[0].src):
                # p4c resolves properties in order: the action list is not known yet.
                self.fail(default, f"table {table.name}: default_action precedes 'actions'")
            self._check_table_action(table, default, listed, "default action")
        if table.entries and not table.keys:
            self.fail(table.entries[0], f"table {table.name} has entries but no key")
        for entry in table.entries:
            if table.actions and _before(entry.action.src, table.actions[0].src):
                self.fail(entry, f"table {table.name}: entries precede 'actions'")
            self._check_entry(table, entry, key_types, listed)
        seen: set[str] = set()
        for prop in table.properties:
            if prop.name in seen:
                self.fail(prop, f"duplicate table property '{prop.name}'")
            seen.add(prop.name)
            self._check_property(prop)

    def _check_key(self, key: ast.KeyElement) -> P4Type:
        ty = self.check_value(key.expr)
        if key.annotation("name") is None and not _has_key_name(key.expr):
            self.fail(key.expr, "complex key expression requires a @name annotation")
        if not is_scalar_key(ty):
            self.fail(key.expr, f"a table key cannot have type {ty}")
        if key.match_kind not in self.match_kinds:
            self.fail(key, f"'{key.match_kind}' is not a declared match_kind")
        represented = representation(ty)  # `type bit<32> A_t;` matches as its bits
        numeric_only = key.match_kind == "lpm" or not isinstance(represented, BoolType)
        if (
            key.match_kind in ("lpm", "ternary", "range")
            and not isinstance(represented, BitsType)
            and numeric_only
        ):
            self.fail(key.expr, f"a {key.match_kind} key must be bit<W> or int<W>, not {ty}")
        return ty

    def _resolve_action(self, ref: ast.ActionRef) -> ast.ActionDecl:
        decls = self.scope.lookup(ref.name, ref.is_global)
        if not decls:
            self.fail(ref, f"undeclared action '{ref.name}'")
        actions = [d for d in decls if isinstance(d, ast.ActionDecl)]
        if not actions:
            self.fail(ref, f"'{ref.name}' is not an action")
        ref.decl = actions[0]
        return actions[0]

    def _bind_action_args(
        self, ref: ast.ActionRef, decl: ast.ActionDecl, data_plane_only: bool
    ) -> list[ast.Expression | None]:
        """Check ``a(args)``: in an action list the arguments bind the data-plane parameters
        (the rest comes from the control plane); elsewhere every parameter gets one."""
        params = _directional(decl.params) if data_plane_only else decl.params
        if len(ref.args) != len(params) and not any(a.name for a in ref.args):
            what = "data-plane parameters" if data_plane_only else "parameters"
            self.fail(
                ref, f"action '{ref.name}' has {len(params)} {what}, got {len(ref.args)} arguments"
            )
        bound = self.bind_args(ref, ref.args, params, ref.name)
        self.check_bound_args(ref, bound, params, {}, set(), ref.name)
        return bound

    def _check_table_action(
        self,
        table: ast.TableDecl,
        ref: ast.ActionRef,
        listed: dict[int, ast.ActionRef],
        what: str,
    ) -> None:
        decl = self._resolve_action(ref)
        if id(decl) not in listed:
            self.fail(ref, f"{what} '{ref.name}' is not in the actions of table {table.name}")
        if not ref.has_parens and not ref.args:
            if (decl.params and what != "default action") or _control_plane(decl):
                self.fail(ref, f"{what} '{ref.name}' needs arguments")
            return
        bound = self._bind_action_args(ref, decl, data_plane_only=False)
        self._check_same_data_plane_args(ref, bound, listed[id(decl)], decl)
        for arg, p in zip(bound, decl.params, strict=False):
            known = arg is None or self.is_compile_time_known(arg)
            if p.direction is ast.Direction.NONE and not known:
                assert arg is not None
                self.fail(
                    arg,
                    f"argument '{p.name}' of {what} '{ref.name}' must be compile-time known",
                )

    def _check_same_data_plane_args(
        self,
        ref: ast.ActionRef,
        bound: list[ast.Expression | None],
        listed: ast.ActionRef,
        decl: ast.ActionDecl,
    ) -> None:
        """A default or entry action binds the data-plane parameters to the same arguments
        as the table's action list."""
        params = _directional(decl.params)
        listed_bound = self.bind_args(listed, listed.args, params, listed.name)
        for arg, p, listed_arg in zip(bound, decl.params, listed_bound, strict=False):
            if arg is None or listed_arg is None or same_expression(arg, listed_arg):
                continue
            self.fail(
                arg,
                f"argument for '{p.name}' of '{ref.name}' does not match the one in the "
                f"actions list (at {listed.src})",
            )

    def _check_entry(
        self,
        table: ast.TableDecl,
        entry: ast.TableEntry,
        key_types: list[P4Type],
        listed: dict[int, ast.ActionRef],
    ) -> None:
        keys = entry.keys
        if len(keys) == 1 and isinstance(keys[0], ast.DefaultExpr | ast.DontCareExpr):
            keys = keys * len(key_types)
        if len(keys) != len(key_types):
            self.fail(
                entry, f"entry has {len(keys)} keys but table {table.name} has {len(key_types)}"
            )
        for key_expr, key, ty in zip(keys, table.keys, key_types, strict=False):
            self.check_simple_keyset(key_expr, ty)
            self._check_entry_key_kind(key_expr, key.match_kind)
            self._check_entry_key_bits(key_expr, key.match_kind, representation(ty))
        self._check_table_action(table, entry.action, listed, "entry action")
        if entry.priority is not None:
            priority = self.const_int(entry.priority, "an entry priority")
            if priority < 0:
                self.fail(entry.priority, "an entry priority must be non-negative")

    def _check_entry_key_bits(self, key_expr: ast.Expression, match_kind: str, ty: P4Type) -> None:
        """lpm masks are prefixes once cut to the key's width (p4c table-entries-lpm-2: a
        constant wider than the key only warns)."""
        if not isinstance(ty, BitsType) or ty.signed:
            return
        if match_kind == "lpm" and isinstance(key_expr, ast.MaskExpr):
            mask = key_expr.mask.const_value
            full = (1 << ty.width) - 1
            if isinstance(mask, int) and (full ^ mask) & ((full ^ mask) + 1):
                self.fail(key_expr.mask, f"{mask:#x} is not a prefix mask for an lpm key of {ty}")

    def _check_entry_key_kind(self, key_expr: ast.Expression, match_kind: str) -> None:
        allowed = {
            "exact": (),
            "optional": (ast.DontCareExpr, ast.DefaultExpr),
            "ternary": (ast.MaskExpr, ast.DontCareExpr, ast.DefaultExpr),
            "lpm": (ast.MaskExpr, ast.DontCareExpr, ast.DefaultExpr),
            "range": (ast.RangeExpr, ast.DontCareExpr, ast.DefaultExpr),
        }.get(match_kind)
        keyset_kinds = (ast.MaskExpr, ast.RangeExpr, ast.DontCareExpr, ast.DefaultExpr)
        if (
            allowed is not None
            and isinstance(key_expr, keyset_kinds)
            and not isinstance(key_expr, allowed)
        ):
            self.fail(key_expr, f"this keyset cannot be used for a {match_kind} key")

    def _check_property(self, prop: ast.TableProperty) -> None:
        if prop.value is None:
            return
        ty = self.check_expr(prop.value)
        if prop.name in _INT_PROPERTIES:
            if not isinstance(ty, BitsType | IntType) or not isinstance(
                prop.value.const_value, int
            ):
                self.fail(
                    prop.value, f"table property '{prop.name}' must be a compile-time known integer"
                )
            if prop.value.const_value < 0:
                self.fail(prop.value, f"table property '{prop.name}' must be non-negative")
        elif prop.name in _BOOL_PROPERTIES:
            if not isinstance(ty, BoolType) or prop.value.const_value is None:
                self.fail(
                    prop.value, f"table property '{prop.name}' must be a compile-time known bool"
                )
        elif prop.name in _EXTERN_PROPERTIES:
            kinds = _EXTERN_PROPERTIES[prop.name]
            if not isinstance(ty, ExternType) or ty.name not in kinds:
                self.fail(
                    prop.value,
                    f"table property '{prop.name}' must be a {' or '.join(kinds)}, not {ty}",
                )


def _before(a: ast.SrcInfo, b: ast.SrcInfo) -> bool:
    return a.file == b.file and (a.line, a.col) < (b.line, b.col)


def _has_key_name(expr: ast.Expression) -> bool:
    """Whether p4c's KeyNameGenerator can name a key element written without @name: paths,
    fields, constant indexes and slices, ``& mask``, ``isValid()``."""
    if isinstance(expr, ast.PathExpr | ast.IntLiteral):
        return True
    if isinstance(expr, ast.Member):
        return _has_key_name(expr.expr)
    if isinstance(expr, ast.ArrayIndex):
        return _has_key_name(expr.expr) and _has_key_name(expr.index)
    if isinstance(expr, ast.Slice):
        return all(_has_key_name(e) for e in (expr.expr, expr.hi, expr.lo))
    if isinstance(expr, ast.Binary) and expr.op is ast.BinaryOp.BAND:
        return _has_key_name(expr.left) and _has_key_name(expr.right)
    return (
        isinstance(expr, ast.MethodCall)
        and not expr.args
        and isinstance(expr.target, ast.Member)
        and expr.target.name == "isValid"
        and _has_key_name(expr.target.expr)
    )


def same_expression(a: ast.Expression, b: ast.Expression) -> bool:
    """Whether two checked expressions denote the same value (same names, same structure)."""
    if a.const_value is not None or b.const_value is not None:
        return a.const_value == b.const_value
    if type(a) is not type(b):
        return False
    if isinstance(a, ast.PathExpr):
        return a.decl is getattr(b, "decl", None)
    for f in fields(a):
        if f.name in ("src", "type", "const_value"):
            continue
        left, right = getattr(a, f.name), getattr(b, f.name)
        if isinstance(left, ast.Expression) and isinstance(right, ast.Expression):
            if not same_expression(left, right):
                return False
        elif isinstance(left, list):
            if len(left) != len(right) or not all(
                same_expression(x, y) if isinstance(x, ast.Expression) else x == y
                for x, y in zip(left, right, strict=True)
            ):
                return False
        elif left != right:
            return False
    return True


def _control_plane(decl: ast.ActionDecl) -> bool:
    return any(p.direction is ast.Direction.NONE for p in decl.params)
