"""Recursive-descent parsing of P4_16 types, expressions, keysets and annotations.

This is the base of ``parser.P4Parser``. It follows p4c's grammar (``p4parser.ypp``):
operator precedences, the ``TYPE_IDENTIFIER`` / ``IDENTIFIER`` distinction (decided from the
declarations in scope, see ``ScopedNames``), ``(T) e`` casts, ``f<T>(x)`` versus ``a < b``
(type arguments only when the token after ``<`` starts a type, as p4c's
``realTypeArgumentList``), and ``>`` ``>`` as a right shift only when adjacent.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import NoReturn, TypeVar

from softswitch.frontend import ast
from softswitch.frontend.diagnostics import CompileError
from softswitch.frontend.lexer import EOF, IDENT, INTEGER, STRING, Token, integer_value

_T = TypeVar("_T")

# Binary operators by binding power (p4c's %left declarations, lowest first).
_BINARY_PRECEDENCE: dict[str, int] = {
    "||": 2,
    "&&": 3,
    "==": 4,
    "!=": 4,
    "<": 5,
    ">": 5,
    "<=": 5,
    ">=": 5,
    "|": 6,
    "^": 7,
    "&": 8,
    "<<": 9,
    ">>": 9,
    "++": 10,
    "+": 10,
    "-": 10,
    "|+|": 10,
    "|-|": 10,
    "*": 11,
    "/": 11,
    "%": 11,
}
_MUX_PRECEDENCE = 1
_UNARY_OPS = {
    "!": ast.UnaryOp.NOT,
    "~": ast.UnaryOp.COMPLEMENT,
    "-": ast.UnaryOp.NEG,
    "+": ast.UnaryOp.PLUS,
}

# Keywords that p4c accepts where a (non-type) name is expected: `nonTypeName`.
NON_TYPE_KEYWORDS = frozenset({"apply", "key", "actions", "state", "entries", "type"})
_BASE_TYPE_KEYWORDS = frozenset({"bool", "string", "error", "match_kind", "bit", "int", "varbit"})


class _Backtrack(Exception):
    """Raised by ``attempt`` sub-parses that do not fit; never escapes the parser."""


class ScopedNames:
    """Which identifiers name types, as p4c's ``ProgramStructure`` tracks them.

    Type declarations and type parameters are types; parameters, variables, constants and
    instances are objects that hide a type of the same name in their scope.
    """

    def __init__(self) -> None:
        self._scopes: list[dict[str, bool]] = [{}]

    def push(self) -> None:
        self._scopes.append({})

    def pop(self) -> None:
        self._scopes.pop()

    def declare_type(self, name: str) -> None:
        self._scopes[-1][name] = True

    def declare_object(self, name: str) -> None:
        self._scopes[-1][name] = False

    def is_type(self, name: str) -> bool:
        for scope in reversed(self._scopes):
            found = scope.get(name)
            if found is not None:
                return found
        return False


class ExpressionParser:
    def __init__(self, tokens: list[Token], text: str) -> None:
        self.tokens = tokens
        self.text = text
        self.pos = 0
        self.names = ScopedNames()
        # Depth of `attempt` sub-parses: errors inside them backtrack instead of reporting.
        self._attempts = 0

    # ---------------------------------------------------------------- token stream

    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def peek(self, offset: int = 1) -> Token:
        index = min(self.pos + offset, len(self.tokens) - 1)
        return self.tokens[index]

    def at(self, *kinds: str) -> bool:
        return self.tokens[self.pos].kind in kinds

    def advance(self) -> Token:
        token = self.tokens[self.pos]
        if token.kind != EOF:
            self.pos += 1
        return token

    def accept(self, kind: str) -> Token | None:
        if self.tokens[self.pos].kind == kind:
            return self.advance()
        return None

    def expect(self, kind: str) -> Token:
        if self.tokens[self.pos].kind == kind:
            return self.advance()
        self.fail(f'"{kind}"' if kind not in (IDENT, INTEGER, STRING) else kind.lower())

    def fail(self, expecting: str | None = None, token: Token | None = None) -> NoReturn:
        if self._attempts:
            raise _Backtrack
        token = token or self.tok
        message = f"syntax error, unexpected {token.describe()}"
        if token.kind == IDENT and self.peek_after(token).kind == IDENT:
            # `name1 name2` where a declaration was possible: name1 is an unknown type.
            message += ", which is not a type in scope"
        elif expecting:
            message += f", expecting {expecting}"
        raise CompileError.at(token.src, message)

    def unsupported(self, src: ast.SrcInfo, what: str) -> NoReturn:
        """A construct that is valid P4 but that this front-end does not implement."""
        raise CompileError.at(src, f"unsupported: {what} are not implemented")

    def peek_after(self, token: Token) -> Token:
        """The token following ``token`` (which must come from the current stream)."""
        for index in range(self.pos, len(self.tokens)):
            if self.tokens[index] is token:
                return self.tokens[min(index + 1, len(self.tokens) - 1)]
        return self.tokens[-1]

    def attempt(self, parse: Callable[[], _T]) -> _T | None:
        """Run ``parse``; on a syntax error rewind and return None (bounded lookahead)."""
        start = self.pos
        self._attempts += 1
        try:
            return parse()
        except _Backtrack:
            self.pos = start
            return None
        finally:
            self._attempts -= 1

    # ---------------------------------------------------------------- names

    def is_type_token(self, token: Token) -> bool:
        return token.kind == IDENT and self.names.is_type(token.text)

    def at_non_type_name(self, token: Token | None = None) -> bool:
        token = token or self.tok
        return (token.kind == IDENT and not self.names.is_type(token.text)) or (
            token.kind in NON_TYPE_KEYWORDS
        )

    def parse_non_type_name(self) -> Token:
        if self.at_non_type_name():
            return self.advance()
        self.fail("a name")

    def parse_name(self) -> Token:
        """Any name, type names included (p4c's ``name``)."""
        if self.tok.kind == IDENT or self.tok.kind in NON_TYPE_KEYWORDS:
            return self.advance()
        self.fail("a name")

    # ---------------------------------------------------------------- annotations

    def parse_annotations(self) -> list[ast.Annotation]:
        annotations: list[ast.Annotation] = []
        while self.at("@"):
            annotations.append(self.parse_annotation())
        return annotations

    def parse_annotation(self) -> ast.Annotation:
        at = self.expect("@")
        name_token = self.tok
        if not name_token.text.isidentifier():
            self.fail("an annotation name")
        self.advance()
        name = name_token.text
        if name == "pragma" and name_token.src.line == at.src.line:
            return self._parse_pragma(at)
        if self.at("("):
            open_paren = self.advance()
            body_start = self.pos
            depth = 1
            while depth:
                token = self.tok
                if token.kind == EOF:
                    self.fail('")"')
                depth += {"(": 1, ")": -1}.get(token.kind, 0)
                self.advance()
            close = self.tokens[self.pos - 1]
            body = self.text[open_paren.end : close.start]
            exprs = self._parse_annotation_exprs(body_start, self.pos - 1)
            return ast.Annotation(name, body=body.strip(), exprs=exprs, src=at.src)
        if self.at("["):
            open_bracket = self.advance()
            annotation = ast.Annotation(name, structured=True, src=at.src)
            if (self.tok.kind == IDENT or self.at_non_type_name()) and self.peek().kind == "=":
                annotation.kv = self._parse_kv_list("]")
            if not annotation.kv and not self.at("]"):
                annotation.exprs = self.parse_expression_list("]")
            close = self.expect("]")
            annotation.body = self.text[open_bracket.end : close.start].strip()
            return annotation
        return ast.Annotation(name, src=at.src)

    def _parse_pragma(self, at: Token) -> ast.Annotation:
        """P4_14-style ``@pragma name body...`` running to the end of the line (as p4c)."""
        name = self.tok
        if name.src.line != at.src.line or not name.text.isidentifier():
            self.fail("a pragma name")
        self.advance()
        body_start = self.pos
        while self.tok.kind != EOF and self.tok.src.line == at.src.line:
            self.advance()
        body_end = self.pos
        body = ""
        if body_end > body_start:
            body = self.text[self.tokens[body_start].start : self.tokens[body_end - 1].end]
        exprs = self._parse_annotation_exprs(body_start, body_end)
        return ast.Annotation(name.text, body=body, exprs=exprs, src=at.src)

    def _parse_annotation_exprs(self, start: int, stop: int) -> list[ast.Expression]:
        """The body tokens[start:stop] as an expression list, or [] if they are not one."""
        if start == stop:
            return []
        saved_pos, saved_tokens = self.pos, self.tokens
        eof = self.tokens[stop]
        self.tokens = [*self.tokens[start:stop], Token(EOF, "", eof.start, eof.start, eof.src)]
        self.pos = 0
        try:
            result = self.attempt(lambda: self.parse_expression_list(EOF))
            return result if result is not None and self.at(EOF) else []
        except CompileError:
            return []  # e.g. an unsupported construct: the body stays raw text
        finally:
            self.pos, self.tokens = saved_pos, saved_tokens

    def _parse_kv_list(self, closer: str) -> dict[str, ast.Expression]:
        pairs: dict[str, ast.Expression] = {}
        while True:
            key = self.parse_name()
            if key.text in pairs:
                if self._attempts:
                    raise _Backtrack
                raise CompileError.at(key.src, f"duplicate key '{key.text}' in an annotation")
            self.expect("=")
            pairs[key.text] = self.parse_expression()
            if not self.accept(",") or self.at(closer) or self.at("..."):
                return pairs

    # ---------------------------------------------------------------- types

    def at_type_start(self, token: Token | None = None, offset: int = 0) -> bool:
        token = token or self.peek(offset)
        if token.kind in _BASE_TYPE_KEYWORDS or token.kind == "tuple":
            return True
        if token.kind == ".":
            return self.is_type_token(self.peek(offset + 1))
        return self.is_type_token(token) or self._at_list_type(token, offset)

    def _at_list_type(self, token: Token, offset: int = 0) -> bool:
        """``list<`` starts a list type (``list`` is p4c's keyword; not a name here)."""
        return (
            token.text == "list"
            and token.kind == IDENT
            and self.peek(offset + 1).kind == "<"
            and not self.names.is_type(token.text)
        )

    def parse_type_ref(self) -> ast.TypeRef:
        """A type, then any number of ``[N]``: arrays of any element type (p4c's
        generalization of header stacks; ``bit<8>[2][3]`` is 3 arrays of 2)."""
        token = self.tok
        type_ref = self._parse_element_type()
        while self.at("["):
            type_ref = self.parse_array_suffix(type_ref, token)
        return type_ref

    def parse_array_suffix(self, element: ast.TypeRef, start: Token) -> ast.TypeRef:
        """``[N]`` after a type (or a field name, C style: ``bit<8> a[4];``)."""
        self.expect("[")
        size = self.parse_expression()
        self.expect("]")
        return ast.HeaderStackTypeRef(element, size, src=start.src)

    def _parse_element_type(self) -> ast.TypeRef:
        token = self.tok
        kind = token.kind
        if kind in ("bit", "int", "varbit"):
            self.advance()
            if not self.at("<"):
                if kind == "bit":
                    return ast.BitTypeRef(ast.IntLiteral(1, text="1", src=token.src), src=token.src)
                if kind == "int":
                    return ast.BaseTypeRef("int", src=token.src)
                self.fail('"<"')
            self.advance()
            if self.at(INTEGER) and self.peek().kind == ">":
                width: ast.Expression = self._int_literal(self.advance())
            elif self.at("("):
                self.advance()
                width = self.parse_expression()
                self.expect(")")
            else:
                # p4c also takes an unparenthesized constant expression (``bit<W - 1>``,
                # ``bit<a < 3 ? 5 : 4>``): a ``>`` there closes the angle bracket.
                width = self.parse_expression(angle_width=True)
            self.expect(">")
            if kind == "varbit":
                return ast.VarbitTypeRef(width, src=token.src)
            return ast.BitTypeRef(width, signed=kind == "int", src=token.src)
        if kind in ("bool", "string", "error", "match_kind"):
            self.advance()
            return ast.BaseTypeRef(kind, src=token.src)
        if kind == "tuple":
            self.advance()
            self.expect("<")
            elements = self.parse_type_args()
            self.expect(">")
            return ast.TupleTypeRef(elements, src=token.src)
        if self._at_list_type(token):
            self.advance()
            self.expect("<")
            element = self.parse_type_ref()
            self.expect(">")
            return ast.ListTypeRef(element, src=token.src)
        return self.parse_named_type()

    def parse_named_type(self) -> ast.TypeName:
        token = self.tok
        is_global = self.accept(".") is not None
        name = self.tok
        if not self.is_type_token(name):
            self.fail("a type")
        self.advance()
        type_ref = ast.TypeName(name.text, is_global=is_global, src=token.src)
        if self.at("<"):
            self.advance()
            type_ref.type_args = self.parse_type_args()
            self.expect(">")
        return type_ref

    def parse_type_args(self) -> list[ast.TypeRef]:
        args: list[ast.TypeRef] = []
        if self.at(">"):
            return args
        while True:
            args.append(self.parse_type_arg())
            if not self.accept(","):
                return args

    def parse_type_arg(self) -> ast.TypeRef:
        token = self.tok
        if token.kind == "void":
            self.advance()
            return ast.BaseTypeRef("void", src=token.src)
        if token.kind == "_":
            self.advance()
            return ast.DontCareTypeRef(src=token.src)
        if self.at_non_type_name() and not self.at_type_start():
            # p4c: a type argument may name a type variable introduced later (return types).
            self.advance()
            return ast.TypeName(token.text, src=token.src)
        return self.parse_type_ref()

    def parse_type_or_void(self) -> ast.TypeRef:
        """A return type: a type, `void`, or an identifier that names a type parameter the
        declaration is about to introduce (``T f<T>()``)."""
        token = self.tok
        if token.kind == "void":
            self.advance()
            return ast.BaseTypeRef("void", src=token.src)
        if token.kind == IDENT and not self.names.is_type(token.text):
            self.advance()
            return ast.TypeName(token.text, src=token.src)
        return self.parse_type_ref()

    def parse_type_params(self) -> list[ast.TypeParameter]:
        """Optional ``<A, B>``; declares the parameters as types in the current scope."""
        params: list[ast.TypeParameter] = []
        if not self.accept("<"):
            return params
        while True:
            name = self.parse_name()
            self.names.declare_type(name.text)
            params.append(ast.TypeParameter(name.text, src=name.src))
            if not self.accept(","):
                break
        self.expect(">")
        return params

    # ---------------------------------------------------------------- expressions

    def _int_literal(self, token: Token) -> ast.IntLiteral:
        value, width, signed = integer_value(token.text)
        return ast.IntLiteral(value, width=width, signed=signed, text=token.text, src=token.src)

    def parse_expression_list(
        self, closer: str, *, trailing_comma: bool = False
    ) -> list[ast.Expression]:
        exprs: list[ast.Expression] = []
        if self.at(closer):
            return exprs
        while True:
            exprs.append(self.parse_expression())
            if not self.accept(",") or (trailing_comma and self.at(closer)):
                return exprs

    def parse_expression(
        self, min_precedence: int = 0, angle_width: bool = False
    ) -> ast.Expression:
        """An expression whose operators bind tighter than ``min_precedence``; with
        ``angle_width`` (a type width between angle brackets) ``>`` and ``>>`` end it."""
        left = self.parse_prefix()
        while True:
            token = self.tok
            kind = token.kind
            if angle_width and kind in (">", ">="):
                return left
            if kind == "?":
                if min_precedence > _MUX_PRECEDENCE:
                    return left
                self.advance()
                then = self.parse_expression(angle_width=angle_width)
                self.expect(":")
                otherwise = self.parse_expression(_MUX_PRECEDENCE, angle_width)
                left = ast.Mux(left, then, otherwise, src=left.src)
                continue
            if kind == ">" and self.peek().kind == ">" and self.peek().start == token.end:
                kind = ">>"
            precedence = _BINARY_PRECEDENCE.get(kind)
            if precedence is None or precedence <= min_precedence:
                return left
            self.advance()
            if kind == ">>":
                self.advance()
            right = self.parse_expression(precedence, angle_width)
            left = ast.Binary(ast.BinaryOp(kind), left, right, src=left.src)

    def parse_prefix(self) -> ast.Expression:
        token = self.tok
        op = _UNARY_OPS.get(token.kind)
        if op is not None:
            self.advance()
            return ast.Unary(op, self.parse_prefix(), src=token.src)
        if token.kind == "(" and self.at_type_start(offset=1):
            cast = self.attempt(self._parse_cast)
            if cast is not None:
                return cast
        return self.parse_postfix(self.parse_primary())

    def _parse_cast(self) -> ast.Expression:
        start = self.expect("(")
        type_ref = self.parse_type_ref()
        self.expect(")")
        return ast.Cast(type_ref, self.parse_prefix(), src=start.src)

    def parse_primary(self) -> ast.Expression:
        token = self.tok
        kind = token.kind
        if kind == INTEGER:
            self.advance()
            return self._int_literal(token)
        if kind == STRING:
            self.advance()
            return ast.StringLiteral(token.text[1:-1], src=token.src)
        if kind in ("true", "false"):
            self.advance()
            return ast.BoolLiteral(kind == "true", src=token.src)
        if kind == "this":
            self.advance()
            return ast.ThisExpr(src=token.src)
        if kind == "(":
            self.advance()
            inner = self.parse_expression()
            self.expect(")")
            return inner
        if kind == "{":
            return self.parse_brace_expression()
        if kind == "{#}":
            self.advance()
            return ast.InvalidHeaderExpr(src=token.src)
        if kind == "...":
            self.advance()
            return ast.DefaultValueExpr(src=token.src)
        if kind == "error":
            self.advance()
            self.expect(".")
            member = self.parse_name()
            type_expr = ast.TypeNameExpr(ast.BaseTypeRef("error", src=token.src), src=token.src)
            return ast.Member(type_expr, member.text, src=token.src)
        if self.at_non_type_name():
            self.advance()
            return ast.PathExpr(token.text, src=token.src)
        if kind == "." and self.at_non_type_name(self.peek()):
            self.advance()
            name = self.advance()
            return ast.PathExpr(name.text, is_global=True, src=token.src)
        if self.at_type_start() and kind not in _BASE_TYPE_KEYWORDS and kind != "tuple":
            return self._parse_type_prefixed()
        self.fail("an expression")

    def _parse_type_prefixed(self) -> ast.Expression:
        """``T.member`` or a constructor call ``T(args)`` / ``T<A>(args)``."""
        start = self.tok
        type_ref = self.parse_named_type()
        if self.at("("):
            self.advance()
            args = self.parse_arguments()
            return ast.ConstructorCall(type_ref, args, src=start.src)
        if self.at("."):
            self.advance()
            member = self.parse_name()
            return ast.Member(ast.TypeNameExpr(type_ref, src=start.src), member.text, src=start.src)
        self.fail('"." or "("')

    def parse_brace_expression(self) -> ast.Expression:
        """``{a, b}``, ``{f = a}``, either ending in ``...`` (P4_16 1.2.4), or ``{...}``."""
        start = self.expect("{")
        if self.tok.kind in (IDENT, *NON_TYPE_KEYWORDS) and self.peek().kind == "=":
            fields = list(self._parse_kv_list("}").items())
            dots = self._accept_closing_dots()
            self.expect("}")
            return ast.StructExpr(fields, dots=dots, src=start.src)
        elements: list[ast.Expression] = []
        while not self.at("}") and not self._at_closing_dots():
            elements.append(self.parse_expression())
            if not self.accept(","):
                break
        dots = self._accept_closing_dots()
        self.expect("}")
        return ast.ListExpr(elements, dots=dots, src=start.src)

    def _at_closing_dots(self) -> bool:
        """A ``...`` ending an initializer (``{a, ...}``, ``{a, ...,}``); elsewhere ``...``
        is one value, the default of its type."""
        following = self.peek()
        return self.at("...") and (
            following.kind == "}" or (following.kind == "," and self.peek(2).kind == "}")
        )

    def _accept_closing_dots(self) -> bool:
        if not self._at_closing_dots():
            return False
        self.advance()
        self.accept(",")
        return True

    def parse_postfix(self, expr: ast.Expression) -> ast.Expression:
        while True:
            kind = self.tok.kind
            if kind == ".":
                self.advance()
                member = self.parse_name()
                expr = ast.Member(expr, member.text, src=expr.src)
            elif kind == "[":
                self.advance()
                index = self.parse_expression()
                if self.accept(":"):
                    lo = self.parse_expression()
                    self.expect("]")
                    expr = ast.Slice(expr, index, lo, src=expr.src)
                elif self.accept("+:"):
                    expr = self._indexed_part_select(expr, index)
                else:
                    self.expect("]")
                    expr = ast.ArrayIndex(expr, index, src=expr.src)
            elif kind == "(":
                self.advance()
                expr = ast.MethodCall(expr, self.parse_arguments(), src=expr.src)
            elif kind == "<" and self._at_real_type_arg():
                type_args = self.attempt(self._parse_call_type_args)
                if type_args is None:
                    return expr
                self.advance()  # "("
                expr = ast.MethodCall(expr, self.parse_arguments(), type_args, src=expr.src)
            else:
                return expr

    def _indexed_part_select(self, expr: ast.Expression, lo: ast.Expression) -> ast.Expression:
        """``e[lo +: w]`` (p4c): the ``w`` bits from ``lo`` up, i.e. ``e[lo + w - 1 : lo]``."""
        width = self.parse_expression()
        self.expect("]")
        src = width.src
        one = ast.IntLiteral(1, text="1", src=src)
        top = ast.Binary(ast.BinaryOp.SUB, width, one, src=src)
        # The low bound appears twice; each occurrence gets its own node (types are
        # annotated in place).
        hi = ast.Binary(ast.BinaryOp.ADD, copy.deepcopy(lo), top, src=lo.src)
        return ast.Slice(expr, hi, lo, src=expr.src)

    def _at_real_type_arg(self) -> bool:
        following = self.peek()
        return following.kind in ("void", "_") or self.at_type_start(offset=1)

    def _parse_call_type_args(self) -> list[ast.TypeRef]:
        self.expect("<")
        type_args = self.parse_type_args()
        self.expect(">")
        if not self.at("("):
            self.fail('"("')
        return type_args

    def parse_arguments(self) -> list[ast.Argument]:
        """Arguments after an already consumed ``(``, through the closing ``)``."""
        args: list[ast.Argument] = []
        if not self.accept(")"):
            while True:
                args.append(self.parse_argument())
                if not self.accept(","):
                    break
            self.expect(")")
        return args

    def parse_argument(self) -> ast.Argument:
        token = self.tok
        if token.kind == "_" and self.peek().kind in (",", ")"):
            self.advance()
            return ast.Argument(None, src=token.src)
        if (token.kind == IDENT or token.kind in NON_TYPE_KEYWORDS) and self.peek().kind == "=":
            self.advance()
            self.advance()
            if self.at("_") and self.peek().kind in (",", ")"):
                self.advance()
                return ast.Argument(None, name=token.text, src=token.src)
            return ast.Argument(self.parse_expression(), name=token.text, src=token.src)
        return ast.Argument(self.parse_expression(), src=token.src)

    # ---------------------------------------------------------------- keysets

    def parse_keyset(self) -> ast.Expression:
        """A select case / entry keyset: a tuple ``(k1, k2)`` or a simple keyset."""
        if self.at("("):
            tuple_keyset = self.attempt(self._parse_tuple_keyset)
            if tuple_keyset is not None:
                return tuple_keyset
        return self.parse_simple_keyset()

    def _parse_tuple_keyset(self) -> ast.Expression:
        start = self.expect("(")
        elements = [self.parse_simple_keyset()]
        while self.accept(","):
            elements.append(self.parse_simple_keyset())
        self.expect(")")
        if not self.at(":"):
            self.fail('":"')
        plain = not isinstance(
            elements[0], ast.MaskExpr | ast.RangeExpr | ast.DefaultExpr | ast.DontCareExpr
        )
        if len(elements) == 1 and plain:
            # `(e)` alone is a parenthesized expression, not a one-element tuple (p4c).
            self.fail()
        return ast.ListExpr(elements, src=start.src)

    def parse_simple_keyset(self) -> ast.Expression:
        token = self.tok
        if token.kind == "default":
            self.advance()
            return ast.DefaultExpr(src=token.src)
        if token.kind == "_":
            self.advance()
            return ast.DontCareExpr(src=token.src)
        value = self.parse_expression()
        if self.accept("&&&"):
            return ast.MaskExpr(value, self.parse_expression(), src=value.src)
        if self.accept(".."):
            return ast.RangeExpr(value, self.parse_expression(), src=value.src)
        return value
