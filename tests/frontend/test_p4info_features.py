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


EXTERNS = """
#include <core.p4>
#include <v1model.p4>
header h_t { bit<8> a; bit<16> b; }
struct pair_t { bit<8> lo; bit<8> hi; }
struct learn_t { bit<8> a; }
struct H { h_t h; }
struct M { bit<8> x; pair_t p; }
parser P(packet_in pk, out H h, inout M m, inout standard_metadata_t sm) {
    state start { pk.extract(h.h); transition accept; }
}
control I(inout H h, inout M m, inout standard_metadata_t sm) {
    @description("both units") counter(8, CounterType.packets_and_bytes) c_both;
    counter(8, CounterType.bytes) c_bytes;
    direct_counter(CounterType.packets_and_bytes) dc;
    meter(4, MeterType.packets) m_pk;
    direct_meter<bit<2>>(MeterType.bytes) dm;
    register<pair_t>(16) r_pair;
    @max_group_size(64) @selector_size_semantics("sum_of_members") @max_member_weight(100)
    action_selector(HashAlgorithm.crc16, 128, 16) sel;
    @max_group_size(8) action_profile(32) prof;
    action a(bit<8> v) { m.x = v; digest(5, m.x); }
    table t_counted {
        key = { h.h.a : exact @brief("first byte"); }
        actions = { a; }
        counters = dc;
        meters = dm;
        support_timeout = true;
    }
    table t_sel1 { key = { h.h.a : exact; h.h.b : selector; } actions = { a; } implementation = sel; }
    table t_sel2 { key = { h.h.b : exact; h.h.a : selector; } actions = { a; } implementation = sel; }
    table t_prof {
        key = { h.h.a : exact; } actions = { a; } implementation = prof; support_timeout = false;
    }
    apply {
        t_counted.apply();
        t_sel2.apply();
        t_sel1.apply();
        t_prof.apply();
        c_both.count(0);
        c_bytes.count(1);
        bit<2> color;
        m_pk.execute_meter(0, color);
        r_pair.write(0, m.p);
        digest(1, { h.h.a, h.h.b });
        digest(2, m.x);
        digest<learn_t>(3, { h.h.a });
        digest(4, m.p);
    }
}
control E(inout H h, inout M m, inout standard_metadata_t sm) { apply { } }
control D(packet_out pk, in H h) { apply { pk.emit(h.h); } }
control V(inout H h, inout M m) { apply { } }
control C(inout H h, inout M m) { apply { } }
V1Switch(P(), V(), I(), E(), C(), D()) main;
"""


def _compiled(tmp_path: Path, text: str) -> p4i.P4Info:
    source = tmp_path / "program.p4"
    source.write_text(text)
    return build_p4info(compile_file(source))


def test_counter_and_meter_units_and_direct_resources(tmp_path: Path) -> None:
    """p4c CounterlikeTraits<V1MODEL>::mapUnitName (packets_and_bytes -> BOTH); direct
    resources are written by addTableProperties, counter before meter, with the table's id."""
    info = _compiled(tmp_path, EXTERNS)
    tables = {t.preamble.alias: t for t in info.tables}
    counted = tables["t_counted"]
    assert [(c.preamble.name, c.spec.unit, c.size) for c in info.counters] == [
        ("I.c_both", p4i.CounterSpec.BOTH, 8),
        ("I.c_bytes", p4i.CounterSpec.BYTES, 8),
    ]
    assert info.counters[0].preamble.doc.description == "both units"
    assert [(c.preamble.id, c.spec.unit, c.direct_table_id) for c in info.direct_counters] == [
        (hashed_id(P.DIRECT_COUNTER, "I.dc"), p4i.CounterSpec.BOTH, counted.preamble.id)
    ]
    assert [(m.preamble.name, m.spec.unit, m.size) for m in info.meters] == [
        ("I.m_pk", p4i.MeterSpec.PACKETS, 4)
    ]
    assert [(m.preamble.id, m.spec.unit, m.direct_table_id) for m in info.direct_meters] == [
        (hashed_id(P.DIRECT_METER, "I.dm"), p4i.MeterSpec.BYTES, counted.preamble.id)
    ]
    assert list(counted.direct_resource_ids) == [
        hashed_id(P.DIRECT_COUNTER, "I.dc"),
        hashed_id(P.DIRECT_METER, "I.dm"),
    ]
    assert counted.match_fields[0].doc.brief == "first byte"


def test_idle_timeout_only_where_support_timeout_is_true(tmp_path: Path) -> None:
    """p4c P4RuntimeArchHandlerV1Model::addTableProperties: NOTIFY_CONTROL for
    ``support_timeout = true``, NO_TIMEOUT otherwise (also for an explicit false)."""
    info = _compiled(tmp_path, EXTERNS)
    behaviour = {t.preamble.alias: t.idle_timeout_behavior for t in info.tables}
    assert behaviour == {
        "t_counted": p4i.Table.NOTIFY_CONTROL,
        "t_sel1": p4i.Table.NO_TIMEOUT,
        "t_sel2": p4i.Table.NO_TIMEOUT,
        "t_prof": p4i.Table.NO_TIMEOUT,
    }


