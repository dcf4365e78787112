// lookahead<S>() of a struct of bit fields splits the next bits into its fields without
// moving the cursor; too few bytes left is PacketTooShort (p4c issue1768).
#include <core.p4>
#include <v1model.p4>

struct pair_t { bit<4> hi; bit<12> lo; }
header h_t { bit<16> a; bit<8> hi; bit<16> lo; }
struct headers { h_t h; }
struct metadata { pair_t peek; }

parser P(packet_in pk, out headers hdr, inout metadata m, inout standard_metadata_t sm) {
    state start {
        m.peek = pk.lookahead<pair_t>();
        pk.extract(hdr.h);
        transition accept;
    }
}

control V(inout headers hdr, inout metadata m) { apply {} }

control I(inout headers hdr, inout metadata m, inout standard_metadata_t sm) {
    apply {
        sm.egress_spec = 1;
        if (sm.parser_error != error.NoError) {
            mark_to_drop(sm);
        }
        hdr.h.hi = (bit<8>)m.peek.hi;
        hdr.h.lo = (bit<16>)m.peek.lo;
    }
}

control E(inout headers hdr, inout metadata m, inout standard_metadata_t sm) { apply {} }
control C(inout headers hdr, inout metadata m) { apply {} }
control D(packet_out pk, in headers hdr) { apply { pk.emit(hdr); } }

V1Switch(P(), V(), I(), E(), C(), D()) main;
