// Tables keyed on an `error` value or on a plain enum (p4c's BMv2 back end keeps both in
// 32-bit fields): const entries name error and enum members; the parser's error and an
// enum set in ingress select the actions (p4c issue1062-1-bmv2). Field lists hold them as
// 32-bit values too: x = identity({c, parser_error}) % 2^16 is the error's code alone.
#include <core.p4>
#include <v1model.p4>

enum Color { RED, GREEN, BLUE }
header h_t { bit<8> tag; bit<8> b; bit<16> x; }
struct headers { h_t h; }
struct metadata { Color c; }

parser P(packet_in pk, out headers hdr, inout metadata m, inout standard_metadata_t sm) {
    state start { pk.extract(hdr.h); transition accept; }
}

control V(inout headers hdr, inout metadata m) { apply {} }

control I(inout headers hdr, inout metadata m, inout standard_metadata_t sm) {
    action tag(bit<8> v) { hdr.h.setValid(); hdr.h.tag = v; }
    action mark(bit<8> v) { hdr.h.b = hdr.h.b | v; }
    table by_error {
        key = { sm.parser_error : exact; }
        actions = { tag; }
        const entries = {
            error.NoError : tag(0x11);
            error.PacketTooShort : tag(0x22);
        }
        default_action = tag(0x33);
    }
    table by_color {
        key = { m.c : exact; }
        actions = { mark; NoAction; }
        const entries = {
            Color.GREEN : mark(0x40);
            Color.BLUE : mark(0x80);
        }
        default_action = NoAction();
    }
    apply {
        sm.egress_spec = 1;
        by_error.apply();
        if (hdr.h.b == 1) {
            m.c = Color.GREEN;
        } else if (hdr.h.b == 2) {
            m.c = Color.BLUE;
        } else {
            m.c = Color.RED;
        }
        by_color.apply();
        hash(hdr.h.x, HashAlgorithm.identity, 16w0, { m.c, sm.parser_error }, 32w65536);
    }
}

control E(inout headers hdr, inout metadata m, inout standard_metadata_t sm) { apply {} }
control C(inout headers hdr, inout metadata m) { apply {} }
control D(packet_out pk, in headers hdr) { apply { pk.emit(hdr); } }

V1Switch(P(), V(), I(), E(), C(), D()) main;
