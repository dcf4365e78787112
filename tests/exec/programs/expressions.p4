// Arithmetic and bit operations with P4 width semantics: unsigned wrap, two's complement
// int<W>, casts, concatenation, slices (read and write), shifts, division, saturation, ?:,
// and copy-out of inout parameters when an action exits.
#include <core.p4>
#include <v1model.p4>

header in_t { bit<8> a; bit<8> b; int<8> s; int<8> t; }
header out_t {
    bit<8> add; bit<8> sub; bit<8> mul; int<8> sadd; int<8> sshr; bit<8> shl;
    bit<16> widen; bit<16> swiden; bit<16> cat; bit<8> slice; bit<8> slice_set;
    bit<8> div; bit<8> mod; bit<8> usat; int<8> ssat; bit<8> mux; bit<8> neg; bit<8> cmpl;
    bit<8> exit_copy;
}
struct headers { in_t i; out_t o; }
struct metadata { }

parser P(packet_in pkt, out headers hdr, inout metadata meta, inout standard_metadata_t sm) {
    state start { pkt.extract(hdr.i); pkt.extract(hdr.o); transition accept; }
}

control VC(inout headers hdr, inout metadata meta) { apply { } }

control I(inout headers hdr, inout metadata meta, inout standard_metadata_t sm) {
    action set_and_exit(inout bit<8> x) {
        x = 0x5A;
        exit;
    }
    apply {
        sm.egress_spec = 1;
        hdr.o.add = hdr.i.a + hdr.i.b;
        hdr.o.sub = hdr.i.a - hdr.i.b;
        hdr.o.mul = hdr.i.a * hdr.i.b;
        hdr.o.sadd = hdr.i.s + hdr.i.t;
        hdr.o.sshr = hdr.i.s >> 2;
        hdr.o.shl = hdr.i.a << 3;
        hdr.o.widen = (bit<16>) hdr.i.a;
        hdr.o.swiden = (bit<16>) (int<16>) hdr.i.s;
        hdr.o.cat = hdr.i.a ++ hdr.i.b;
        hdr.o.slice = hdr.i.a[7:4] ++ hdr.i.b[3:0];
        hdr.o.slice_set = 0;
        hdr.o.slice_set[6:3] = hdr.i.b[3:0];
        hdr.o.div = hdr.i.a / 4;
        hdr.o.mod = hdr.i.a % 4;
        hdr.o.usat = hdr.i.a |+| hdr.i.b;
        hdr.o.ssat = hdr.i.s |-| hdr.i.t;
        hdr.o.mux = hdr.i.s < hdr.i.t ? 8w1 : 8w2;
        hdr.o.neg = -hdr.i.a;
        hdr.o.cmpl = ~hdr.i.b;
        set_and_exit(hdr.o.exit_copy);
        hdr.o.exit_copy = 0xFF;  // never runs
    }
}

control E(inout headers hdr, inout metadata meta, inout standard_metadata_t sm) { apply { } }
control CC(inout headers hdr, inout metadata meta) { apply { } }
control D(packet_out pkt, in headers hdr) { apply { pkt.emit(hdr); } }

V1Switch(P(), VC(), I(), E(), CC(), D()) main;
