"""Tokenizer for preprocessed P4_16 text.

Tokens carry the position in the ORIGINAL source: ``# N "file"`` / ``#line N "file"`` markers
left by the preprocessor move the (file, line) origin. Whether an identifier names a type is
not decided here but by the parser, which knows the declarations in scope (p4c's lexer asks
the parser the same question).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from softswitch.frontend.ast import SrcInfo
from softswitch.frontend.diagnostics import CompileError

KEYWORDS = frozenset(
    {
        "abstract", "action", "actions", "apply", "bool", "bit", "break", "const",
        "continue", "control", "default", "else", "entries", "enum", "error", "exit",
        "extern", "false", "for", "header", "header_union", "if", "in", "inout", "int",
        "key", "select", "match_kind", "type", "out", "package", "parser", "return", "state", "string", "struct", "switch", "table",
        "transition", "true", "tuple", "typedef", "varbit", "value_set", "void", "this",
    }
)  # fmt: skip

# Longest operators first so that the alternation picks them over their prefixes. `>>` is
# deliberately absent: `>` `>` closes nested type arguments and the parser recognises a shift
# from two adjacent `>` tokens (p4c's R_ANGLE_SHIFT), and `>>=` from adjacent `>` `>=`.
_OPERATORS = [
    "|+|=", "|-|=", "<<=", "...", "{#}",
    "&&&", "|+|", "|-|",
    "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=",
    "+:", "..", "<<", "&&", "||", "==", "!=", ">=", "<=", "++",
    "+", "-", "*", "/", "%", "|", "&", "^", "~", "[", "]", "{", "}", "<", ">",
    "(", ")", "!", ":", ",", "?", ".", "=", ";", "@",
]  # fmt: skip

INTEGER_RE = re.compile(
    r"(?:(?P<width>[0-9]+)(?P<ws>[ws]))?"
    r"(?:0[xX](?P<hex>[0-9a-fA-F_]+)|0[oO](?P<oct>[0-7_]+)|0[bB](?P<bin>[01_]+)"
    r"|0[dD](?P<dec>[0-9_]+)|(?P<plain>[0-9][0-9_]*))"
)

_TOKEN_RE = re.compile(
    r"""
      (?P<newline>\n)
    | (?P<space>[ \t\r\f\v]+)
    | (?P<line_comment>//[^\n]*)
    | (?P<block_comment>/\*(?:[^*]|\*(?!/))*\*/)
    | (?P<unterminated_comment>/\*)
    | (?P<string>"(?:[^"\\]|\\[\s\S])*")  # may span lines, as in p4c (string_anno.p4)
    | (?P<unterminated_string>")
    | (?P<integer>[0-9][0-9A-Za-z_]*)
    | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<op>"""
    + "|".join(re.escape(op) for op in _OPERATORS)
    + r""")
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

_DIRECTIVE_START_RE = re.compile(r"[ \t]*#")
# cpp's `# 12 "file" flags` and `#line 12 "file"`.
_LINE_MARKER_RE = re.compile(r'[ \t]*(?:line[ \t]+)?(\d+)(?:[ \t]+"((?:[^"\\]|\\.)*)")?[ \t0-9]*$')
_PRAGMA_RE = re.compile(r"[ \t]*pragma\b")

# Kinds of tokens that are not keywords or operators.
IDENT = "IDENT"
INTEGER = "INTEGER"
STRING = "STRING"
UNEXPECTED = "UNEXPECTED"
EOF = "EOF"


@dataclass(slots=True)
class Token:
    """``kind`` is IDENT/INTEGER/STRING/UNEXPECTED/EOF, or the keyword/operator text itself.

    ``start``/``end`` index the preprocessed text (annotation bodies are sliced from it and
    adjacency of `>` `>` decides shifts).
    """

    kind: str
    text: str
    start: int
    end: int
    src: SrcInfo

    def describe(self) -> str:
        if self.kind == EOF:
            return "end of file"
        if self.kind == IDENT:
            return f'identifier "{self.text}"'
        if self.kind == INTEGER:
            return f"integer {self.text}"
        if self.kind == STRING:
            return f"string {self.text}"
        if self.kind == UNEXPECTED:
            return f"character {self.text!r}"
        return f'"{self.text}"'


def _unescape_marker_file(name: str) -> str:
    return re.sub(r"\\(.)", r"\1", name)


