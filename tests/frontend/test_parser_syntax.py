"""The parser builds the expected AST shape for each P4_16 construct."""

from __future__ import annotations

import pytest

from softswitch.frontend import ast
from softswitch.frontend.diagnostics import CompileError
from softswitch.frontend.parser import parse_preprocessed, parse_text


def render(node: ast.Expression | ast.TypeRef | None) -> str:
    """A compact, fully parenthesized rendering that makes tree shapes easy to assert."""
    match node:
        case None:
            return "None"
        case ast.IntLiteral(value=value, width=width, signed=signed):
            return f"{width}{'s' if signed else 'w'}{value}" if width is not None else str(value)
        case ast.BoolLiteral(value=value):
            return str(value).lower()
        case ast.StringLiteral(value=value):
            return f'"{value}"'
        case ast.PathExpr(name=name, is_global=is_global):
            return f"{'.' if is_global else ''}{name}"
        case ast.TypeNameExpr(type_ref=type_ref):
            return render(type_ref)
        case ast.Member(expr=expr, name=name):
            return f"{render(expr)}.{name}"
        case ast.ArrayIndex(expr=expr, index=index):
            return f"{render(expr)}[{render(index)}]"
        case ast.Slice(expr=expr, hi=hi, lo=lo):
            return f"{render(expr)}[{render(hi)}:{render(lo)}]"
        case ast.Unary(op=op, expr=expr):
            return f"({op.value}{render(expr)})"
        case ast.Binary(op=op, left=left, right=right):
            return f"({render(left)} {op.value} {render(right)})"
        case ast.Mux(cond=cond, then=then, otherwise=otherwise):
            return f"({render(cond)} ? {render(then)} : {render(otherwise)})"
        case ast.Cast(to=to, expr=expr):
            return f"(({render(to)}){render(expr)})"
        case ast.MethodCall(target=target, args=args, type_args=type_args):
            targs = f"<{', '.join(render(t) for t in type_args)}>" if type_args else ""
            return f"{render(target)}{targs}({', '.join(_render_arg(a) for a in args)})"
        case ast.ConstructorCall(type_ref=type_ref, args=args):
            return f"new {render(type_ref)}({', '.join(_render_arg(a) for a in args)})"
        case ast.ListExpr(elements=elements, dots=dots):
            return "{" + ", ".join([*(render(e) for e in elements), *["..."] * dots]) + "}"
        case ast.StructExpr(fields=fields, dots=dots):
            items = [f"{k} = {render(v)}" for k, v in fields]
            return "{" + ", ".join([*items, *["..."] * dots]) + "}"
        case ast.InvalidHeaderExpr():
            return "{#}"
        case ast.DefaultValueExpr():
            return "..."
        case ast.DefaultExpr():
            return "default"
        case ast.DontCareExpr():
            return "_"
        case ast.MaskExpr(value=value, mask=mask):
            return f"({render(value)} &&& {render(mask)})"
        case ast.RangeExpr(lo=lo, hi=hi):
            return f"({render(lo)} .. {render(hi)})"
        case ast.ThisExpr():
            return "this"
        case ast.BitTypeRef(width=width, signed=signed):
            return f"{'int' if signed else 'bit'}<{render(width)}>"
        case ast.VarbitTypeRef(max_width=width):
            return f"varbit<{render(width)}>"
        case ast.BaseTypeRef(name=name):
            return name
        case ast.DontCareTypeRef():
            return "_"
        case ast.TypeName(name=name, type_args=type_args, is_global=is_global):
            targs = f"<{', '.join(render(t) for t in type_args)}>" if type_args else ""
            return f"{'.' if is_global else ''}{name}{targs}"
        case ast.HeaderStackTypeRef(element=element, size=size):
            return f"{render(element)}[{render(size)}]"
        case ast.TupleTypeRef(elements=elements):
            return f"tuple<{', '.join(render(e) for e in elements)}>"
    raise AssertionError(f"cannot render {node!r}")


def _render_arg(arg: ast.Argument) -> str:
    value = "_" if arg.expr is None else render(arg.expr)
    return f"{arg.name} = {value}" if arg.name else value


