"""Accepted programs: the checker annotates types, folded constants and call bindings."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from softswitch.frontend import ast
from softswitch.frontend.compiler import compile_file, compile_text
from softswitch.frontend.elaborate import CheckedProgram
from softswitch.frontend.types import (
    ApplyResultType,
    BitsType,
    BoolType,
    ErrorValue,
    ExternType,
    IntType,
    StructLikeType,
    TupleType,
)

ROOT = Path(__file__).resolve().parents[2]

HEADERS = """
#include <core.p4>
#include <v1model.p4>
header eth_t { bit<48> dst; bit<48> src; bit<16> type; }
header vlan_t { bit<16> tci; bit<16> type; }
struct headers_t { eth_t eth; vlan_t[2] vlans; }
struct meta_t { bit<32> x; bit<16> h; int<8> s; }
enum bit<16> EtherType { IPV4 = 0x0800, VLAN = 0x8100 }
"""

PIPELINE = """
parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.eth);
        transition select(hdr.eth.type) {
            EtherType.VLAN: vlan;
            0x0800 &&& 0xff00: accept;
            0x9000 .. 0x9100: accept;
            default: accept;
        }
    }
    state vlan {
        pkt.extract(hdr.vlans.next);
        transition select(hdr.vlans.last.type, meta.x[0:0]) {
            (0x8100, 0): vlan;
            (_, _): accept;
        }
    }
}
control VC(inout headers_t hdr, inout meta_t meta) { apply {} }
control CC(inout headers_t hdr, inout meta_t meta) { apply {} }
control E(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply {} }
control D(packet_out pkt, in headers_t hdr) { apply { pkt.emit(hdr); } }
"""

MAIN = "V1Switch(P(), VC(), I(), E(), CC(), D()) main;\n"


def compile_ingress(ingress: str, extra: str = "") -> CheckedProgram:
    return compile_text(HEADERS + extra + PIPELINE + ingress + MAIN, "t.p4")


def nodes(root: object) -> Iterator[object]:
    """Every AST node reachable from ``root`` (depth first)."""
    if isinstance(root, list | tuple):
        for item in root:
            yield from nodes(item)
        return
    if not isinstance(root, ast.Node):
        return
    yield root
    for f in dataclasses.fields(root):
        if f.name not in ("type", "decl", "const_value", "callee_decl", "bound_args"):
            yield from nodes(getattr(root, f.name))


def control(checked: CheckedProgram, name: str) -> ast.ControlDecl:
    for decl in checked.program.declarations:
        if isinstance(decl, ast.ControlDecl) and decl.name == name:
            return decl
    raise AssertionError(name)


def assignments(decl: ast.Node) -> list[ast.AssignStmt]:
    return [n for n in nodes(decl) if isinstance(n, ast.AssignStmt)]


def calls(decl: ast.Node) -> list[ast.MethodCall]:
    return [n for n in nodes(decl) if isinstance(n, ast.MethodCall)]


def test_int_literals_take_the_other_operand_width() -> None:
    checked = compile_ingress(
        """control I(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
            apply { meta.h = hdr.eth.type + 1; meta.x = 5; }
        }"""
    )
    first, second = assignments(control(checked, "I"))
    assert isinstance(first.rhs, ast.Binary)
    assert first.rhs.type == BitsType(16)
    assert first.rhs.right.type == BitsType(16) and first.rhs.right.const_value == 1
    assert second.rhs.type == BitsType(32) and second.rhs.const_value == 5


CONSTANTS = [
    ("bit<8>", "8w250 + 10", 4),
    ("bit<8>", "8w3 - 5", 254),
    ("int<8>", "-128 - 1", 127),
    ("bit<8>", "8w250 |+| 10", 255),
    ("bit<8>", "8w3 |-| 5", 0),
    ("int<8>", "8s100 |+| 100", 127),
    ("int<8>", "-8s100 |-| 100", -128),
    ("bit<16>", "8w0xab ++ 8w0xcd", 0xABCD),
    ("bit<4>", "(8w0xab)[7:4]", 0xA),
    ("bit<8>", "8w1 << 7", 128),
    ("int<8>", "(int<8>)-128 >> 1", -64),
    ("bit<8>", "(bit<8>)16w0x1234", 0x34),
    ("int<8>", "(int<8>)8w255", -1),
    ("bit<8>", "(bit<8>)(int<8>)-1", 255),
    ("bool", "(bool)1w1", True),
    ("bit<1>", "(bit<1>)true", 1),
    ("bit<8>", "~8w0", 255),
    ("int", "7 / 2 + 7 % 2", 4),
    ("bool", "8w1 < 2 && !(3 == 4)", True),
    ("bit<8>", "true ? 8w1 : 8w2", 1),
    ("bit<16>", "(bit<16>)EtherType.IPV4", 0x0800),
    ("bit<32>", "(bit<32>)(1 << 40 >> 38)", 4),
]


@pytest.mark.parametrize(("type_text", "expr", "value"), CONSTANTS)
def test_constant_folding(type_text: str, expr: str, value: object) -> None:
    checked = compile_ingress(
        "control I(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm)"
        " { apply {} }",
        f"const {type_text} K = {expr};\n",
    )
    const = next(
        d for d in checked.program.declarations if isinstance(d, ast.ConstDecl) and d.name == "K"
    )
    assert const.value.const_value == value
    assert type(const.value.const_value) is type(value)


def test_enums_errors_and_serializable_enum_conversion() -> None:
    checked = compile_ingress(
        """control I(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
            apply {
                if (hdr.eth.type == EtherType.IPV4) { meta.h = EtherType.VLAN; }
                if (sm.parser_error == error.PacketTooShort) { meta.x = 1; }
            }
        }"""
    )
    conds = [n.cond for n in nodes(control(checked, "I")) if isinstance(n, ast.IfStmt)]
    assert isinstance(conds[0], ast.Binary) and conds[0].right.const_value == 0x0800
    assert conds[0].right.type == BitsType(16)
    assert isinstance(conds[1], ast.Binary)
    assert conds[1].right.const_value == ErrorValue("PacketTooShort")
    assign = assignments(control(checked, "I"))[0]
    assert assign.rhs.type == BitsType(16) and assign.rhs.const_value == 0x8100
    assert checked.errors["NoError"] == 0 and checked.errors["PacketTooShort"] == 1


def test_extern_generic_methods_infer_type_arguments() -> None:
    checked = compile_ingress(
        """control I(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
            register<bit<32>>(64) r;
            apply {
                r.read(meta.x, 3);
                r.write(2, meta.x + 1);
                hash(meta.h, HashAlgorithm.crc16, 16w0, {hdr.eth.src, hdr.eth.dst}, 32w1024);
                digest<meta_t>(1, meta);
                mark_to_drop(sm);
            }
        }"""
    )
    read, write, hash_call, digest, drop = calls(control(checked, "I"))[:5]
    assert read.callee_kind is ast.CalleeKind.EXTERN_METHOD
    assert isinstance(read.callee_decl, ast.MethodDecl) and read.callee_decl.name == "read"
    assert read.bound_args is not None and read.bound_args[1] is not None
    assert read.bound_args[1].type == BitsType(32) and read.bound_args[1].const_value == 3
    assert write.bound_args is not None and write.bound_args[1] is not None
    assert write.bound_args[1].type == BitsType(32)
    assert hash_call.callee_kind is ast.CalleeKind.EXTERN_FUNCTION
    assert hash_call.bound_args is not None and hash_call.bound_args[3] is not None
    assert hash_call.bound_args[3].type == TupleType((BitsType(48), BitsType(48)))
    assert digest.bound_args is not None and digest.bound_args[1] is not None
    assert isinstance(digest.bound_args[1].type, StructLikeType)
    assert drop.callee_kind is ast.CalleeKind.EXTERN_FUNCTION and len(drop.args) == 1
    reg = control(checked, "I").locals[0]
    assert isinstance(reg, ast.InstanceDecl)
    assert reg.type == ExternType("register", (BitsType(32),))


def test_named_arguments_and_defaults_are_bound_in_parameter_order() -> None:
    extra = "bit<8> f(in bit<8> a, in bit<8> b = 7) { return a - b; }\n"
    checked = compile_ingress(
        """control I(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
            apply { meta.x[7:0] = f(b = 1, a = 2); meta.x[15:8] = f(3); }
        }""",
        extra,
    )
    first, second = calls(control(checked, "I"))
    assert first.callee_kind is ast.CalleeKind.FUNCTION
    assert first.bound_args is not None
    assert [a.const_value for a in first.bound_args if a is not None] == [2, 1]
    assert second.bound_args is not None and second.bound_args[1] is not None
    assert second.bound_args[1].const_value == 7
    assert first.type == BitsType(8)


def test_header_and_stack_builtins() -> None:
    checked = compile_ingress(
        """control I(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
            apply {
                if (hdr.vlans[0].isValid()) { hdr.vlans.pop_front(1); }
                hdr.vlans.push_front(1);
                hdr.vlans[0].setValid();
                hdr.vlans[1] = {16w1, 16w2};
                meta.x = hdr.vlans.size + 1;
                meta.h = hdr.eth.minSizeInBits();
            }
        }"""
    )
    builtins = [c.builtin for c in calls(control(checked, "I"))]
    assert builtins == ["isValid", "pop_front", "push_front", "setValid", "minSizeInBits"]
    stack_assign = assignments(control(checked, "I"))[0]
    assert isinstance(stack_assign.rhs.type, StructLikeType)
    assert stack_assign.rhs.type.name == "vlan_t"
    size_assign = assignments(control(checked, "I"))[1]
    assert isinstance(size_assign.rhs, ast.Binary)
    assert size_assign.rhs.left.const_value == 2
    assert assignments(control(checked, "I"))[2].rhs.const_value == 112


def test_size_methods_on_types_and_values() -> None:
    checked = compile_ingress(
        """control I(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
            apply {
                meta.x = (bit<32>)eth_t.minSizeInBytes();
                meta.x = (bit<32>)headers_t.maxSizeInBits();
                meta.x = (bit<32>)meta.minSizeInBits();
                meta.x = (bit<32>)var_t.maxSizeInBytes() + (bit<32>)var_t.minSizeInBytes();
            }
        }""",
        "header var_t { bit<4> a; varbit<16> v; }\n",
    )
    sizes = [call.const_value for call in calls(control(checked, "I"))]
    assert sizes == [14, 112 + 2 * 32, 32 + 16 + 8, 3, 1]


def test_compound_assignments_check_as_operations() -> None:
    checked = compile_ingress(
        """control I(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
            apply { meta.x += 1; meta.h |-|= 2; meta.s >>= 1; meta.x[7:0] &= 0x0f; }
        }"""
    )
    rhs = [a.rhs for a in assignments(control(checked, "I"))]
    assert [r.type for r in rhs] == [BitsType(32), BitsType(16), BitsType(8, True), BitsType(8)]
    assert all(isinstance(r, ast.Binary) for r in rhs)
    assert [r.right.type for r in rhs if isinstance(r, ast.Binary)][1] == BitsType(16)


def test_tables_actions_entries_and_switch() -> None:
    checked = compile_ingress(
        """control I(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
            action set_port(bit<9> port) { sm.egress_spec = port; }
            action drop() { mark_to_drop(sm); }
            action tag(inout bit<32> v, bit<32> w) { v = w; }
            table fwd {
                key = { hdr.eth.dst : exact; hdr.eth.type : ternary; }
                actions = { set_port; drop; tag(meta.x); }
                default_action = drop();
                size = 1024;
                const entries = {
                    (0x1, 0x800 &&& 0xffff) : set_port(2);
                    (0x2, _) : tag(meta.x, 7);
                }
            }
            apply {
                switch (fwd.apply().action_run) {
                    set_port: { meta.x = 1; }
                    drop: {}
                    default: {}
                }
                if (fwd.apply().hit) { meta.x = 2; }
            }
        }"""
    )
    table = next(d for d in control(checked, "I").locals if isinstance(d, ast.TableDecl))
    assert [r.decl.name for r in table.actions if r.decl] == ["set_port", "drop", "tag"]
    assert table.entries[0].keys[1].type is not None
    entry_arg = table.entries[0].action.args[0].expr
    assert entry_arg is not None and entry_arg.type == BitsType(9)
    apply_call = next(
        c for c in calls(control(checked, "I")) if c.callee_kind is ast.CalleeKind.TABLE_APPLY
    )
    assert apply_call.callee_decl is table
    assert isinstance(apply_call.type, ApplyResultType)
    cond = next(n.cond for n in nodes(control(checked, "I")) if isinstance(n, ast.IfStmt))
    assert cond.type == BoolType()


def test_action_selector_implementation_and_direct_counter() -> None:
    compile_ingress(
        """control I(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
            direct_counter(CounterType.packets) cnt;
            action a() { cnt.count(); }
            table t {
                key = { hdr.eth.dst : exact; meta.x : selector; }
                actions = { a; }
                implementation = action_selector(HashAlgorithm.crc16, 32w128, 32w16);
                counters = cnt;
            }
            apply { t.apply(); }
        }"""
    )


def test_struct_and_list_initializers_and_tuples() -> None:
    checked = compile_ingress(
        """control I(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
            apply {
                meta = {x = 1, h = 2, s = -1};
                hdr.eth = {1, 2, 3};
                tuple<bit<8>, bool> t = {1, true};
                meta.x[7:0] = t[0];
            }
        }"""
    )
    struct_assign, list_assign, index_assign = assignments(control(checked, "I"))
    assert struct_assign.rhs.const_value == {"x": 1, "h": 2, "s": -1}
    assert list_assign.rhs.type is not None and str(list_assign.rhs.type) == "eth_t"
    assert index_assign.rhs.type == BitsType(8)


def test_int_type_for_untyped_constants() -> None:
    checked = compile_ingress(
        "control I(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm)"
        " { apply {} }",
        "const int BIG = 1 << 100;\nconst bit<(BIG >> 98)> small = 3;\n",
    )
    consts = {d.name: d for d in checked.program.declarations if isinstance(d, ast.ConstDecl)}
    assert consts["BIG"].type == IntType() and consts["BIG"].value.const_value == 1 << 100
    assert consts["small"].type == BitsType(4)


def test_action_enum_values_and_newtype() -> None:
    compile_ingress(
        """control I(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
            apply {
                Port_t p = (Port_t)9w3;
                sm.egress_spec = (bit<9>)p;
                Color c = Color.Red;
                if (c == Color.Green) { exit; }
            }
        }""",
        "type bit<9> Port_t;\nenum Color { Red, Green }\n",
    )


@pytest.mark.parametrize(
    "path",
    [
        ROOT / "p4src/v1model/fantel_v1model.p4",
        ROOT / "bench/p4/l3fwd.p4",
        *sorted((ROOT / "tests/frontend/programs").glob("*.p4")),
        *sorted((ROOT / "tests/frontend/typecheck_good").glob("*.p4")),
    ],
    ids=lambda p: p.name,
)
def test_programs_compile(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"{path} not present")
    checked = compile_file(path, include_dirs=[ROOT / "p4src/include"])
    assert checked.main is not None and checked.main.decl is not None
    assert checked.main.decl.name == "main"


def test_indexed_part_select_is_a_slice() -> None:
    """p4c's ``e[lo +: w]`` (array2.p4) is the slice ``e[lo + w - 1 : lo]``."""
    checked = compile_text(
        """const bit<32> B = 8;
        control c(inout bit<32> x, inout bit<8> y) {
            apply { y = x[0+:8]; x[B +: 8] = y; bit<4> n = x[(B * 2) +: 4]; }
        }
        control C(inout bit<32> x, inout bit<8> y);
        package P(C c);
        P(c()) main;
        """,
        "t.p4",
    )
    slices = [n for n in nodes(control(checked, "c")) if isinstance(n, ast.Slice)]
    bounds = [(s.hi.const_value, s.lo.const_value, str(s.type)) for s in slices]
    assert bounds == [(7, 0, "bit<8>"), (15, 8, "bit<8>"), (19, 16, "bit<4>")]


