// Control flow and composite types: header unions, a sub-parser, serializable enums,
// switch on values with fall-through, functions with early return, nested structs,
// struct assignment, a sub-control applied twice, and header stack indexing in controls.
#include <core.p4>
#include <v1model.p4>

enum bit<8> Kind { A = 1, B = 2, C = 3 }

header eth_t { bit<48> dst; bit<48> src; bit<16> type; }
header v4_t { bit<8> kind; bit<8> x; }
header v6_t { bit<8> kind; bit<16> y; }
header_union ip_u { v4_t v4; v6_t v6; }
header res_t { bit<8> r0; bit<8> r1; bit<8> r2; bit<8> r3; bit<8> r4; }

struct inner_t { bit<8> val; bool flag; }
struct metadata { inner_t a; inner_t b; }
struct headers { eth_t eth; ip_u ip; res_t res; }

parser SubP(packet_in pkt, inout headers hdr) {
    state start {
        transition select(pkt.lookahead<bit<8>>()) {
            1: v4;
            default: v6;
        }
    }
    state v4 { pkt.extract(hdr.ip.v4); transition accept; }
    state v6 { pkt.extract(hdr.ip.v6); transition accept; }
}

parser P(packet_in pkt, out headers hdr, inout metadata meta, inout standard_metadata_t sm) {
    SubP() sub;
    state start {
        pkt.extract(hdr.eth);
        sub.apply(pkt, hdr);
        pkt.extract(hdr.res);
        transition accept;
    }
}

bit<8> classify(in bit<8> v) {
    if (v > 100) {
        return 3;
    }
    if (v > 10) {
        return 2;
    }
    return 1;
}

control Bump(inout bit<8> v, in bit<8> by) {
    apply { v = v + by; }
}

control VC(inout headers hdr, inout metadata meta) { apply { } }

control I(inout headers hdr, inout metadata meta, inout standard_metadata_t sm) {
    Bump() bump1;
    Bump() bump2;
    apply {
        sm.egress_spec = 1;
        if (hdr.ip.v4.isValid()) {
            hdr.res.r0 = 4;
            meta.a.val = hdr.ip.v4.x;
        } else if (hdr.ip.v6.isValid()) {
            hdr.res.r0 = 6;
            meta.a.val = hdr.ip.v6.y[7:0];
        }
        meta.a.flag = hdr.ip.isValid();
        meta.b = meta.a;            // struct copy: later changes to a do not touch b
        meta.a.val = 0;
        hdr.res.r1 = classify(meta.b.val);
        Kind k = (Kind) hdr.res.r1;
        switch (k) {
            Kind.A:
            Kind.B: { hdr.res.r2 = 0xAB; }
            default: { hdr.res.r2 = 0xCC; }
        }
        bump1.apply(hdr.res.r3, 1);
        bump2.apply(hdr.res.r3, 2);
        if (meta.b.flag) {
            hdr.res.r4 = meta.b.val;
        }
        if (hdr.res.r0 == 6) {
            hdr.ip.v4.setValid();     // makes v6 invalid: a union holds one header
            hdr.ip.v4.kind = 1;
            hdr.ip.v4.x = 0x44;
        }
    }
}

control E(inout headers hdr, inout metadata meta, inout standard_metadata_t sm) { apply { } }
control CC(inout headers hdr, inout metadata meta) { apply { } }
control D(packet_out pkt, in headers hdr) { apply { pkt.emit(hdr); } }

V1Switch(P(), VC(), I(), E(), CC(), D()) main;