PRELUDE = """
header h_t { bit<8> f; bit<16> g; }
struct S { h_t h; h_t[4] st; bit<8> a; bit<8> b; }
enum E { X, Y }
extern T pick<T>(in T a, in T b);
extern Reg<T> { Reg(bit<32> n); T read(in bit<32> i); }
"""


def parse_expr(text: str, decls: str = "") -> ast.Expression:
    """Parse ``text`` as the initializer of a constant (no preprocessor needed)."""
    program = parse_preprocessed(f"{PRELUDE}{decls}\nconst bit<8> probe = {text};", "t.p4")
    probe = program.declarations[-1]
    assert isinstance(probe, ast.ConstDecl)
    return probe.value


def parse_decls(text: str) -> list[ast.Declaration]:
    return parse_preprocessed(text, "t.p4").declarations


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1 + 2 * 3", "(1 + (2 * 3))"),
        ("1 - 2 - 3", "((1 - 2) - 3)"),
        ("a < b && c > d || e", "(((a < b) && (c > d)) || e)"),
        # p4c binds & tighter than == (unlike C).
        ("a & b == c", "((a & b) == c)"),
        ("a | b ^ c & d", "(a | (b ^ (c & d)))"),
        ("a << 2 + 1", "(a << (2 + 1))"),
        ("a >> 2", "(a >> 2)"),
        ("a > > 2", None),
        ("a ++ b ++ c", "((a ++ b) ++ c)"),
        ("a |+| b |-| c", "((a |+| b) |-| c)"),
        ("c ? a : b ? 1 : 2", "(c ? a : (b ? 1 : 2))"),
        ("-a * b", "((-a) * b)"),
        ("!s.h.isValid()", "(!s.h.isValid())"),
        ("~a.b[3:0]", "(~a.b[3:0])"),
        ("(bit<8>) a + 1", "(((bit<8>)a) + 1)"),
        ("(bit<(4 + 4)>) a", "((bit<(4 + 4)>)a)"),
        ("(int<8>) -a", "((int<8>)(-a))"),
        ("(E) a", "((E)a)"),
        ("(E.X == E.Y)", "(E.X == E.Y)"),
        ("E.X", "E.X"),
        ("error.NoError", "error.NoError"),
        ("s.st[1].f", "s.st[1].f"),
        (
            "s.st.next.f + s.st.last.f + s.st.lastIndex",
            "((s.st.next.f + s.st.last.f) + s.st.lastIndex)",
        ),
        ("pick<bit<8>>(a, b)", "pick<bit<8>>(a, b)"),
        ("pick(a = 1, b = _)", "pick(a = 1, b = _)"),
        # `<` starts type arguments only when a type follows (p4c's realTypeArgumentList).
        ("a < b > (c)", "((a < b) > c)"),
        ("{a, b}", "{a, b}"),
        ("{a, b,}", "{a, b}"),
        ("{}", "{}"),
        ("{f = 1, g = a}", "{f = 1, g = a}"),
        # P4_16 1.2.4: invalid headers and default values.
        ("{#}", "{#}"),
        ("(h_t){#}", "((h_t){#})"),
        ("s.h == {#}", "(s.h == {#})"),
        ("...", "..."),
        ("{...}", "{...}"),
        ("{a, ...}", "{a, ...}"),
        ("{f = 1, ...}", "{f = 1, ...}"),
        ("{f = ..., ...}", "{f = ..., ...}"),
        ("{a, ...,}", "{a, ...}"),
        ("{a, ..., b}", "{a, ..., b}"),
        ("{..., f = 1}", None),
        ("{ # }", None),
        (".a", ".a"),
        ("Reg<bit<8>>(32w4)", "new Reg<bit<8>>(32w4)"),
        ('"str"', '"str"'),
        ("true != false", "(true != false)"),
    ],
)
def test_expression_shapes(source: str, expected: str | None) -> None:
    decls = "const bit<8> a = 1; const bit<8> b = 2; const bit<8> c = 3; const bit<8> d = 4;"
    decls += "const bit<8> e = 5; const S s = {h = {f = 1, g = 2}};"
    if expected is None:
        with pytest.raises(Exception, match="syntax error"):
            parse_expr(source, decls)
        return
    assert render(parse_expr(source, decls)) == expected


