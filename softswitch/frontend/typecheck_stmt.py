"""Statements, local declarations, parser ``select`` keysets and ``switch`` statements."""

from __future__ import annotations

import dataclasses

from softswitch.frontend import ast
from softswitch.frontend.typecheck_call import CallChecker
from softswitch.frontend.types import (
    ActionEnumType,
    ArrayType,
    BitsType,
    BoolType,
    ControlType,
    DontCareType,
    EnumType,
    ErrorType,
    ExternType,
    HeaderStackType,
    IntType,
    ListLiteralType,
    P4Type,
    PackageType,
    ParserType,
    SetType,
    StringType,
    StructLikeType,
    TupleType,
    VoidType,
)
from softswitch.frontend.typeutil import is_scalar_key, representation


def always_returns(stmt: ast.Statement | ast.Declaration) -> bool:
    """Whether every path through ``stmt`` ends in ``return`` or ``exit``."""
    if isinstance(stmt, ast.ReturnStmt | ast.ExitStmt):
        return True
    if isinstance(stmt, ast.BlockStmt):
        return any(always_returns(s) for s in stmt.stmts)
    if isinstance(stmt, ast.IfStmt):
        return (
            stmt.otherwise is not None
            and always_returns(stmt.then)
            and always_returns(stmt.otherwise)
        )
    if isinstance(stmt, ast.SwitchStmt):
        has_default = any(isinstance(c.label, ast.DefaultExpr) for c in stmt.cases)
        return has_default and all(c.body is None or always_returns(c.body) for c in stmt.cases)
    return False