def test_loops_invalid_headers_and_default_values_are_typed() -> None:
    """P4_16 1.2.4/1.2.5: loop variables take their declared type, range ends convert to it,
    ``{#}`` and ``...`` take the type of their context."""
    checked = compile_ingress(
        """control I(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
            apply {
                for (bit<16> i = 0; i < 4; i = i + 1) { meta.h = meta.h + i; }
                for (int<8> k in -2 .. meta.s) { meta.s = meta.s + k; }
                for (vlan_t v in hdr.vlans) { meta.h = meta.h + v.tci; }
                hdr.eth = {#};
                if (hdr.vlans[1] != (vlan_t){#}) { meta.x = ...; }
                hdr.vlans[0] = {tci = 7, ...};
            }
        }"""
    )
    body = control(checked, "I").body.stmts
    c_style, in_range, in_stack = body[:3]
    assert isinstance(c_style, ast.ForStmt) and isinstance(c_style.init[0], ast.VariableDecl)
    assert c_style.init[0].type == BitsType(16)
    assert isinstance(in_range, ast.ForInStmt) and in_range.var.type == BitsType(8, True)
    assert isinstance(in_range.collection, ast.RangeExpr)
    lo = in_range.collection.lo
    assert lo.type == BitsType(8, True) and lo.const_value == -2
    assert isinstance(in_stack, ast.ForInStmt) and isinstance(in_stack.var.type, StructLikeType)
    invalid = [n for n in nodes(body) if isinstance(n, ast.InvalidHeaderExpr)]
    assert [t.name for t in (i.type for i in invalid) if isinstance(t, StructLikeType)] == [
        "eth_t",
        "vlan_t",
    ]
    (default,) = [n for n in nodes(body) if isinstance(n, ast.DefaultValueExpr)]
    assert default.type == BitsType(32) and default.const_value == 0
    (partial,) = [n for n in nodes(body) if isinstance(n, ast.StructExpr)]
    assert partial.dots and isinstance(partial.type, StructLikeType)
    assert partial.type.name == "vlan_t"