@pytest.mark.parametrize(
    ("literal", "value", "width", "signed"),
    [
        ("8w0xFF", 255, 8, False),
        ("4s3", 3, 4, True),
        ("0b101", 5, None, False),
        ("0o17", 15, None, False),
        ("1_000", 1000, None, False),
        ("16w0b1111_0000", 240, 16, False),
        ("0d99", 99, None, False),
        ("0XaB", 171, None, False),
    ],
)
def test_integer_literals(literal: str, value: int, width: int | None, signed: bool) -> None:
    expr = parse_expr(literal)
    assert isinstance(expr, ast.IntLiteral)
    assert (expr.value, expr.width, expr.signed, expr.text) == (value, width, signed, literal)


def test_types() -> None:
    decls = parse_decls(
        """
        typedef bit<48> mac_t;
        type bit<32> ip_t;
        header h_t { bit<8> f; }
        struct P<T> { T a; }
        struct S {
            bit x1; int<8> x2; int x3; varbit<32> x4; bool x5; error x6; string x7;
            h_t[4] x8; tuple<bit<8>, P<bit<4>>> x9; P<mac_t> x10; bit<(2 * 4)> x11; .mac_t x12;
        }
        """
    )
    typedef, newtype, _, generic, struct = decls
    assert isinstance(typedef, ast.TypedefDecl) and render(typedef.type_ref) == "bit<48>"
    assert isinstance(newtype, ast.NewTypeDecl) and newtype.name == "ip_t"
    assert isinstance(generic, ast.StructDecl)
    assert [p.name for p in generic.type_params] == ["T"]
    assert isinstance(struct, ast.StructDecl)
    assert [render(f.type_ref) for f in struct.fields] == [
        "bit<1>",
        "int<8>",
        "int",
        "varbit<32>",
        "bool",
        "error",
        "string",
        "h_t[4]",
        "tuple<bit<8>, P<bit<4>>>",
        "P<mac_t>",
        "bit<(2 * 4)>",
        ".mac_t",
    ]


def test_enums_errors_match_kinds() -> None:
    decls = parse_decls(
        """
        enum bit<8> Color { RED = 1, GREEN = 8w2, }
        enum Mode { A, B }
        error { Oops, Again }
        match_kind { fancy }
        """
    )
    color, mode, error, kinds = decls
    assert isinstance(color, ast.EnumDecl) and render(color.underlying) == "bit<8>"
    assert [(m.name, render(m.value)) for m in color.members] == [("RED", "1"), ("GREEN", "8w2")]
    assert isinstance(mode, ast.EnumDecl) and mode.underlying is None
    assert [m.name for m in mode.members] == ["A", "B"]
    assert isinstance(error, ast.ErrorDecl) and [m.name for m in error.members] == ["Oops", "Again"]
    assert isinstance(kinds, ast.MatchKindDecl) and kinds.members[0].name == "fancy"


def test_externs() -> None:
    decls = parse_decls(
        """
        extern Fwd;
        @ext extern Gen<T, I> {
            Gen(bit<32> size, @optional T init);
            T get(in I index, in T fallback = 0);
            void put<V>(in V v);
            abstract void update(inout T value);
        }
        extern T pick<T>(in T a, out T b);
        extern void f(Fwd x);
        """
    )
    gen, pick, f = decls  # the forward declaration makes no node
    assert isinstance(gen, ast.ExternDecl) and gen.annotation("ext") is not None
    assert [p.name for p in gen.type_params] == ["T", "I"]
    (ctor,) = gen.constructors
    assert [p.name for p in ctor.params] == ["size", "init"] and ctor.params[1].optional
    get, put, update = gen.methods
    assert render(get.return_type) == "T" and render(get.params[1].default) == "0"
    assert get.params[0].direction is ast.Direction.IN
    assert [p.name for p in put.type_params] == ["V"] and not put.abstract
    assert update.abstract and update.params[0].direction is ast.Direction.INOUT
    assert isinstance(pick, ast.ExternFunctionDecl) and render(pick.return_type) == "T"
    assert pick.params[1].direction is ast.Direction.OUT
    assert isinstance(f, ast.ExternFunctionDecl) and render(f.params[0].type_ref) == "Fwd"


