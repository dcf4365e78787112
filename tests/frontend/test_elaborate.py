"""Elaboration: the instance tree, fully qualified names and constructor arguments."""

from __future__ import annotations

from pathlib import Path

import pytest

from softswitch.frontend import ast
from softswitch.frontend.compiler import compile_file, compile_text
from softswitch.frontend.diagnostics import CompileError
from softswitch.frontend.elaborate import Instance
from softswitch.frontend.p4info import build_p4info
from softswitch.frontend.types import BitsType, ControlType, EnumValue, ExternType

PROGRAM = """
#include <core.p4>
#include <v1model.p4>
header eth_t { bit<48> dst; bit<48> src; bit<16> type; }
struct headers_t { eth_t eth; }
struct meta_t { bit<32> x; }

action global_drop() {}

control Sub(inout headers_t hdr, inout meta_t meta)(bit<32> n) {
    counter(n * 2, CounterType.packets) hits;
    action count() { hits.count(0); }
    table t { key = { hdr.eth.dst : exact; } actions = { count; global_drop; } }
    apply { t.apply(); }
}

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start { pkt.extract(hdr.eth); transition accept; }
}
control VC(inout headers_t hdr, inout meta_t meta) { apply {} }
control I(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    Sub(8) c1;
    @name("other") Sub(16) c2;
    @name(".shared_reg") register<bit<32>>(32w64) reg;
    @name("fwd_table") table fwd {
        key = { hdr.eth.type : exact; }
        actions = { NoAction; }
        default_action = NoAction();
    }
    apply { c1.apply(hdr, meta); c2.apply(hdr, meta); fwd.apply(); }
}
control E(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply {} }
control CC(inout headers_t hdr, inout meta_t meta) { apply {} }
control D(packet_out pkt, in headers_t hdr) { apply { pkt.emit(hdr.eth); } }
V1Switch(P(), VC(), I(), E(), CC(), D()) main;
"""


def test_package_arguments_are_named_after_their_blocks() -> None:
    checked = compile_text(PROGRAM, "e.p4")
    assert {k: v.name for k, v in checked.package_args.items()} == {
        "p": "P",
        "vr": "VC",
        "ig": "I",
        "eg": "E",
        "ck": "CC",
        "dep": "D",
    }
    ingress = checked.package_args["ig"]
    assert ingress.decl is None
    assert isinstance(ingress.type, ControlType) and ingress.type.name == "I"
    assert isinstance(ingress.block_decl, ast.ControlDecl)


def test_nested_instances_chain_names_and_evaluate_ctor_args() -> None:
    checked = compile_text(PROGRAM, "e.p4")
    ingress = checked.package_args["ig"]
    assert list(ingress.children) == ["c1", "c2", "reg"]
    c1, c2, reg = ingress.children.values()
    assert (c1.name, c2.name, reg.name) == ("I.c1", "I.other", "shared_reg")
    assert c1.ctor_args == {"n": 8} and c2.ctor_args == {"n": 16}
    hits1 = c1.children["hits"]
    assert hits1.name == "I.c1.hits"
    assert hits1.ctor_args["size"] == 16
    assert hits1.ctor_args["type"] == EnumValue("CounterType", "packets", None)
    assert c2.children["hits"].ctor_args["size"] == 32
    assert reg.type == ExternType("register", (BitsType(32),))
    assert reg.ctor_args == {"size": 64}


def test_tables_and_actions_have_fully_qualified_names() -> None:
    checked = compile_text(PROGRAM, "e.p4")
    tables = [(name, owner.name) for name, _, owner in checked.tables()]
    assert tables == [("I.fwd_table", "I"), ("I.c1.t", "I.c1"), ("I.other.t", "I.other")]
    assert [name for name, _ in checked.actions()] == [
        "NoAction",
        "I.c1.count",
        "global_drop",
        "I.other.count",
    ]


def test_errors_and_match_kinds() -> None:
    checked = compile_text(PROGRAM, "e.p4")
    assert list(checked.errors)[:3] == ["NoError", "PacketTooShort", "NoMatch"]
    assert list(checked.errors.values()) == list(range(len(checked.errors)))
    assert {"exact", "ternary", "lpm", "range", "selector", "optional"} <= set(checked.match_kinds)


def test_every_instance_is_walked_once() -> None:
    checked = compile_text(PROGRAM, "e.p4")
    names = [inst.name for inst in checked.instances()]
    assert len(names) == len(set(names))
    assert "I.c1.hits" in names and "D" in names
    assert all(isinstance(inst, Instance) for inst in checked.instances())