def tokenize(text: str, filename: str) -> tuple[list[Token], list[str]]:
    """Tokens of ``text`` (ending with an EOF token) and the source files seen, in order.

    Unknown characters become UNEXPECTED tokens: they are legal inside unstructured
    annotation bodies, and the parser reports them anywhere else.
    """
    tokens: list[Token] = []
    files: list[str] = []
    seen_files: set[str] = set()
    file = filename
    line = 1
    line_start = 0
    at_line_start = True
    pos = 0
    length = len(text)
    match_token = _TOKEN_RE.match

    def note_file(name: str) -> None:
        if not name.startswith("<") and name not in seen_files:
            seen_files.add(name)
            files.append(name)

    note_file(filename)
    while pos < length:
        if at_line_start:
            directive = _DIRECTIVE_START_RE.match(text, pos)
            if directive is not None:
                end = text.find("\n", pos)
                end = length if end < 0 else end
                rest = text[directive.end() : end]
                marker = _LINE_MARKER_RE.match(rest)
                if marker is not None:
                    # The NEXT line is line N of the named file.
                    if marker[2] is not None:
                        file = _unescape_marker_file(marker[2])
                        note_file(file)
                    line = int(marker[1]) - 1
                elif _PRAGMA_RE.match(rest) is None:
                    # `#pragma` is passed through by cpp and ignored here, like unknown
                    # pragmas in p4c; any other directive is an error.
                    src = SrcInfo(file, line, pos - line_start + 1)
                    raise CompileError.at(src, "unexpected preprocessor directive")
                pos = end
                at_line_start = False
                continue
        match = match_token(text, pos)
        assert match is not None  # the `other` alternative matches any character
        kind = match.lastgroup
        end = match.end()
        if kind == "newline":
            line += 1
            line_start = end
            at_line_start = True
            pos = end
            continue
        if kind == "space":
            pos = end
            continue
        at_line_start = False
        if kind == "line_comment":
            pos = end
            continue
        if kind == "block_comment":
            newlines = text.count("\n", pos, end)
            if newlines:
                line += newlines
                line_start = text.rfind("\n", pos, end) + 1
            pos = end
            continue
        src = SrcInfo(file, line, pos - line_start + 1)
        word = match.group()
        if kind == "unterminated_comment":
            raise CompileError.at(src, "unterminated comment")
        if kind == "unterminated_string":
            raise CompileError.at(src, "unterminated string literal")
        if kind == "ident":
            if word in KEYWORDS:
                tokens.append(Token(word, word, pos, end, src))
            elif word == "_":
                tokens.append(Token("_", word, pos, end, src))
            else:
                tokens.append(Token(IDENT, word, pos, end, src))
        elif kind == "integer":
            if INTEGER_RE.fullmatch(word) is None:
                raise CompileError.at(src, f"malformed integer literal {word}")
            tokens.append(Token(INTEGER, word, pos, end, src))
        elif kind == "string":
            tokens.append(Token(STRING, word, pos, end, src))
            newlines = word.count("\n")
            if newlines:
                line += newlines
                line_start = text.rfind("\n", pos, end) + 1
        elif kind == "op":
            tokens.append(Token(word, word, pos, end, src))
        else:
            tokens.append(Token(UNEXPECTED, word, pos, end, src))
        pos = end
    # End of file is reported just after the last token: that line is where the text is missing.
    eof_src = SrcInfo(file, line, pos - line_start + 1)
    if tokens:
        last = tokens[-1]
        eof_src = SrcInfo(last.src.file, last.src.line, last.src.col + last.end - last.start)
    tokens.append(Token(EOF, "", length, length, eof_src))
    return tokens, files


def integer_value(text: str) -> tuple[int, int | None, bool]:
    """(value, width, signed) of an integer literal such as ``8w0xFF``, ``4s3``, ``1_000``."""
    match = INTEGER_RE.fullmatch(text)
    if match is None:
        raise ValueError(text)
    width = int(match["width"]) if match["width"] is not None else None
    signed = match["ws"] == "s"
    for group, base in (("hex", 16), ("oct", 8), ("bin", 2), ("dec", 10), ("plain", 10)):
        digits = match[group]
        if digits is not None:
            return int(digits.replace("_", "") or "0", base), width, signed
    raise ValueError(text)  # pragma: no cover - the regex always matches one group
