"""P4Info features on a small program: externs, digests, packet I/O, key names, @id, @brief,
@hidden, default action arguments, new types."""

from __future__ import annotations

from pathlib import Path

from finsy.proto import p4i

from softswitch.frontend.compiler import compile_file
from softswitch.frontend.p4info import build_p4info
from softswitch.frontend.p4info_ids import hashed_id

P = p4i.P4Ids
PROGRAM = """
#include <core.p4>
#include <v1model.p4>
type bit<9> port_t;
header eth_t { bit<48> dst; bit<48> src; bit<16> type; }
@controller_header("packet_in") header pin_t { port_t ingress_port; @id(7) bit<7> pad; }
struct learn_t { bit<48> src; port_t port; }
struct H { eth_t eth; }
struct M { bit<8> x; }
parser P(packet_in pk, out H h, inout M m, inout standard_metadata_t sm) {
    state start { pk.extract(h.eth); transition accept; }
}
control I(inout H h, inout M m, inout standard_metadata_t sm) {
    counter(32w16, CounterType.packets) c;
    direct_counter(CounterType.bytes) dc;
    register<bit<16>>(32w8) r;
    meter(32w4, MeterType.bytes) mt;
    @brief("sets the port") action fwd(port_t port, bit<8> v) { sm.egress_spec = (bit<9>)port; digest<learn_t>(1, {h.eth.src, port}); }
    @hidden action secret() {}
    @id(0x1234) table t {
        key = { h.eth.dst : exact @name("dmac"); h.eth.isValid() : exact; h.eth.type[7:0] : ternary; }
        actions = { fwd; @defaultonly NoAction; }
        default_action = fwd((port_t)9w5, 8w3);
        counters = dc;
        size = 64;
        support_timeout = true;
    }
    apply { t.apply(); c.count(0); }
}
control E(inout H h, inout M m, inout standard_metadata_t sm) { apply { } }
control D(packet_out pk, in H h) { apply { pk.emit(h.eth); } }
control V(inout H h, inout M m) { apply { } }
control C(inout H h, inout M m) { apply { } }
V1Switch(P(), V(), I(), E(), C(), D()) main;
"""


def _build(tmp_path: Path) -> p4i.P4Info:
    source = tmp_path / "feat.p4"
    source.write_text(PROGRAM)
    return build_p4info(compile_file(source))


def test_table_fields(tmp_path: Path) -> None:
    info = _build(tmp_path)
    (table,) = info.tables
    assert table.preamble.id == (P.TABLE << 24) | 0x1234
    assert [(m.id, m.name, m.bitwidth) for m in table.match_fields] == [
        (1, "dmac", 48),
        (2, "h.eth.$valid$", 1),
        (3, "h.eth.type[7:0]", 8),
    ]
    assert table.match_fields[2].match_type == p4i.MatchField.TERNARY
    fwd = hashed_id(P.ACTION, "I.fwd")
    assert [(r.id, r.scope, list(r.annotations)) for r in table.action_refs] == [
        (fwd, p4i.ActionRef.TABLE_AND_DEFAULT, []),
        (hashed_id(P.ACTION, "NoAction"), p4i.ActionRef.DEFAULT_ONLY, ["@defaultonly"]),
    ]
    assert table.const_default_action_id == 0
    assert table.initial_default_action.action_id == fwd
    assert [(a.param_id, a.value) for a in table.initial_default_action.arguments] == [
        (1, b"\x00\x05"),
        (2, b"\x03"),
    ]
    assert table.size == 64
    assert table.idle_timeout_behavior == p4i.Table.NOTIFY_CONTROL
    assert list(table.direct_resource_ids) == [hashed_id(P.DIRECT_COUNTER, "I.dc")]


def test_actions_and_type_info(tmp_path: Path) -> None:
    info = _build(tmp_path)
    assert [a.preamble.name for a in info.actions] == ["NoAction", "I.fwd"]  # secret is unused
    fwd = info.actions[1]
    assert fwd.preamble.doc.brief == "sets the port"
    assert [(p.name, p.bitwidth, p.type_name.name) for p in fwd.params] == [
        ("port", 9, "port_t"),
        ("v", 8, ""),
    ]
    assert info.type_info.new_types["port_t"].original_type.bitstring.bit.bitwidth == 9
    members = info.type_info.structs["learn_t"].members
    assert [m.name for m in members] == ["src", "port"]


def test_externs_digest_and_packet_metadata(tmp_path: Path) -> None:
    info = _build(tmp_path)
    assert [(c.preamble.name, c.spec.unit, c.size) for c in info.counters] == [
        ("I.c", p4i.CounterSpec.PACKETS, 16)
    ]
    (dc,) = info.direct_counters
    assert dc.spec.unit == p4i.CounterSpec.BYTES
    assert dc.direct_table_id == info.tables[0].preamble.id
    assert [(m.preamble.name, m.spec.unit, m.size) for m in info.meters] == [
        ("I.mt", p4i.MeterSpec.BYTES, 4)
    ]
    (reg,) = info.registers
    assert (reg.preamble.id, reg.size) == (hashed_id(P.REGISTER, "I.r"), 8)
    assert reg.type_spec.bitstring.bit.bitwidth == 16
    (digest,) = info.digests
    assert (digest.preamble.name, digest.type_spec.struct.name) == ("learn_t", "learn_t")
    (pin,) = info.controller_packet_metadata
    assert pin.preamble.id == hashed_id(P.CONTROLLER_HEADER, "pin_t")
    assert (pin.preamble.name, list(pin.preamble.annotations)) == (
        "packet_in",
        ['@controller_header("packet_in")'],
    )
    assert [(m.id, m.name, m.bitwidth) for m in pin.metadata] == [
        (1, "ingress_port", 9),
        (7, "pad", 7),
    ]