def test_annotations() -> None:
    (struct,) = parse_decls(
        """
        @name("x.y") @hidden @brief("a (nested) body") @structured[k = 1, s = "v"]
        @list[1, "two"] @weird(a b $ c)
        struct S { @alias("q.r") bit<8> f; }
        """
    )
    assert isinstance(struct, ast.StructDecl)
    names = [a.name for a in struct.annotations]
    assert names == ["name", "hidden", "brief", "structured", "list", "weird"]
    name, hidden, brief, structured, listed, weird = struct.annotations
    assert render(name.exprs[0]) == '"x.y"' and name.body == '"x.y"'
    assert struct.control_plane_name() == "x.y"
    assert hidden.body == "" and hidden.exprs == []
    assert brief.body == '"a (nested) body"'
    assert structured.structured and {k: render(v) for k, v in structured.kv.items()} == {
        "k": "1",
        "s": '"v"',
    }
    assert [render(e) for e in listed.exprs] == ["1", '"two"']
    assert weird.body == "a b $ c" and weird.exprs == []
    assert struct.fields[0].annotation("alias") is not None


PROGRAM = """
header h_t { bit<8> f; }
struct S { h_t h; h_t[2] st; }
extern Reg<T> { Reg(bit<32> n); T read(in bit<32> i); }
action global_act() {}
control Sub(inout bit<8> v)(bit<8> inc) { apply { v = v + inc; } }
parser P(out S s, inout bit<8> m) {
    value_set<bit<8>>(4) vs;
    bit<8> tmp;
    state start {
        s.st.next.f = 1;
        transition select(m, tmp) {
            (8w1 &&& 0xF, 1 .. 5): next;
            (vs, _): next;
            (default, 2): accept;
            8w3: reject;
            default: reject;
        }
    }
    state next { transition accept; }
    state empty { }
}
control C(inout S s, inout bit<8> m) {
    Reg<bit<8>>(16) r;
    Sub(8w1) sub;
    action a(bit<8> x, @optional bit<8> y) { m = x; }
    table t {
        key = { s.h.f : exact @name("f"); m : ternary; }
        actions = { a; @defaultonly .global_act; }
        const default_action = a(1, 2);
        size = 16;
        @prop implementation = r;
        const entries = {
            (1, 2 &&& 3) : a(1, 2);
            priority = 5: (_, default) : .global_act() @entry_anno;
            const priority = (2 + 1): (3, 4) : a(3, 4);
        }
    }
    apply {
        bit<8> local = 1;
        const bit<8> k = 2;
        s.h.f[3:0] = 4w1;
        switch (t.apply().action_run) {
            a:
            global_act: { exit; }
            default: { return; }
        }
        switch (m) { 1: 2: {} default: {} }
        if (t.apply().hit) sub.apply(m); else if (s.h.isValid()) { Sub.apply(m); } else ;
        @atomic { m = r.read(0); }
    }
}
"""


def _by_name(decls: list[ast.Declaration], name: str) -> ast.Declaration:
    return next(d for d in decls if d.name == name)


def test_parser_declaration() -> None:
    parser = _by_name(parse_decls(PROGRAM), "P")
    assert isinstance(parser, ast.ParserDecl)
    vs, tmp = parser.locals
    assert isinstance(vs, ast.ValueSetDecl) and render(vs.elem_type) == "bit<8>"
    assert isinstance(tmp, ast.VariableDecl)
    start, nxt, empty = parser.states
    assert nxt.transition == "accept" and empty.transition is None
    assert isinstance(start.transition, ast.SelectExpr)
    assert [render(e) for e in start.transition.exprs] == ["m", "tmp"]
    cases = [(render(c.keyset), c.next_state) for c in start.transition.cases]
    assert cases == [
        ("{(8w1 &&& 15), (1 .. 5)}", "next"),
        ("{vs, _}", "next"),
        ("{default, 2}", "accept"),
        ("8w3", "reject"),
        ("default", "reject"),
    ]
    (stmt,) = start.stmts
    assert isinstance(stmt, ast.AssignStmt) and render(stmt.lhs) == "s.st.next.f"


