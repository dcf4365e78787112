// A table keyed on an `error` value (BMv2 keeps errors in 32-bit fields): const entries
// name error members; the parser's error selects the action (p4c issue1062-1-bmv2).
#include <core.p4>
#include <v1model.p4>

header h_t { bit<8> tag; bit<8> b; }
struct headers { h_t h; }
struct metadata { }

parser P(packet_in pk, out headers hdr, inout metadata m, inout standard_metadata_t sm) {
    state start { pk.extract(hdr.h); transition accept; }
}

control V(inout headers hdr, inout metadata m) { apply {} }

control I(inout headers hdr, inout metadata m, inout standard_metadata_t sm) {
    action tag(bit<8> v) { hdr.h.setValid(); hdr.h.tag = v; }
    table by_error {
        key = { sm.parser_error : exact; }
        actions = { tag; }
        const entries = {
            error.NoError : tag(0x11);
            error.PacketTooShort : tag(0x22);
        }
        default_action = tag(0x33);
    }
    apply {
        sm.egress_spec = 1;
        by_error.apply();
    }
}

control E(inout headers hdr, inout metadata m, inout standard_metadata_t sm) { apply {} }
control C(inout headers hdr, inout metadata m) { apply {} }
control D(packet_out pk, in headers hdr) { apply { pk.emit(hdr); } }

V1Switch(P(), V(), I(), E(), C(), D()) main;