def test_tuple_constant_compares_with_a_struct() -> None:
    """p4c inlines a tuple constant's value, so it compares with a struct of the same field
    types (list-compare.p4); folded like the list literal it stands for."""
    checked = compile_text(
        """typedef tuple<bit<8>, bit<8>> pair_t;
        struct s_t { bit<8> l; bit<8> r; }
        const pair_t p = { 1, 2 };
        const s_t s = { 1, 2 };
        const bool same = s == p;
        const bool differs = p != s;
        control c(out bool b) { apply { s_t v = { 3, 4 }; b = v == p; } }
        control C(out bool b);
        package P(C c);
        P(c()) main;
        """
    )
    folded = {
        d.name: d.value.const_value
        for d in checked.program.declarations
        if isinstance(d, ast.ConstDecl) and d.name in ("same", "differs")
    }
    assert folded == {"same": True, "differs": False}


def test_constant_wider_than_its_type_warns_and_keeps_the_low_bits() -> None:
    """p4c only warns "value does not fit" and truncates (table-entries-lpm-2.p4); an lpm mask
    is checked once cut to the key's width."""
    checked = compile_text(
        """match_kind { lpm }
        header h_t { bit<8> x; }
        control c(in h_t h, out bit<8> y) {
            action a() {}
            table t {
                key = { h.x : lpm; }
                actions = { a; }
                const entries = { 0x100 : a(); 0x11 &&& 0x1F0 : a(); }
            }
            apply { t.apply(); y = 0x1FF; }
        }
        control C(in h_t h, out bit<8> y);
        package P(C c);
        P(c()) main;
        """,
        "w.p4",
    )
    assert [str(w) for w in checked.warnings] == [
        "w.p4:8:35: warning: 0x100: value does not fit in 8 bits",
        "w.p4:8:57: warning: 0x1f0: value does not fit in 8 bits",
        "w.p4:10:36: warning: 0x1ff: value does not fit in 8 bits",
    ]
    table = next(d for d in checked.program.declarations if isinstance(d, ast.ControlDecl))
    entries = next(t for t in table.locals if isinstance(t, ast.TableDecl)).entries
    assert entries[0].keys[0].const_value == 0