NESTED = """
#include <core.p4>
#include <v1model.p4>
struct flags_t { bit<3> a; @id(9) bit<5> b; }
@controller_header("packet_in") header pin_t { @marked flags_t flags; bit<8> port; }
struct report_t { pin_t pin; }
struct H { pin_t pin; }
struct M { }
parser P(packet_in pk, out H h, inout M m, inout standard_metadata_t sm) {
    state start { pk.extract(h.pin); transition accept; }
}
control I(inout H h, inout M m, inout standard_metadata_t sm) {
    apply { digest<report_t>(1, { h.pin }); }
}
control E(inout H h, inout M m, inout standard_metadata_t sm) { apply { } }
control D(packet_out pk, in H h) { apply { pk.emit(h.pin); } }
control V(inout H h, inout M m) { apply { } }
control C(inout H h, inout M m) { apply { } }
V1Switch(P(), V(), I(), E(), C(), D()) main;
"""


def test_struct_fields_of_headers_are_flattened(tmp_path: Path) -> None:
    """p4c's FlattenHeader: leaves named outer.inner, outer annotations copied onto them."""
    source = tmp_path / "nested.p4"
    source.write_text(NESTED)
    info = build_p4info(compile_file(source))
    (pin,) = info.controller_packet_metadata
    assert [(m.id, m.name, m.bitwidth, list(m.annotations)) for m in pin.metadata] == [
        (1, "flags.a", 3, ["@marked"]),
        (9, "flags.b", 5, ["@marked"]),
        (2, "port", 8, []),  # p4c: an @id field still uses up its position
    ]
    members = info.type_info.headers["pin_t"].members
    assert [(m.name, m.type_spec.bit.bitwidth) for m in members] == [
        ("flags.a", 3),
        ("flags.b", 5),
        ("port", 8),
    ]


INDEXED = """
#include <core.p4>
#define V1MODEL_VERSION 20200408
#include <v1model.p4>
type bit<32> idx_t;
struct H { }
struct M { }
parser P(packet_in pk, out H h, inout M m, inout standard_metadata_t sm) {
    state start { transition accept; }
}
control I(inout H h, inout M m, inout standard_metadata_t sm) {
    counter<idx_t>(16, CounterType.packets) c;
    meter<bit<32>>(4, MeterType.bytes) mt;
    register<bit<8>, idx_t>(4) r;
    apply {
        c.count((idx_t)1);
        bit<2> color;
        mt.execute_meter(0, color);
        r.write((idx_t)2, 8w3);
    }
}
control E(inout H h, inout M m, inout standard_metadata_t sm) { apply { } }
control D(packet_out pk, in H h) { apply { } }
control V(inout H h, inout M m) { apply { } }
control C(inout H h, inout M m) { apply { } }
V1Switch(P(), V(), I(), E(), C(), D()) main;
"""


def test_user_defined_index_types_are_named(tmp_path: Path) -> None:
    """v1model 20200408: ``counter<I>``, ``register<T, I>`` name a ``type`` index; bit<W>
    indexes leave ``index_type_name`` empty."""
    source = tmp_path / "indexed.p4"
    source.write_text(INDEXED)
    info = build_p4info(compile_file(source))
    assert [(c.preamble.name, c.index_type_name.name) for c in info.counters] == [("I.c", "idx_t")]
    assert [(m.preamble.name, m.HasField("index_type_name")) for m in info.meters] == [
        ("I.mt", False)
    ]
    assert [(r.preamble.name, r.index_type_name.name) for r in info.registers] == [("I.r", "idx_t")]
    assert info.type_info.new_types["idx_t"].original_type.bitstring.bit.bitwidth == 32


ENTRIES = """
#include <core.p4>
#include <v1model.p4>
header h_t { bit<8> x; }
struct H { h_t h; }
struct M { }
parser P(packet_in pk, out H h, inout M m, inout standard_metadata_t sm) {
    state start { pk.extract(h.h); transition accept; }
}
control I(inout H h, inout M m, inout standard_metadata_t sm) {
    action a() {}
    table none { key = { h.h.x : exact; } actions = { a; } }
    table empty_const { key = { h.h.x : exact; } actions = { a; } const entries = { } }
    table empty { key = { h.h.x : exact; } actions = { a; } entries = { } }
    table initial { key = { h.h.x : exact; } actions = { a; } entries = { 1 : a(); } }
    table fixed { key = { h.h.x : exact; } actions = { a; } const entries = { 1 : a(); } }
    apply { none.apply(); empty_const.apply(); empty.apply(); initial.apply(); fixed.apply(); }
}
control E(inout H h, inout M m, inout standard_metadata_t sm) { apply { } }
control D(packet_out pk, in H h) { apply { } }
control V(inout H h, inout M m) { apply { } }
control C(inout H h, inout M m) { apply { } }
V1Switch(P(), V(), I(), E(), C(), D()) main;
"""


def test_entries_property_presence_decides_const_table(tmp_path: Path) -> None:
    """p4c's getConstTable: a ``const entries`` property makes the table const even when
    empty; has_initial_entries needs at least one entry, const or not."""
    source = tmp_path / "entries.p4"
    source.write_text(ENTRIES)
    checked = compile_file(source)
    present = {decl.name: decl.entries_present for _, decl, _ in checked.tables()}
    assert present == {
        "none": False,
        "empty_const": True,
        "empty": True,
        "initial": True,
        "fixed": True,
    }
    info = build_p4info(checked)
    flags = [(t.preamble.alias, t.is_const_table, t.has_initial_entries) for t in info.tables]
    assert flags == [
        ("none", False, False),
        ("empty_const", True, False),
        ("empty", False, False),
        ("initial", False, True),
        ("fixed", True, True),
    ]
