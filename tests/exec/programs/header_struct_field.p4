// A header with struct fields (P4_16 allows structs of bit/int/bool/serializable enums in
// headers): extracted and emitted field by field, in declaration order.
#include <core.p4>
#include <v1model.p4>

enum bit<8> Kind_t {
    A = 1,
    B = 2
}

struct inner_t {
    bit<3> small;
    bool   flag;
    int<4> signed4;
}

struct outer_t {
    inner_t in0;
    Kind_t  kind;
    inner_t in1;
}

header wrap_t {
    outer_t o;
    bit<8>  tail;
}

struct headers_t {
    wrap_t w;
}

struct meta_t {}

parser P(packet_in pkt, out headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    state start {
        pkt.extract(h.w);
        transition accept;
    }
}

control Ing(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    apply {
        // Observable in the output: signed arithmetic, a bool flip, the enum, a copy.
        h.w.o.in1.signed4 = h.w.o.in0.signed4 - 1;
        h.w.o.in1.flag = !h.w.o.in0.flag;
        if (h.w.o.kind == Kind_t.A) {
            h.w.o.kind = Kind_t.B;
        }
        h.w.tail = (bit<8>)h.w.o.in0.small;
        sm.egress_spec = 1;
    }
}

control Eg(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    apply { }
}

control Vrfy(inout headers_t h, inout meta_t m) {
    apply { }
}

control Upd(inout headers_t h, inout meta_t m) {
    apply { }
}

control Dep(packet_out pkt, in headers_t h) {
    apply {
        pkt.emit(h);
    }
}

V1Switch(P(), Vrfy(), Ing(), Eg(), Upd(), Dep()) main;