def test_direct_application_instantiates_in_the_enclosing_block() -> None:
    program = PROGRAM.replace(
        "apply { c1.apply(hdr, meta); c2.apply(hdr, meta); fwd.apply(); }",
        "apply { Leaf.apply(hdr); fwd.apply(); .Leaf.apply(hdr); }",
    ).replace(
        "control I(",
        "control Leaf(inout headers_t hdr) { table lt { actions = { NoAction; } } "
        "apply { lt.apply(); } }\ncontrol I(",
    )
    checked = compile_text(program, "e.p4")
    ingress = checked.package_args["ig"]
    block = ingress.block_decl
    assert isinstance(block, ast.ControlDecl)
    # Like p4c's InstantiateDirectCalls: fresh locals first, named after the type.
    first, second = block.locals[:2]
    assert isinstance(first, ast.InstanceDecl) and isinstance(second, ast.InstanceDecl)
    assert (first.name, second.name) == ("Leaf_inst", "Leaf_inst_0")
    assert [i.name for i in ingress.children.values()][:2] == ["I.Leaf", "Leaf"]
    assert {"I.Leaf.lt", "Leaf.lt"} <= {name for name, _, _ in checked.tables()}
    call = block.body.stmts[0]
    assert isinstance(call, ast.CallStmt)
    assert call.call.callee_kind is ast.CalleeKind.CONTROL_APPLY
    assert call.call.callee_decl is first
    target = call.call.target
    assert isinstance(target, ast.Member) and isinstance(target.expr, ast.PathExpr)
    assert target.expr.decl is first


def test_a_local_instance_can_be_a_constructor_argument_of_a_later_one() -> None:
    program = PROGRAM.replace(
        "control I(",
        "control Leaf(inout headers_t hdr) { apply {} }\n"
        "control LeafT(inout headers_t hdr);\n"
        "control Wrap(inout headers_t hdr)(LeafT inner) { apply { inner.apply(hdr); } }\n"
        "control I(",
    ).replace("    Sub(8) c1;\n", "    Sub(8) c1;\n    Leaf() leaf;\n    Wrap(leaf) wrap;\n")
    checked = compile_text(program, "e.p4")
    ingress = checked.package_args["ig"]
    wrap = ingress.children["wrap"]
    assert wrap.ctor_args["inner"] is ingress.children["leaf"]


def test_program_without_main_compiles_with_a_warning() -> None:
    """p4c's front end only warns about a missing ``main``; P4Info (like p4c-bm2-ss)
    refuses the program with a located error."""
    checked = compile_text("const bit<8> k = 1;\ncontrol c() { apply {} }\n", "m.p4")
    assert checked.main is None and checked.package_args == {}
    assert [str(w) for w in checked.warnings] == [
        "m.p4:2:9: warning: the program has no 'main' package instance"
    ]
    with pytest.raises(CompileError) as caught:
        build_p4info(checked)
    assert str(caught.value) == "m.p4:2:9: error: the program has no 'main' package instance"


def test_extern_instantiated_in_an_action_belongs_to_the_control() -> None:
    """p4c names it ``<control>.<name>`` (action-register.p4); P4Info lists it."""
    checked = compile_text(
        """#include <core.p4>
        #include <v1model.p4>
        struct h_t {}
        struct m_t {}
        parser P(packet_in p, out h_t h, inout m_t m, inout standard_metadata_t sm) {
            state start { transition accept; }
        }
        control V(inout h_t h, inout m_t m) { apply {} }
        control I(inout h_t h, inout m_t m, inout standard_metadata_t sm) {
            action bump() { register<bit<32>>(8) regs; regs.write(0, 1); }
            table t { actions = { bump; } }
            apply { t.apply(); }
        }
        control E(inout h_t h, inout m_t m, inout standard_metadata_t sm) { apply {} }
        control D(packet_out p, in h_t h) { apply {} }
        V1Switch(P(), V(), I(), E(), V(), D()) main;
        """
    )
    ingress = checked.package_args["ig"]
    regs = ingress.children["regs"]
    assert regs.name == "I.regs" and regs.ctor_args == {"size": 8}
    info = build_p4info(checked)
    assert [r.preamble.name for r in info.registers] == ["I.regs"]


def test_factory_results_and_initializer_objects_are_instances() -> None:
    """A factory's object is the constructor argument's value; objects declared in an
    instance initializer are children of that instance."""
    checked = compile_file(
        Path(__file__).parent / "typecheck_good/extern_factories_and_initializers.p4"
    )
    outer = checked.package_args["c"]
    user = outer.children["u"]
    widget = user.ctor_args["w"]
    assert isinstance(user.block_decl, ast.ControlDecl)
    assert isinstance(widget, Instance) and widget.type == user.block_decl.ctor_params[0].type
    hook = user.children["h"]
    assert [c.name for c in hook.children.values()] == ["outer.u.h.store"]
    assert hook.children["store"].ctor_args == {"size": 64}