def test_control_and_table() -> None:
    decls = parse_decls(PROGRAM)
    sub = _by_name(decls, "Sub")
    assert isinstance(sub, ast.ControlDecl) and [p.name for p in sub.ctor_params] == ["inc"]
    control = _by_name(decls, "C")
    assert isinstance(control, ast.ControlDecl)
    reg, sub_inst, action, table = control.locals
    assert isinstance(reg, ast.InstanceDecl) and render(reg.type_ref) == "Reg<bit<8>>"
    assert isinstance(sub_inst, ast.InstanceDecl) and render(sub_inst.args[0].expr) == "8w1"
    assert isinstance(action, ast.ActionDecl) and action.params[1].optional
    assert isinstance(table, ast.TableDecl)
    assert [(render(k.expr), k.match_kind) for k in table.keys] == [
        ("s.h.f", "exact"),
        ("m", "ternary"),
    ]
    assert table.keys[0].annotation("name") is not None
    assert [(a.name, a.is_global) for a in table.actions] == [("a", False), ("global_act", True)]
    assert table.actions[1].annotation("defaultonly") is not None
    assert table.default_action is not None and table.default_action_const
    assert table.default_action.name == "a" and table.default_action.has_parens
    assert [render(a.expr) for a in table.default_action.args] == ["1", "2"]
    assert [(p.name, render(p.value)) for p in table.properties] == [
        ("size", "16"),
        ("implementation", "r"),
    ]
    assert table.properties[1].annotation("prop") is not None
    assert table.entries_const
    entries = [
        ([render(k) for k in e.keys], e.action.name, render(e.priority), e.is_const)
        for e in table.entries
    ]
    assert entries == [
        (["1", "(2 &&& 3)"], "a", "None", False),
        (["_", "default"], "global_act", "5", False),
        (["3", "4"], "a", "(2 + 1)", True),
    ]
    assert table.entries[1].annotation("entry_anno") is not None


def test_statements() -> None:
    control = _by_name(parse_decls(PROGRAM), "C")
    assert isinstance(control, ast.ControlDecl)
    local, const, assign, switch1, switch2, if_stmt, block = control.body.stmts
    assert isinstance(local, ast.VariableDecl) and render(local.init) == "1"
    assert isinstance(const, ast.ConstDecl)
    assert isinstance(assign, ast.AssignStmt) and render(assign.lhs) == "s.h.f[3:0]"
    assert isinstance(switch1, ast.SwitchStmt)
    assert render(switch1.expr) == "t.apply().action_run"
    labels = [(render(c.label), c.body is None) for c in switch1.cases]
    assert labels == [("a", True), ("global_act", False), ("default", False)]
    assert isinstance(switch1.cases[1].body, ast.BlockStmt)
    assert isinstance(switch1.cases[1].body.stmts[0], ast.ExitStmt)
    assert isinstance(switch1.cases[2].body, ast.BlockStmt)
    assert isinstance(switch1.cases[2].body.stmts[0], ast.ReturnStmt)
    assert isinstance(switch2, ast.SwitchStmt)
    assert [render(c.label) for c in switch2.cases] == ["1", "2", "default"]
    assert isinstance(if_stmt, ast.IfStmt) and render(if_stmt.cond) == "t.apply().hit"
    assert isinstance(if_stmt.then, ast.CallStmt)
    assert render(if_stmt.then.call) == "sub.apply(m)"
    assert isinstance(if_stmt.otherwise, ast.IfStmt)
    direct = if_stmt.otherwise.then
    assert isinstance(direct, ast.BlockStmt)
    assert isinstance(direct.stmts[0], ast.CallStmt)
    assert render(direct.stmts[0].call) == "Sub.apply(m)"
    assert isinstance(if_stmt.otherwise.otherwise, ast.EmptyStmt)
    assert isinstance(block, ast.BlockStmt) and block.annotation("atomic") is not None