class StmtChecker(CallChecker):
    # --- local declarations

    def check_variable(self, decl: ast.VariableDecl) -> None:
        ty = self.resolve_type(decl.type_ref)
        if isinstance(
            ty, ExternType | ParserType | ControlType | PackageType | VoidType | StringType
        ):
            self.fail(decl, f"variable '{decl.name}' cannot have type {ty}")
        decl.type = ty
        if decl.init is not None:
            self.check_value(decl.init, ty)
            self.convert(decl.init, ty, "initialize")
        self.scope.declare(decl)

    def check_const(self, decl: ast.ConstDecl) -> None:
        ty = self.resolve_type(decl.type_ref)
        decl.type = ty
        self.check_value(decl.value, ty)
        self.convert(decl.value, ty, "initialize")
        if decl.value.const_value is None:
            self.fail(decl.value, f"constant '{decl.name}' needs a compile-time known value")
        self.scope.declare(decl)

    # --- statements

    def check_block(self, block: ast.BlockStmt, new_scope: bool = True) -> None:
        if not new_scope:
            for stmt in block.stmts:
                self.check_stmt(stmt)
            return
        with self.scoped():
            for stmt in block.stmts:
                self.check_stmt(stmt)

    def check_stmt(self, stmt: ast.Statement | ast.VariableDecl | ast.ConstDecl) -> None:
        if isinstance(stmt, ast.VariableDecl):
            shadowed = self.scope.lookup_one(stmt.name)
            if isinstance(shadowed, ast.Parameter) and self.ctx.kind != "parser":
                # An error in p4c (a warning for other shadowing).
                self.fail(stmt, f"declaration of '{stmt.name}' shadows a parameter")
            self.check_variable(stmt)
        elif isinstance(stmt, ast.ConstDecl):
            self.check_const(stmt)
        elif isinstance(stmt, ast.AssignStmt):
            lhs = self.check_value(stmt.lhs)
            self.check_lvalue(stmt.lhs, "assign to")
            self.check_value(stmt.rhs, lhs)
            self.convert(stmt.rhs, lhs, "assign")
        elif isinstance(stmt, ast.CallStmt):
            self.check_expr(stmt.call)
        elif isinstance(stmt, ast.IfStmt):
            self._check_condition(stmt.cond)
            self._check_branch(stmt.then)
            if stmt.otherwise is not None:
                self._check_branch(stmt.otherwise)
        elif isinstance(stmt, ast.BlockStmt):
            self.check_block(stmt)
        elif isinstance(stmt, ast.ReturnStmt):
            self._check_return(stmt)
        elif isinstance(stmt, ast.ExitStmt):
            if self.ctx.kind in ("parser", "function"):
                self.fail(stmt, f"'exit' cannot be used in a {self.ctx.kind}")
        elif isinstance(stmt, ast.SwitchStmt):
            self._check_switch(stmt)
        elif isinstance(stmt, ast.ForStmt):
            self._check_for(stmt)
        elif isinstance(stmt, ast.ForInStmt):
            self._check_for_in(stmt)
        elif isinstance(stmt, ast.BreakStmt | ast.ContinueStmt):
            if not self.ctx.in_loop:
                word = "break" if isinstance(stmt, ast.BreakStmt) else "continue"
                self.fail(stmt, f"'{word}' can only be used in a 'for' loop")
        elif not isinstance(stmt, ast.EmptyStmt):
            self.fail(stmt, f"unsupported: statement {type(stmt).__name__}")

    def _check_branch(self, stmt: ast.Statement) -> None:
        with self.scoped():
            self.check_stmt(stmt)

    def _check_condition(self, cond: ast.Expression) -> None:
        ty = self.check_value(cond)
        if not isinstance(ty, BoolType):
            self.fail(cond, f"a condition must be bool, not {ty}")

    def _check_return(self, stmt: ast.ReturnStmt) -> None:
        kind = self.ctx.kind
        if kind == "parser":
            self.fail(stmt, "'return' cannot be used in a parser")
        expected = self.ctx.return_type if kind == "function" else VoidType()
        assert expected is not None
        if stmt.value is None:
            if not isinstance(expected, VoidType):
                self.fail(stmt, f"return needs a value of type {expected}")
            return
        if isinstance(expected, VoidType):
            self.fail(stmt.value, "cannot return a value here")
        self.reject_default_values(stmt.value, "a return statement")
        self.check_value(stmt.value, expected)
        self.convert(stmt.value, expected, "return")

    # --- loops (P4_16 1.2.5)

    def _check_for(self, stmt: ast.ForStmt) -> None:
        with self.scoped():
            for init in stmt.init:
                self.check_stmt(init)
            self._check_condition(stmt.cond)
            for update in stmt.update:
                self.check_stmt(update)
            self._check_loop_body(stmt.body)

    def _check_for_in(self, stmt: ast.ForInStmt) -> None:
        var = stmt.var
        with self.scoped():
            ty = self.resolve_type(var.type_ref)
            var.type = ty
            collection = stmt.collection
            if isinstance(collection, ast.RangeExpr):
                self._check_range(collection, ty)
            else:
                self._check_collection(collection, ty)
            self.check_variable(var)
            self._check_loop_body(stmt.body)

    def _check_range(self, collection: ast.RangeExpr, ty: P4Type) -> None:
        """``lo .. hi``: both ends convert to the loop variable's ``bit<W>``/``int<W>`` type
        (an ``int`` loop variable needs compile-time known ends)."""
        if not isinstance(ty, BitsType | IntType):
            self.fail(collection, f"a range loop needs a bit<W> or int<W> variable, not {ty}")
        for end in (collection.lo, collection.hi):
            self.check_value(end, ty)
            self.convert(end, ty, "convert")
            if isinstance(ty, IntType) and end.const_value is None:
                self.fail(end, "a range over int needs compile-time known ends")
        collection.type = SetType(ty)

    def _check_collection(self, collection: ast.Expression, ty: P4Type) -> None:
        """A header stack or an array (its elements, in order) or a list of values of the
        variable's type."""
        source = self.check_value(collection)
        if isinstance(source, HeaderStackType | ArrayType):
            if source.element != ty:
                self.fail(collection, f"cannot iterate over {source} with a variable of type {ty}")
            return
        if isinstance(collection, ast.ListExpr) and not collection.dots:
            for element in collection.elements:
                self.convert(element, ty, "convert")
            collection.type = TupleType(tuple(ty for _ in collection.elements))
            return
        self.fail(collection, f"cannot iterate over a value of type {source}")

    def _check_loop_body(self, body: ast.Statement) -> None:
        saved = self.ctx
        self.ctx = dataclasses.replace(saved, in_loop=True)
        try:
            self._check_branch(body)
        finally:
            self.ctx = saved

    # --- switch

    def _check_switch(self, stmt: ast.SwitchStmt) -> None:
        if self.ctx.kind == "parser":
            self.fail(stmt, "'switch' cannot be used in a parser")
        if self.ctx.kind == "action":
            self.fail(stmt, "'switch' cannot be used in an action")
        ty = self.check_value(stmt.expr)
        if not isinstance(
            representation(ty), ActionEnumType | BitsType | IntType | EnumType | ErrorType
        ):
            self.fail(stmt.expr, f"cannot switch on a value of type {ty}")
        seen: dict[object, ast.Node] = {}
        for i, case in enumerate(stmt.cases):
            label = case.label
            if isinstance(label, ast.DefaultExpr):
                label.type = DontCareType()
                if i != len(stmt.cases) - 1:
                    self.fail(label, "'default' must be the last switch label")
                key: object = "default"
            elif isinstance(ty, ActionEnumType):
                key = self._action_label(label, ty)
            else:
                key = self._value_label(label, ty)
            if key in seen:
                self.fail(label, "duplicate switch label")
            seen[key] = label
            if case.body is not None:
                self.check_block(case.body)

    def _action_label(self, label: ast.Expression, ty: ActionEnumType) -> object:
        if not isinstance(label, ast.PathExpr):
            self.fail(label, "a switch on action_run needs action names as labels")
        decl = self.scope.lookup_one(label.name, label.is_global)
        if not isinstance(decl, ast.ActionDecl) or label.name not in ty.actions:
            self.fail(label, f"'{label.name}' is not an action of table {ty.table}")
        label.decl = decl
        label.type = ty
        return decl

    def _value_label(self, label: ast.Expression, ty: P4Type) -> object:
        if not isinstance(ty, BitsType | IntType | EnumType | ErrorType | BoolType):
            self.fail(label, f"cannot switch on a value of type {ty}")
        self.check_value(label, ty)
        self.convert(label, ty, "compare")
        if label.const_value is None:
            self.fail(label, "a switch label must be compile-time known")
        return label.const_value

    # --- select

    def check_select(self, select: ast.SelectExpr, states: set[str]) -> None:
        key_types = []
        for e in select.exprs:
            ty = self.check_value(e)
            if not is_scalar_key(ty) and not isinstance(ty, StructLikeType | TupleType):
                self.fail(e, f"cannot select on a value of type {ty}")
            key_types.append(ty)
        for case in select.cases:
            self.check_keyset(case.keyset, key_types)
            if case.next_state not in states:
                self.fail(case, f"undeclared parser state '{case.next_state}'")

    def check_keyset(self, keyset: ast.Expression, key_types: list[P4Type]) -> None:
        """A select case or table entry keyset against the key types."""
        if isinstance(keyset, ast.DefaultExpr | ast.DontCareExpr):
            keyset.type = DontCareType()
            return
        if len(key_types) == 1:
            self.check_simple_keyset(keyset, key_types[0])
            return
        if isinstance(keyset, ast.PathExpr) and self._value_set_against(keyset, key_types):
            return
        if not isinstance(keyset, ast.ListExpr) or len(keyset.elements) != len(key_types):
            self.fail(keyset, f"a keyset for {len(key_types)} keys needs {len(key_types)} elements")
        for element, ty in zip(keyset.elements, key_types, strict=False):
            self.check_simple_keyset(element, ty)
        keyset.type = SetType(TupleType(tuple(key_types)))

    def _value_set_against(self, keyset: ast.PathExpr, key_types: list[P4Type]) -> bool:
        decl = self.scope.lookup_one(keyset.name, keyset.is_global)
        if not isinstance(decl, ast.ValueSetDecl):
            return False
        ty = self.check_expr(keyset)
        assert isinstance(ty, SetType)
        element = ty.element
        types = [f.type for f in element.fields] if isinstance(element, StructLikeType) else None
        if types != key_types:
            self.fail(keyset, f"value set of {element} does not match select keys")
        return True

    def check_simple_keyset(self, keyset: ast.Expression, ty: P4Type) -> None:
        if isinstance(keyset, ast.DefaultExpr | ast.DontCareExpr):
            keyset.type = DontCareType()
            return
        if isinstance(keyset, ast.MaskExpr | ast.RangeExpr):
            parts = (
                (keyset.value, keyset.mask)
                if isinstance(keyset, ast.MaskExpr)
                else (
                    keyset.lo,
                    keyset.hi,
                )
            )
            bits = representation(ty)
            for part in parts:
                self._keyset_value(part, bits)
            if not isinstance(bits, BitsType | IntType):
                self.fail(keyset, f"masks and ranges need bit<W> or int<W> keys, not {ty}")
            keyset.type = SetType(bits)
            return
        if isinstance(keyset, ast.PathExpr):
            decl = self.scope.lookup_one(keyset.name, keyset.is_global)
            if isinstance(decl, ast.ValueSetDecl):
                vs = self.check_expr(keyset)
                assert isinstance(vs, SetType)
                if vs.element != ty:
                    self.fail(keyset, f"value set of {vs.element} does not match key type {ty}")
                return
        self._keyset_value(keyset, ty)

    def _keyset_value(self, expr: ast.Expression, ty: P4Type) -> None:
        actual = self.check_value(expr, ty)
        if isinstance(actual, ListLiteralType | TupleType) and not isinstance(ty, TupleType):
            self.fail(expr, f"a keyset of {len(actual.elements)} elements for one key")
        self.convert(expr, ty, "match")
        if not self.is_compile_time_known(expr):
            self.fail(expr, "a keyset must be compile-time known")
