// A struct of bit fields casts to and from bit<W> of its width (p4c's bit structs): the
// fields are concatenated in order, the first one most significant.
#include <core.p4>
#include <v1model.p4>

struct pair_t { bit<8> hi; bit<8> lo; }
struct mixed_t { bit<4> a; int<4> b; bool c; bit<7> d; }
header h_t { bit<16> a; bit<16> b; bit<16> c; }
struct headers { h_t h; }
struct metadata { }

parser P(packet_in pk, out headers hdr, inout metadata m, inout standard_metadata_t sm) {
    state start { pk.extract(hdr.h); transition accept; }
}

control V(inout headers hdr, inout metadata m) { apply {} }

control I(inout headers hdr, inout metadata m, inout standard_metadata_t sm) {
    apply {
        sm.egress_spec = 1;
        pair_t s = (pair_t)hdr.h.a;
        bit<8> t = s.hi;
        s.hi = s.lo;
        s.lo = t;
        hdr.h.a = (bit<16>)s;
        mixed_t q = (mixed_t)hdr.h.b;
        q.b = q.b - 1;
        q.c = !q.c;
        hdr.h.b = (bit<16>)q;
        hdr.h.c = (bit<16>)((pair_t)(hdr.h.c + 1)).lo;
    }
}

control E(inout headers hdr, inout metadata m, inout standard_metadata_t sm) { apply {} }
control C(inout headers hdr, inout metadata m) { apply {} }
control D(packet_out pk, in headers hdr) { apply { pk.emit(hdr); } }

V1Switch(P(), V(), I(), E(), C(), D()) main;