def test_functions_instances_and_initializers() -> None:
    decls = parse_decls(
        """
        extern Virtual { Virtual(); abstract bit<16> f(in bit<16> ix); }
        bit<8> add1(in bit<8> x) { return x + 1; }
        T id<T>(in T x) { return x; }
        control c(inout bit<16> p) {
            Virtual() v = { bit<16> f(in bit<16> ix) { return this.g() + ix; } };
            apply { p = v.f(6); }
        }
        control ctr(inout bit<16> x);
        parser prs<H>(out H h);
        package top(ctr ctrl);
        top(c()) main;
        """
    )
    _, add1, ident, control, ctr, prs, top, main = decls
    assert isinstance(add1, ast.FunctionDecl) and render(add1.return_type) == "bit<8>"
    assert isinstance(ident, ast.FunctionDecl) and [t.name for t in ident.type_params] == ["T"]
    assert isinstance(control, ast.ControlDecl)
    (instance,) = control.locals
    assert isinstance(instance, ast.InstanceDecl)
    (impl,) = instance.initializer
    assert isinstance(impl, ast.FunctionDecl) and impl.name == "f"
    ret = impl.body.stmts[0]
    assert isinstance(ret, ast.ReturnStmt) and render(ret.value) == "(this.g() + ix)"
    assert isinstance(ctr, ast.ControlTypeDecl)
    assert isinstance(prs, ast.ParserTypeDecl) and prs.type_params[0].name == "H"
    assert isinstance(top, ast.PackageTypeDecl)
    assert isinstance(main, ast.InstanceDecl) and render(main.args[0].expr) == "new c()"


def test_type_names_follow_scope() -> None:
    """An identifier is a type only where a type of that name is in scope (p4c's lexer
    feedback): a parameter named like a type hides it inside its declaration."""
    decls = parse_decls(
        """
        header T { bit<8> f; }
        control c(inout T x, inout bit<8> T2) {
            apply { T y; y = x; T2 = T2 < 1 ? 8w0 : 8w1; }
        }
        control d(inout bit<8> T) { apply { T = T + 1; } }
        """
    )
    c, d = decls[1], decls[2]
    assert isinstance(c, ast.ControlDecl) and isinstance(c.body.stmts[0], ast.VariableDecl)
    assert isinstance(d, ast.ControlDecl)
    (assign,) = d.body.stmts
    assert isinstance(assign, ast.AssignStmt) and render(assign.rhs) == "(T + 1)"


def test_typedef_of_inline_declaration() -> None:
    inner, typedef = parse_decls("typedef struct S { bit<8> f; } S_t;")
    assert isinstance(inner, ast.StructDecl) and inner.name == "S"
    assert isinstance(typedef, ast.TypedefDecl) and render(typedef.type_ref) == "S"


def test_source_locations_after_line_markers() -> None:
    text = '# 1 "top.p4"\n\n# 40 "lib.p4" 1\nconst bit<8> a = 1;\n# 3 "top.p4" 2\n  header h { bit<8> f; }\n'
    program = parse_preprocessed(text, "top.p4")
    const, header = program.declarations
    assert const.src == ast.SrcInfo("lib.p4", 40, 14)
    assert header.src == ast.SrcInfo("top.p4", 3, 10)
    assert program.files == ["top.p4", "lib.p4"]


def test_parse_text_runs_the_preprocessor() -> None:
    program = parse_text(
        "#include <core.p4>\n#define W 8\nconst bit<W> x = W;\n", "mem.p4", defines=["EXTRA=1"]
    )
    const = program.declarations[-1]
    assert isinstance(const, ast.ConstDecl) and render(const.type_ref) == "bit<8>"
    assert const.src == ast.SrcInfo("mem.p4", 3, 14)
    assert any(name.endswith("core.p4") for name in program.files)


@pytest.mark.parametrize(
    ("source", "location", "what"),
    [
        (
            "parser p() { state start { for (bit<8> i in 1 .. 2) {} transition accept; } }",
            28,
            "'for' loops in parser states",
        ),
    ],
)
def test_unsupported_constructs_are_named(source: str, location: int, what: str) -> None:
    with pytest.raises(CompileError) as caught:
        parse_decls(source)
    (diag,) = caught.value.diagnostics
    assert diag.src == ast.SrcInfo("t.p4", 1, location)
    assert diag.message.startswith("unsupported: ") and what in diag.message


def test_list_types() -> None:
    """``list<T>`` (P4_16 1.2.4) in a parameter and a cast; ``list`` is no name there."""
    (extern,) = parse_decls("extern E<T> { E(list<tuple<T, bit<8>>> data); }")
    assert isinstance(extern, ast.ExternDecl)
    ref = extern.constructors[0].params[0].type_ref
    assert isinstance(ref, ast.ListTypeRef) and render(ref.element) == "tuple<T, bit<8>>"


