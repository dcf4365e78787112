"""P4_16 parser: preprocessed text -> ``ast.Program``.

A hand-written recursive-descent parser over p4c's grammar (``p4parser.ypp``). P4 is not
context free: whether ``a < b > (c)`` is a call or two comparisons, and whether a statement
starts a declaration, depends on which identifiers name types. Like p4c we track the type
names in scope while parsing (``ScopedNames``), so the decision is the same as p4c's.

Public API: ``parse_file``, ``parse_text`` and ``parse_preprocessed``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

from softswitch.frontend import ast
from softswitch.frontend.diagnostics import CompileError
from softswitch.frontend.lexer import EOF, IDENT, INTEGER, Token, tokenize
from softswitch.frontend.parser_stmt import LocalDecl, StatementParser
from softswitch.frontend.preprocess import preprocess_file, preprocess_text

_STRUCT_LIKE = {
    "header": ast.HeaderDecl,
    "header_union": ast.HeaderUnionDecl,
    "struct": ast.StructDecl,
}
# Table property names parsed specially (p4c's KEY, ACTIONS, ENTRIES tokens).
_TABLE_KEYWORD_PROPERTIES = ("key", "actions", "entries")

_Prototype = TypeVar("_Prototype", bound=ast.FunctionPrototype)


class P4Parser(StatementParser):
    # ---------------------------------------------------------------- program

    def parse_program(self, files: list[str]) -> ast.Program:
        declarations: list[ast.Declaration] = []
        start = self.tok
        while not self.at(EOF):
            if self.accept(";"):
                continue
            declarations.extend(self.parse_declaration())
        return ast.Program(declarations, files=files, src=start.src)

    def parse_declaration(self) -> list[ast.Declaration]:
        """One top-level declaration (a typedef of an inline type declaration yields two;
        a forward ``extern X;`` yields none)."""
        annotations = self.parse_annotations()
        kind = self.tok.kind
        if kind == "const":
            return [self.parse_const(annotations)]
        if kind == "extern":
            return self.parse_extern(annotations)
        if kind == "action":
            return [self.parse_action(annotations)]
        if kind in ("parser", "control"):
            return [self.parse_parser_or_control(annotations)]
        if kind == "package":
            return [self.parse_package(annotations)]
        if kind in _STRUCT_LIKE or kind == "enum":
            return [self.parse_derived_type(annotations)]
        if kind in ("typedef", "type"):
            return self.parse_typedef(annotations)
        if kind in ("error", "match_kind") and self.peek().kind == "{":
            return [self.parse_error_or_match_kind(annotations)]
        return [self.parse_function_or_instance(annotations)]

    def parse_function_or_instance(self, annotations: list[ast.Annotation]) -> ast.Declaration:
        if self.at_type_start() and self._at_instantiation():
            return self.parse_instantiation(annotations)
        return_type = self.parse_type_or_void()
        name = self.parse_name()
        self.names.push()
        try:
            type_params = self.parse_type_params()
            params = self.parse_parameters()
            body = self._parse_body("function")
        finally:
            self.names.pop()
        return ast.FunctionDecl(
            name.text,
            return_type,
            params,
            type_params,
            body=body,
            annotations=annotations,
            src=name.src,
        )

    # ---------------------------------------------------------------- simple declarations

    def parse_instantiation(self, annotations: list[ast.Annotation]) -> ast.InstanceDecl:
        type_ref = self.parse_type_ref()
        self.expect("(")
        args = self.parse_arguments()
        name = self.parse_name()
        initializer: list[ast.Declaration] = []
        if self.accept("="):
            self.expect("{")
            self.names.push()
            try:
                while not self.accept("}"):
                    member_annotations = self.parse_annotations()
                    initializer.append(self.parse_function_or_instance(member_annotations))
            finally:
                self.names.pop()
        self.expect(";")
        self.names.declare_object(name.text)
        return ast.InstanceDecl(
            name.text, type_ref, args, initializer, annotations=annotations, src=name.src
        )

    def parse_parameters(self) -> list[ast.Parameter]:
        """``( params )``; each parameter is declared as an object in the current scope."""
        self.expect("(")
        params: list[ast.Parameter] = []
        if self.accept(")"):
            return params
        while True:
            annotations = self.parse_annotations()
            direction = ast.Direction.NONE
            if self.at("in", "out", "inout"):
                direction = ast.Direction(self.advance().kind)
            type_ref = self.parse_type_ref()
            name = self.parse_name()
            default = self.parse_expression() if self.accept("=") else None
            params.append(
                ast.Parameter(
                    name.text, direction, type_ref, default, annotations=annotations, src=name.src
                )
            )
            if not self.accept(","):
                break
        self.expect(")")
        for param in params:
            self.names.declare_object(param.name)
        return params

    def parse_identifier_list(self) -> list[ast.EnumMember]:
        """``{ a, b, c }`` members of enums, errors and match kinds."""
        self.expect("{")
        members: list[ast.EnumMember] = []
        while True:
            annotations = self.parse_annotations()
            name = self.parse_name()
            members.append(ast.EnumMember(name.text, annotations=annotations, src=name.src))
            if not self.accept(",") or self.at("}"):
                break
        self.expect("}")
        return members

    def parse_error_or_match_kind(self, annotations: list[ast.Annotation]) -> ast.Declaration:
        keyword = self.advance()
        members = self.parse_identifier_list()
        if keyword.kind == "error":
            return ast.ErrorDecl("error", members, annotations=annotations, src=keyword.src)
        return ast.MatchKindDecl("match_kind", members, annotations=annotations, src=keyword.src)

    # ---------------------------------------------------------------- type declarations

    def parse_derived_type(self, annotations: list[ast.Annotation]) -> ast.Declaration:
        keyword = self.advance()
        if keyword.kind == "enum":
            return self._parse_enum(annotations)
        name = self.parse_name()
        self.names.declare_type(name.text)
        self.names.push()
        try:
            type_params = self.parse_type_params()
            self.expect("{")
            fields: list[ast.StructField] = []
            while not self.accept("}"):
                field_annotations = self.parse_annotations()
                start = self.tok
                type_ref = self.parse_type_ref()
                field_name = self.parse_name()
                while self.at("["):  # C-style array declarator (p4c array2.p4)
                    type_ref = self.parse_array_suffix(type_ref, start)
                self.expect(";")
                fields.append(
                    ast.StructField(
                        field_name.text, type_ref, annotations=field_annotations, src=field_name.src
                    )
                )
        finally:
            self.names.pop()
        decl_class = _STRUCT_LIKE[keyword.kind]
        return decl_class(name.text, fields, type_params, annotations=annotations, src=name.src)

    def _parse_enum(self, annotations: list[ast.Annotation]) -> ast.EnumDecl:
        underlying = None
        if not (self.tok.kind == IDENT and self.peek().kind == "{"):
            underlying = self.parse_type_ref()
        name = self.parse_name()
        self.names.declare_type(name.text)
        if underlying is None:
            members = self.parse_identifier_list()
            return ast.EnumDecl(name.text, members, annotations=annotations, src=name.src)
        self.expect("{")
        members = []
        while True:
            member_annotations = self.parse_annotations()
            member = self.parse_name()
            self.expect("=")
            value = self.parse_expression()
            members.append(
                ast.EnumMember(member.text, value, annotations=member_annotations, src=member.src)
            )
            if not self.accept(",") or self.at("}"):
                break
        self.expect("}")
        return ast.EnumDecl(name.text, members, underlying, annotations=annotations, src=name.src)

    def parse_typedef(self, annotations: list[ast.Annotation]) -> list[ast.Declaration]:
        keyword = self.advance()
        declarations: list[ast.Declaration] = []
        if self.at(*_STRUCT_LIKE, "enum"):
            if keyword.kind != "typedef":
                self.fail("a type")  # as p4c: `type` only names existing types
            inner = self.parse_derived_type([])
            declarations.append(inner)
            type_ref: ast.TypeRef = ast.TypeName(inner.name, src=inner.src)
        else:
            type_ref = self.parse_type_ref()
        name = self.parse_name()
        self.expect(";")
        self.names.declare_type(name.text)
        decl_class = ast.TypedefDecl if keyword.kind == "typedef" else ast.NewTypeDecl
        declarations.append(decl_class(name.text, type_ref, annotations=annotations, src=name.src))
        return declarations

    def parse_package(self, annotations: list[ast.Annotation]) -> ast.PackageTypeDecl:
        self.expect("package")
        name = self.parse_name()
        self.names.declare_type(name.text)
        self.names.push()
        try:
            type_params = self.parse_type_params()
            params = self.parse_parameters()
        finally:
            self.names.pop()
        self.expect(";")
        return ast.PackageTypeDecl(
            name.text, params, type_params, annotations=annotations, src=name.src
        )

    # ---------------------------------------------------------------- externs

    def parse_extern(self, annotations: list[ast.Annotation]) -> list[ast.Declaration]:
        self.expect("extern")
        token = self.tok
        following = self.peek().kind
        if self.at_non_type_name() and following in ("<", "{"):
            return [self._parse_extern_object(annotations)]
        if token.kind == IDENT and following == ";":
            # Forward declaration: only makes the name a type (p4c builds no node).
            self.advance()
            self.advance()
            self.names.declare_type(token.text)
            return []
        prototype = self._parse_prototype(ast.ExternFunctionDecl, annotations)
        self.expect(";")
        return [prototype]

    def _parse_extern_object(self, annotations: list[ast.Annotation]) -> ast.ExternDecl:
        name = self.advance()
        self.names.declare_type(name.text)
        decl = ast.ExternDecl(name.text, annotations=annotations, src=name.src)
        self.names.push()
        try:
            decl.type_params = self.parse_type_params()
            self.expect("{")
            while not self.accept("}"):
                member_annotations = self.parse_annotations()
                if self.tok.text == name.text and self.peek().kind == "(":
                    ctor_name = self.advance()
                    self.names.push()
                    try:
                        params = self.parse_parameters()
                    finally:
                        self.names.pop()
                    decl.constructors.append(
                        ast.ConstructorDecl(
                            name.text, params, annotations=member_annotations, src=ctor_name.src
                        )
                    )
                else:
                    abstract = self.accept("abstract") is not None
                    method = self._parse_prototype(ast.MethodDecl, member_annotations)
                    if method.name == name.text:
                        raise CompileError.at(
                            method.src,
                            f"constructor of extern {name.text} cannot have a return type",
                        )
                    method.abstract = abstract
                    decl.methods.append(method)
                self.expect(";")
        finally:
            self.names.pop()
        return decl

    def _parse_prototype(
        self, decl_class: type[_Prototype], annotations: list[ast.Annotation]
    ) -> _Prototype:
        return_type = self.parse_type_or_void()
        name = self.parse_name()
        self.names.push()
        try:
            type_params = self.parse_type_params()
            params = self.parse_parameters()
        finally:
            self.names.pop()
        return decl_class(
            name.text, return_type, params, type_params, annotations=annotations, src=name.src
        )

    # ---------------------------------------------------------------- actions

    def parse_action(self, annotations: list[ast.Annotation]) -> ast.ActionDecl:
        self.expect("action")
        name = self.parse_name()
        self.names.declare_object(name.text)
        self.names.push()
        saved, self.action_instances = self.action_instances, []
        try:
            params = self.parse_parameters()
            body = self._parse_body("action")
            instances = self.action_instances
        finally:
            self.names.pop()
            self.action_instances = saved
        return ast.ActionDecl(
            name.text, params, body, instances, annotations=annotations, src=name.src
        )

    # ---------------------------------------------------------------- parsers and controls

    def parse_parser_or_control(self, annotations: list[ast.Annotation]) -> ast.Declaration:
        keyword = self.advance()
        name = self.parse_name()
        self.names.declare_type(name.text)
        self.names.push()
        try:
            type_params = self.parse_type_params()
            params = self.parse_parameters()
            if self.accept(";"):
                type_class = ast.ParserTypeDecl if keyword.kind == "parser" else ast.ControlTypeDecl
                return type_class(
                    name.text, params, type_params, annotations=annotations, src=name.src
                )
            ctor_params = self.parse_parameters() if self.at("(") else []
            self.expect("{")
            if keyword.kind == "parser":
                return self._parse_parser_body(name, params, ctor_params, type_params, annotations)
            return self._parse_control_body(name, params, ctor_params, type_params, annotations)
        finally:
            self.names.pop()

    def _parse_parser_body(
        self,
        name: Token,
        params: list[ast.Parameter],
        ctor_params: list[ast.Parameter],
        type_params: list[ast.TypeParameter],
        annotations: list[ast.Annotation],
    ) -> ast.ParserDecl:
        decl = ast.ParserDecl(
            name.text, params, ctor_params, type_params, annotations=annotations, src=name.src
        )
        while True:
            local_annotations = self.parse_annotations()
            if self.at("state"):
                decl.states.append(self.parse_state(local_annotations))
            elif decl.states:
                if local_annotations or not self.at("}"):
                    self.fail('"state" or "}"')
                break
            elif self.at("const"):
                decl.locals.append(self.parse_const(local_annotations))
            elif self.at("value_set"):
                decl.locals.append(self.parse_value_set(local_annotations))
            elif self._at_instantiation():
                decl.locals.append(self.parse_instantiation(local_annotations))
            elif self.at_type_start():
                decl.locals.append(self.parse_variable(local_annotations))
            else:
                self.fail('"state"')
        self.expect("}")
        return decl

    def parse_value_set(self, annotations: list[ast.Annotation]) -> ast.ValueSetDecl:
        self.expect("value_set")
        self.expect("<")
        elem_type = self.parse_type_ref()
        self.expect(">")
        self.expect("(")
        size = self.parse_expression()
        self.expect(")")
        name = self.parse_name()
        self.expect(";")
        self.names.declare_object(name.text)
        return ast.ValueSetDecl(name.text, elem_type, size, annotations=annotations, src=name.src)

    def parse_state(self, annotations: list[ast.Annotation]) -> ast.ParserState:
        self.expect("state")
        name = self.parse_name()
        self.expect("{")
        self.names.push()
        try:
            stmts: list[LocalDecl] = []
            while not self.at("transition", "}"):
                stmts.append(self.parse_statement(in_parser=True))
            transition: str | ast.SelectExpr | None = None
            if self.accept("transition"):
                if self.at("select"):
                    transition = self.parse_select()
                else:
                    transition = self.parse_name().text
                    self.expect(";")
            self.expect("}")
        finally:
            self.names.pop()
        return ast.ParserState(name.text, stmts, transition, annotations=annotations, src=name.src)

    def parse_select(self) -> ast.SelectExpr:
        start = self.expect("select")
        self.expect("(")
        exprs = self.parse_expression_list(")")
        self.expect(")")
        self.expect("{")
        cases: list[ast.SelectCase] = []
        while not self.accept("}"):
            keyset = self.parse_keyset()
            self.expect(":")
            state = self.parse_name()
            self.expect(";")
            cases.append(ast.SelectCase(keyset, state.text, src=keyset.src))
        return ast.SelectExpr(exprs, cases, src=start.src)

    def _parse_control_body(
        self,
        name: Token,
        params: list[ast.Parameter],
        ctor_params: list[ast.Parameter],
        type_params: list[ast.TypeParameter],
        annotations: list[ast.Annotation],
    ) -> ast.ControlDecl:
        decl = ast.ControlDecl(
            name.text, params, ctor_params, type_params, annotations=annotations, src=name.src
        )
        while not self.at("apply"):
            local_annotations = self.parse_annotations()
            if self.at("const"):
                decl.locals.append(self.parse_const(local_annotations))
            elif self.at("action"):
                decl.locals.append(self.parse_action(local_annotations))
            elif self.at("table"):
                decl.locals.append(self.parse_table(local_annotations))
            elif self._at_instantiation():
                decl.locals.append(self.parse_instantiation(local_annotations))
            elif self.at_type_start():
                decl.locals.append(self.parse_variable(local_annotations))
            else:
                self.fail('"apply"')
        self.expect("apply")
        decl.body = self._parse_body("control")
        self.expect("}")
        return decl

    # ---------------------------------------------------------------- tables

    def parse_table(self, annotations: list[ast.Annotation]) -> ast.TableDecl:
        self.expect("table")
        name = self.parse_name()
        self.names.declare_object(name.text)
        table = ast.TableDecl(name.text, annotations=annotations, src=name.src)
        if self.accept("("):
            # Early P4_16 drafts gave tables parameters; p4c still reads the empty list.
            self.expect(")")
        self.expect("{")
        if self.at("}"):
            self.fail("a table property")
        seen: set[str] = set()
        while not self.accept("}"):
            self._parse_table_property(table, seen)
        return table

    def _parse_table_property(self, table: ast.TableDecl, seen: set[str]) -> None:
        """One property; ``seen``: names parsed so far (these would merge; the checker reports the rest)."""
        annotations = self.parse_annotations()
        is_const = self.accept("const") is not None
        token = self.tok
        if token.text in (*_TABLE_KEYWORD_PROPERTIES, "default_action"):
            if token.text in seen:
                raise CompileError.at(token.src, f"duplicate table property '{token.text}'")
            seen.add(token.text)
        if token.kind in _TABLE_KEYWORD_PROPERTIES:
            self.advance()
            self.expect("=")
            self.expect("{")
            if token.kind == "key":
                while not self.accept("}"):
                    table.keys.append(self._parse_key_element())
            elif token.kind == "actions":
                table.has_actions = True
                while not self.accept("}"):
                    action_annotations = self.parse_annotations()
                    table.actions.append(self._parse_action_ref(action_annotations))
                    self.expect(";")
            else:
                table.entries_const = is_const
                table.entries_present = True
                while not self.accept("}"):
                    table.entries.append(self._parse_entry())
            return
        if token.kind not in (IDENT, "apply", "state", "type"):
            self.fail("a table property")
        self.advance()
        self.expect("=")
        value = self.parse_expression()
        self.expect(";")
        if token.text == "default_action":
            table.default_action = self._action_ref_from(value, annotations)
            table.default_action_const = is_const
            return
        table.properties.append(
            ast.TableProperty(token.text, value, is_const, annotations=annotations, src=token.src)
        )

    def _parse_key_element(self) -> ast.KeyElement:
        expr = self.parse_expression()
        self.expect(":")
        match_kind = self.parse_name()
        annotations = self.parse_annotations()
        self.expect(";")
        return ast.KeyElement(expr, match_kind.text, annotations=annotations, src=expr.src)

    def _parse_action_ref(self, annotations: list[ast.Annotation]) -> ast.ActionRef:
        start = self.tok
        is_global = self.accept(".") is not None
        name = self.parse_non_type_name()
        ref = ast.ActionRef(name.text, is_global=is_global, annotations=annotations, src=start.src)
        if self.accept("("):
            ref.args = self.parse_arguments()
            ref.has_parens = True
        return ref

    def _action_ref_from(
        self, value: ast.Expression, annotations: list[ast.Annotation]
    ) -> ast.ActionRef:
        """``default_action = a(args)`` is parsed as an expression; turn it into an ActionRef."""
        target, args, has_parens = value, [], False
        if isinstance(value, ast.MethodCall) and not value.type_args:
            target, args, has_parens = value.target, value.args, True
        if not isinstance(target, ast.PathExpr):
            raise CompileError.at(value.src, "default_action must name an action")
        return ast.ActionRef(
            target.name,
            args,
            is_global=target.is_global,
            has_parens=has_parens,
            annotations=annotations,
            src=value.src,
        )

    def _parse_entry(self) -> ast.TableEntry:
        start = self.tok
        is_const = self.accept("const") is not None
        priority: ast.Expression | None = None
        if self.tok.kind == IDENT and self.tok.text == "priority" and self.peek().kind == "=":
            self.advance()
            self.advance()
            if self.at(INTEGER):
                priority = self._int_literal(self.advance())
            else:
                self.expect("(")
                priority = self.parse_expression()
                self.expect(")")
            self.expect(":")
        keyset = self.parse_keyset()
        # Like p4c, any list keyset (tuple or braces) gives one key per element.
        keys = keyset.elements if isinstance(keyset, ast.ListExpr) else [keyset]
        self.expect(":")
        action = self._parse_action_ref([])
        annotations = self.parse_annotations()
        self.expect(";")
        return ast.TableEntry(
            keys, action, priority, is_const, annotations=annotations, src=start.src
        )


def parse_preprocessed(text: str, filename: str) -> ast.Program:
    """Parse already preprocessed text (line markers, if any, map positions back)."""
    tokens, files = tokenize(text, filename)
    return P4Parser(tokens, text).parse_program(files)


def parse_text(
    text: str,
    filename: str = "<string>",
    include_dirs: Sequence[str | Path] = (),
    defines: Sequence[str] = (),
) -> ast.Program:
    """Preprocess and parse P4 source ``text``; diagnostics name ``filename``."""
    return parse_preprocessed(preprocess_text(text, filename, include_dirs, defines), filename)


def parse_file(
    path: str | Path, include_dirs: Sequence[str | Path] = (), defines: Sequence[str] = ()
) -> ast.Program:
    """Preprocess and parse the P4 program at ``path``.

    Raises ``CompileError`` (``file:line:col: error: ...``) for any preprocessing or syntax
    error.
    """
    return parse_preprocessed(preprocess_file(path, include_dirs, defines), str(path))
