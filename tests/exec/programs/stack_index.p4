// Header stacks indexed at run time, as p4c's HSIndexSimplifier lowers them for BMv2:
// a statement whose index is out of range does nothing, an `if` whose condition uses one
// takes its else branch, and a switch on one is skipped.
#include <core.p4>
#include <v1model.p4>

header idx_t { bit<8> i; bit<8> flags; }
header h_t { bit<8> v; }
struct headers { idx_t idx; h_t[3] s; }
struct metadata { bit<8> seen; }

parser P(packet_in pk, out headers hdr, inout metadata m, inout standard_metadata_t sm) {
    state start {
        pk.extract(hdr.idx);
        pk.extract(hdr.s.next);
        pk.extract(hdr.s.next);
        pk.extract(hdr.s.next);
        transition accept;
    }
}

control V(inout headers hdr, inout metadata m) { apply {} }

control I(inout headers hdr, inout metadata m, inout standard_metadata_t sm) {
    action bump(inout bit<8> x) { x = x + 1; }
    apply {
        sm.egress_spec = 1;
        hdr.s[hdr.idx.i].v = 0xee;            // skipped when i >= 3
        bump(hdr.s[hdr.idx.i].v);             // skipped when i >= 3
        if (hdr.s[hdr.idx.i].v == 0xef) {     // i >= 3: the else branch
            hdr.idx.flags = hdr.idx.flags | 1;
        } else {
            hdr.idx.flags = hdr.idx.flags | 2;
        }
        switch (hdr.s[hdr.idx.i].v) {         // i >= 3: no case, not even default
            0xef: { hdr.idx.flags = hdr.idx.flags | 4; }
            default: { hdr.idx.flags = hdr.idx.flags | 8; }
        }
    }
}

control E(inout headers hdr, inout metadata m, inout standard_metadata_t sm) { apply {} }
control C(inout headers hdr, inout metadata m) { apply {} }
control D(packet_out pk, in headers hdr) { apply { pk.emit(hdr); } }

V1Switch(P(), V(), I(), E(), C(), D()) main;