def test_for_statements() -> None:
    """P4_16 1.2.5 loops: ``for (init; cond; update)`` with several comma-separated parts,
    ``for (T v in lo .. hi)`` and ``for (T v in expr)``, ``break`` and ``continue``."""
    (control,) = parse_decls(
        "header h_t { bit<8> f; }\n"
        "control C(inout h_t[4] hs, inout bit<8> x) { apply {\n"
        "  for (bit<8> i = 0, x = 1; i < 4; i = i + 1, x = x + i) { if (i == 2) { break; } }\n"
        "  for (; x < 9;) continue;\n"
        "  @unroll for (bit<8> k in 1 .. x + 1) x = x + k;\n"
        "  for (@a h_t h in hs) { x = x + h.f; }\n"
        "  for (bit<8> w in {1, 2}) x = x + w;\n"
        "} }"
    )[1:]
    assert isinstance(control, ast.ControlDecl)
    c_style, bare, in_range, in_stack, in_list = control.body.stmts
    assert isinstance(c_style, ast.ForStmt)
    init_var, init_assign = c_style.init
    assert isinstance(init_var, ast.VariableDecl) and render(init_var.init) == "0"
    assert isinstance(init_assign, ast.AssignStmt) and render(init_assign.rhs) == "1"
    assert render(c_style.cond) == "(i < 4)"
    assert [render(u.rhs) for u in c_style.update if isinstance(u, ast.AssignStmt)] == [
        "(i + 1)",
        "(x + i)",
    ]
    loop_body = c_style.body
    assert isinstance(loop_body, ast.BlockStmt) and isinstance(loop_body.stmts[0], ast.IfStmt)
    then = loop_body.stmts[0].then
    assert isinstance(then, ast.BlockStmt) and isinstance(then.stmts[0], ast.BreakStmt)
    assert isinstance(bare, ast.ForStmt) and bare.init == [] and bare.update == []
    assert isinstance(bare.body, ast.ContinueStmt)
    assert isinstance(in_range, ast.ForInStmt) and in_range.annotation("unroll") is not None
    assert in_range.var.name == "k" and render(in_range.var.type_ref) == "bit<8>"
    assert render(in_range.collection) == "(1 .. (x + 1))"
    assert isinstance(in_stack, ast.ForInStmt) and render(in_stack.collection) == "hs"
    assert in_stack.var.annotation("a") is not None and render(in_stack.var.type_ref) == "h_t"
    assert isinstance(in_list, ast.ForInStmt) and render(in_list.collection) == "{1, 2}"


@pytest.mark.parametrize(
    "statement",
    [
        "for (bit<8> i = 0; i < 4) {}",
        "for (bit<8> i = 0; ; i = i + 1) {}",
        "for (bit<8> i in 1 .. 2 .. 3) {}",
        "for (i in 1 .. 2) {}",
        "for (bit<8> i = 0; i < 4; bit<8> j = 1) {}",
        "break",
        "bit<8> for = 1;",
    ],
)
def test_malformed_loops_are_syntax_errors(statement: str) -> None:
    with pytest.raises(CompileError) as caught:
        parse_decls(f"control C(inout bit<8> x) {{ apply {{ {statement} }} }}")
    assert "syntax error" in caught.value.diagnostics[0].message


def test_annotated_bodies() -> None:
    (control,) = parse_decls("control c() { action a() @inline { } apply @hot { } }")
    assert isinstance(control, ast.ControlDecl)
    assert control.body.annotation("hot") is not None
    action = control.locals[0]
    assert isinstance(action, ast.ActionDecl) and action.body.annotation("inline") is not None


@pytest.mark.parametrize(
    ("body", "col", "message"),
    [
        ("apply { if (x == 1) { E() e; } }", 73, "instances cannot be in a control 'apply' block"),
    ],
)
def test_instantiation_in_a_block_is_rejected_like_p4c(body: str, col: int, message: str) -> None:
    with pytest.raises(CompileError) as caught:
        parse_decls(f"extern E {{ E(); }} control c(inout bit<8> x) {{ {body} }}")
    (diag,) = caught.value.diagnostics
    assert (diag.src.col, diag.message) == (col, message)