def test_shared_selector_and_profile_annotations(tmp_path: Path) -> None:
    """p4c addActionProfile: table_ids of every table using the profile, sorted by table
    name (std::set<cstring>); @max_group_size, @selector_size_semantics and
    @max_member_weight fill the selector's fields and are not repeated as annotations; on a
    profile without selector they are ignored."""
    info = _compiled(tmp_path, EXTERNS)
    sel, prof = info.action_profiles
    sel_id = hashed_id(P.ACTION_PROFILE, "I.sel")
    assert (sel.preamble.name, sel.preamble.id, list(sel.preamble.annotations)) == (
        "I.sel",
        sel_id,
        [],
    )
    assert list(sel.table_ids) == [
        hashed_id(P.TABLE, "I.t_sel1"),
        hashed_id(P.TABLE, "I.t_sel2"),
    ]
    assert (sel.with_selector, sel.size, sel.max_group_size) == (True, 128, 64)
    assert sel.WhichOneof("selector_size_semantics") == "sum_of_members"
    assert sel.sum_of_members.max_member_weight == 100
    assert (prof.preamble.name, list(prof.table_ids), prof.size) == (
        "I.prof",
        [hashed_id(P.TABLE, "I.t_prof")],
        32,
    )
    assert (prof.with_selector, prof.max_group_size, list(prof.preamble.annotations)) == (
        False,
        0,
        [],
    )
    assert prof.WhichOneof("selector_size_semantics") is None
    impl = {t.preamble.alias: t.implementation_id for t in info.tables}
    assert (impl["t_sel1"], impl["t_sel2"]) == (sel_id, sel_id)


def test_register_of_struct_values(tmp_path: Path) -> None:
    """p4c Register::from: the element type's P4DataTypeSpec, the struct in type_info."""
    info = _compiled(tmp_path, EXTERNS)
    (reg,) = info.registers
    assert (reg.preamble.name, reg.size, reg.type_spec.struct.name) == ("I.r_pair", 16, "pair_t")
    members = info.type_info.structs["pair_t"].members
    assert [(m.name, m.type_spec.bitstring.bit.bitwidth) for m in members] == [
        ("lo", 8),
        ("hi", 8),
    ]


def test_digests_in_collection_order_with_generated_names(tmp_path: Path) -> None:
    """p4c collectControlSymbols visits the control's actions, then its apply block; each
    digest call of an unnamed type gets the next digest_N (getDigestCall), so two calls on
    bit<8> data are two digests."""
    info = _compiled(tmp_path, EXTERNS)
    names = [(d.preamble.name, d.preamble.id) for d in info.digests]
    assert names == [
        (name, hashed_id(P.DIGEST, name))
        for name in ("digest_0", "digest_1", "digest_2", "learn_t", "pair_t")
    ]
    specs = [d.type_spec for d in info.digests]
    assert specs[0].bitstring.bit.bitwidth == 8
    assert [m.bitstring.bit.bitwidth for m in specs[1].tuple.members] == [8, 16]
    assert specs[2].bitstring.bit.bitwidth == 8
    assert (specs[3].struct.name, specs[4].struct.name) == ("learn_t", "pair_t")


DIGEST_NAMES = """
#include <core.p4>
#include <v1model.p4>
header h_t { bit<8> a; }
enum color_t { RED, GREEN }
enum bit<8> kind_t { A = 1, B = 2 }
type bit<8> tag_t;
typedef bit<8> byte_t;
@name("learned") struct learn_t { bit<8> a; }
struct H { h_t h; }
struct M { color_t c; kind_t k; tag_t t; byte_t b; learn_t l; error e; }
parser P(packet_in pk, out H h, inout M m, inout standard_metadata_t sm) {
    state start { pk.extract(h.h); transition accept; }
}
control I(inout H h, inout M m, inout standard_metadata_t sm) {
    apply {
        digest(1, m.c);
        digest(2, m.k);
        digest(3, m.t);
        digest(4, m.b);
        digest<byte_t>(5, m.b);
        digest(6, m.l);
        digest(7, h.h);
        digest(8, m.e);
    }
}
control E(inout H h, inout M m, inout standard_metadata_t sm) { apply { } }
control D(packet_out pk, in H h) { apply { pk.emit(h.h); } }
control V(inout H h, inout M m) { apply { } }
control C(inout H h, inout M m) { apply { } }
V1Switch(P(), V(), I(), E(), C(), D()) main;
"""


def test_inferred_digest_types_are_named_like_p4c(tmp_path: Path) -> None:
    """p4c's BindTypeVariables writes an inferred type argument as ``type->getP4Type()``: a
    Type_Name for every declared type (struct, header, enum, serializable enum, ``type``,
    error), named by its control-plane name (@name honoured); a typedef of bit<W> is the bare
    bit<W> (digest_N) unless written explicitly as ``digest<byte_t>``."""
    info = _compiled(tmp_path, DIGEST_NAMES)
    assert [(d.preamble.name, d.type_spec.WhichOneof("type_spec")) for d in info.digests] == [
        ("color_t", "enum"),
        ("kind_t", "serializable_enum"),
        ("tag_t", "new_type"),
        ("digest_0", "bitstring"),
        ("byte_t", "bitstring"),
        ("learned", "struct"),
        ("h_t", "header"),
        ("error", "error"),
    ]
    assert list(info.type_info.structs) == ["learned"]
    assert list(info.type_info.enums) == ["color_t"]
    assert list(info.type_info.serializable_enums) == ["kind_t"]
