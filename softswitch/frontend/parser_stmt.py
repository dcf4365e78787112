"""P4_16 statements and local declarations, the part of the parser (``parser.py``) that
builds the bodies of actions, functions, apply blocks and parser states."""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from typing import NoReturn

from softswitch.frontend import ast
from softswitch.frontend.diagnostics import CompileError
from softswitch.frontend.lexer import IDENT, Token
from softswitch.frontend.parser_expr import ExpressionParser

LocalDecl = ast.Statement | ast.VariableDecl | ast.ConstDecl
_JUMPS = {"break": ast.BreakStmt, "continue": ast.ContinueStmt}
_COMPOUND_ASSIGNMENTS = {
    f"{op.value}=": op
    for op in ast.BinaryOp
    if op.value in ("+", "-", "*", "/", "%", "&", "|", "^", "<<", "|+|", "|-|")
}


class StatementParser(ExpressionParser, ABC):
    def __init__(self, tokens: list[Token], text: str) -> None:
        super().__init__(tokens, text)
        # What the block being parsed is the body of (words the error for an instantiation).
        self.body_kind = "function"
        # Instances an action body declares, collected for its ``ActionDecl``.
        self.action_instances: list[ast.InstanceDecl] = []

    @abstractmethod
    def parse_instantiation(self, annotations: list[ast.Annotation]) -> ast.InstanceDecl:
        """``T(args) name;`` (a declaration; statements only parse it to reject it)."""

    def _at_instantiation(self) -> bool:
        """Whether a type here is followed by ``(`` (an instantiation ``T(args) name;``)."""

        def type_then_paren() -> bool:
            self.parse_type_ref()
            return self.at("(")

        start = self.pos
        result = self.attempt(type_then_paren)
        self.pos = start
        return bool(result)

    def parse_const(self, annotations: list[ast.Annotation]) -> ast.ConstDecl:
        self.expect("const")
        type_ref = self.parse_type_ref()
        name = self.parse_name()
        self.expect("=")
        value = self.parse_expression()
        self.expect(";")
        self.names.declare_object(name.text)
        return ast.ConstDecl(name.text, type_ref, value, annotations=annotations, src=name.src)

    def parse_variable(
        self, annotations: list[ast.Annotation], *, semicolon: bool = True
    ) -> ast.VariableDecl:
        """``T name [= init];`` (without the ``;`` in a ``for`` initializer)."""
        type_ref = self.parse_type_ref()
        name = self.parse_name()
        init = self.parse_expression() if self.accept("=") else None
        if semicolon:
            self.expect(";")
        self.names.declare_object(name.text)
        return ast.VariableDecl(name.text, type_ref, init, annotations=annotations, src=name.src)

    # ---------------------------------------------------------------- statements

    def _parse_body(self, kind: str) -> ast.BlockStmt:
        """The body of a ``kind`` ("action", "function" or "control" for an apply block)."""
        saved, self.body_kind = self.body_kind, kind
        try:
            return self.parse_block(self.parse_annotations())
        finally:
            self.body_kind = saved

    def parse_block(self, annotations: list[ast.Annotation]) -> ast.BlockStmt:
        start = self.expect("{")
        block = ast.BlockStmt(annotations=annotations, src=start.src)
        self.names.push()
        try:
            while not self.accept("}"):
                block.stmts.append(self.parse_statement())
        finally:
            self.names.pop()
        return block

    def parse_statement(self, *, in_parser: bool = False) -> LocalDecl:
        """A statement or local declaration (``in_parser``: p4c's ``parserStatement``)."""
        annotations = self.parse_annotations()
        token = self.tok
        kind = token.kind
        if kind == "{":
            return self.parse_block(annotations)
        if kind == "const":
            return self.parse_const(annotations)
        if kind == ";":
            self.advance()
            return ast.EmptyStmt(annotations=annotations, src=token.src)
        if kind == "if":
            return self._parse_if(annotations, in_parser)
        if kind == "for" and in_parser:
            self.unsupported(token.src, "'for' loops in parser states")
        if not in_parser:
            if kind == "return":
                self.advance()
                value = None if self.at(";") else self.parse_expression()
                self.expect(";")
                return ast.ReturnStmt(value, annotations=annotations, src=token.src)
            if kind == "exit":
                self.advance()
                self.expect(";")
                return ast.ExitStmt(annotations=annotations, src=token.src)
            if kind == "switch":
                return self._parse_switch(annotations)
            if kind == "for":
                return self._parse_for(annotations)
            if kind in _JUMPS:
                self.advance()
                self.expect(";")
                return _JUMPS[kind](annotations=annotations, src=token.src)
        if self.at_type_start() and not self._at_type_member_access():
            if self._at_instantiation():
                instance = self.parse_instantiation(annotations)
                if self.body_kind != "action" or in_parser:
                    self._instance_statement(instance, in_parser)
                self.action_instances.append(instance)
                return ast.EmptyStmt(src=instance.src)
            return self.parse_variable(annotations)
        statement = self._parse_assignment_or_call(annotations)
        self.expect(";")
        return statement

    def _parse_assignment_or_call(self, annotations: list[ast.Annotation]) -> ast.Statement:
        """An assignment or a call statement, without its ``;``."""
        token = self.tok
        kind = token.kind
        if not (self.at_non_type_name() or kind in (".", "this") or self.at_type_start()):
            self.fail("a statement")
        if kind == IDENT and self.peek().kind == IDENT:
            self.fail()  # `T x;` with T not a type in scope
        target = self.parse_postfix(self.parse_primary())
        if self.accept("="):
            value = self.parse_expression()
            return ast.AssignStmt(target, value, annotations=annotations, src=token.src)
        compound = self._accept_compound_assignment()
        if compound is not None:
            # `a op= b` means `a = a op b` (P4_16 1.2.5); the target is a side-effect-free
            # l-value, so evaluating a copy of it on the right is the same.
            value = ast.Binary(compound, copy.deepcopy(target), self.parse_expression())
            value.src = target.src
            return ast.AssignStmt(target, value, annotations=annotations, src=token.src)
        if not isinstance(target, ast.MethodCall):
            self.fail('"=" or "("')
        return ast.CallStmt(target, annotations=annotations, src=token.src)

    # ---------------------------------------------------------------- loops (P4_16 1.2.5)

    def _parse_for(self, annotations: list[ast.Annotation]) -> ast.ForStmt | ast.ForInStmt:
        start = self.expect("for")
        self.expect("(")
        self.names.push()  # the loop's variables are visible in the loop only
        try:
            header = self.attempt(self._parse_for_in_variable)
            if header is not None:
                return self._parse_for_in(header, annotations, start)
            init: list[ast.Statement | ast.VariableDecl] = []
            if not self.at(";"):
                init.append(self._parse_for_init())
                while self.accept(","):
                    init.append(self._parse_for_init())
            self.expect(";")
            cond = self.parse_expression()
            self.expect(";")
            update: list[ast.Statement] = []
            if not self.at(")"):
                update.append(self._parse_assignment_or_call(self.parse_annotations()))
                while self.accept(","):
                    update.append(self._parse_assignment_or_call(self.parse_annotations()))
            self.expect(")")
            body = self._as_statement(self.parse_statement())
            return ast.ForStmt(init, cond, update, body, annotations=annotations, src=start.src)
        finally:
            self.names.pop()

    def _parse_for_in_variable(self) -> ast.VariableDecl:
        """``[annotations] T name in`` at the start of a ``for (T v in collection)``."""
        annotations = self.parse_annotations()
        if not self.at_type_start():
            self.fail("a type")
        type_ref = self.parse_type_ref()
        name = self.parse_name()
        self.expect("in")
        return ast.VariableDecl(name.text, type_ref, annotations=annotations, src=name.src)

    def _parse_for_in(
        self, var: ast.VariableDecl, annotations: list[ast.Annotation], start: Token
    ) -> ast.ForInStmt:
        collection = self.parse_expression()
        if self.accept(".."):
            hi = self.parse_expression()
            collection = ast.RangeExpr(collection, hi, src=collection.src)
        self.expect(")")
        self.names.declare_object(var.name)
        body = self._as_statement(self.parse_statement())
        return ast.ForInStmt(var, collection, body, annotations=annotations, src=start.src)

    def _parse_for_init(self) -> ast.Statement | ast.VariableDecl:
        annotations = self.parse_annotations()
        if self.at_type_start() and not self._at_type_member_access():
            return self.parse_variable(annotations, semicolon=False)
        return self._parse_assignment_or_call(annotations)

    def _accept_compound_assignment(self) -> ast.BinaryOp | None:
        """The operator of a compound assignment (``+=``, ``>>=`` ...) here, consumed."""
        token = self.tok
        if token.kind == ">" and self.peek().kind == ">=" and self.peek().start == token.end:
            self.advance()
            self.advance()
            return ast.BinaryOp.SHR
        op = _COMPOUND_ASSIGNMENTS.get(token.kind)
        if op is not None:
            self.advance()
        return op

    def _at_type_member_access(self) -> bool:
        """``T.apply(...)`` / ``T<A>.apply(...)`` (p4c's directApplication) start with a type
        but are calls."""

        def type_then_dot() -> bool:
            self.parse_type_ref()
            return self.at(".")

        start = self.pos
        result = self.attempt(type_then_dot)
        self.pos = start
        return bool(result)

    def _instance_statement(self, instance: ast.InstanceDecl, in_parser: bool) -> NoReturn:
        """Objects are instantiated among a control's or parser's local declarations, or in
        an action body (p4c action-register.p4); like p4c, reject them in apply blocks,
        parser states and functions."""
        if in_parser:
            raise CompileError.at(instance.src, "instances cannot be in a parser state")
        if self.body_kind == "control":
            raise CompileError.at(instance.src, "instances cannot be in a control 'apply' block")
        self.unsupported(instance.src, "instantiations inside functions")

    def _parse_if(self, annotations: list[ast.Annotation], in_parser: bool) -> ast.IfStmt:
        start = self.expect("if")
        self.expect("(")
        cond = self.parse_expression()
        self.expect(")")
        then = self._as_statement(self.parse_statement(in_parser=in_parser))
        otherwise = None
        if self.accept("else"):
            otherwise = self._as_statement(self.parse_statement(in_parser=in_parser))
        return ast.IfStmt(cond, then, otherwise, annotations=annotations, src=start.src)

    def _as_statement(self, stmt: LocalDecl) -> ast.Statement:
        if not isinstance(stmt, ast.Statement):
            raise CompileError.at(stmt.src, "a declaration is not allowed here; use a block")
        return stmt

    def _parse_switch(self, annotations: list[ast.Annotation]) -> ast.SwitchStmt:
        start = self.expect("switch")
        self.expect("(")
        expr = self.parse_expression()
        self.expect(")")
        self.expect("{")
        cases: list[ast.SwitchCase] = []
        while not self.accept("}"):
            label_token = self.tok
            label: ast.Expression
            if self.accept("default"):
                label = ast.DefaultExpr(src=label_token.src)
            elif self.at("{"):
                self.fail("a switch label")
            else:
                label = self.parse_expression()
            self.expect(":")
            body = self.parse_block(self.parse_annotations()) if self.at("{", "@") else None
            cases.append(ast.SwitchCase(label, body, src=label_token.src))
        return ast.SwitchStmt(expr, cases, annotations=annotations, src=start.src)