def test_instantiation_in_an_action_belongs_to_the_action() -> None:
    """p4c accepts ``E() e;`` in an action body (action-register.p4)."""
    (_, control) = parse_decls(
        "extern E { E(); } control c(inout bit<8> x) { action a() { x = 1; E() e; } apply {} }"
    )
    assert isinstance(control, ast.ControlDecl)
    action = control.locals[0]
    assert isinstance(action, ast.ActionDecl)
    assert [(i.name, i.src.col) for i in action.instances] == [("e", 71)]


def test_instantiation_in_a_parser_state_is_rejected() -> None:
    with pytest.raises(CompileError, match=r"t\.p4:1:50: error: instances cannot be in a parser"):
        parse_decls("extern E { E(); } parser p() { state start { E() e; transition accept; } }")


@pytest.mark.parametrize(
    ("statement", "op", "col"),
    [
        ("x += 1;", ast.BinaryOp.ADD, 4),
        ("x |-|= 1;", ast.BinaryOp.SUB_SAT, 4),
        ("x <<= 1;", ast.BinaryOp.SHL, 4),
        ("x >>= 1;", ast.BinaryOp.SHR, 4),
        ("h.f[3:0] ^= 1;", ast.BinaryOp.BXOR, 4),
    ],
)
def test_compound_assignment_means_assign_of_operation(
    statement: str, op: ast.BinaryOp, col: int
) -> None:
    (control,) = parse_decls(f"control c(inout bit<8> x) {{ apply {{ {statement} }} }}")
    assert isinstance(control, ast.ControlDecl)
    (stmt,) = control.body.stmts
    assert isinstance(stmt, ast.AssignStmt) and isinstance(stmt.rhs, ast.Binary)
    assert stmt.rhs.op is op
    assert render(stmt.rhs.left) == render(stmt.lhs) and stmt.rhs.left is not stmt.lhs
    assert render(stmt.rhs.right) == "1"


def test_direct_application_of_a_specialized_type() -> None:
    (_, control) = parse_decls(
        "control g<T>(inout T v) { apply {} } "
        "control c(inout bit<8> x) { apply { g<bit<8>>.apply(x); } }"
    )
    assert isinstance(control, ast.ControlDecl)
    (stmt,) = control.body.stmts
    assert isinstance(stmt, ast.CallStmt)
    assert isinstance(stmt.call.target, ast.Member) and stmt.call.target.name == "apply"
    assert isinstance(stmt.call.target.expr, ast.TypeNameExpr)


def test_pragma_annotations_run_to_the_end_of_the_line() -> None:
    (extern, control) = parse_decls(
        """
        @pragma size 100
        extern Annotated { @pragma name "annotated"
            Annotated(); }
        control c() {
            @pragma stage 0
            table t { actions = {} }
            apply {}
        }
        """
    )
    (size,) = extern.annotations
    assert (size.name, size.body, [render(e) for e in size.exprs]) == ("size", "100", ["100"])
    assert isinstance(extern, ast.ExternDecl)
    (name,) = extern.constructors[0].annotations
    assert (name.name, name.body) == ("name", '"annotated"')
    assert isinstance(control, ast.ControlDecl)
    (stage,) = control.locals[0].annotations
    assert (stage.name, stage.body) == ("stage", "0")


def test_table_with_an_empty_parameter_list() -> None:
    (control,) = parse_decls(
        "control c() { action a() {} table t() { actions = { a; } } apply {} }"
    )
    assert isinstance(control, ast.ControlDecl)
    table = control.locals[1]
    assert isinstance(table, ast.TableDecl) and table.name == "t" and table.has_actions


def test_string_literal_may_span_lines() -> None:
    """p4c's lexer takes newlines inside a string literal (string_anno.p4); the tokens after
    it keep their real line numbers."""
    (first, second) = parse_decls('@name("two\nlines") const bit a = 1;\nconst bit b = 0;')
    literal = first.annotations[0].exprs[0]
    assert isinstance(literal, ast.StringLiteral) and literal.value == "two\nlines"
    assert (second.src.line, second.src.col) == (3, 11)
