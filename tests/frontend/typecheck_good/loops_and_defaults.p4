// P4_16 1.2.4/1.2.5 constructs p4c accepts: for loops of both forms with break/continue
// (also inside switch cases), return and exit in loops, {#} and '...' in their contexts.
#include <core.p4>
#include <v1model.p4>

enum bit<8> Op { ADD = 1, SUB = 2 }
header h_t { bit<8> a; bit<8> b; }
header_union u_t { h_t x; h_t y; }
struct pair_t { bit<8> lo; bit<8> hi; }
struct headers { h_t h; h_t[3] hs; u_t u; }
struct metadata { pair_t p; Op op; }

parser P(packet_in pkt, out headers hdr, inout metadata meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.h);
        transition accept;
    }
}

bit<8> first_valid(in h_t[3] hs) {
    for (h_t h in hs) {
        if (h.isValid()) {
            return h.a;
        }
    }
    return 0;
}

control I(inout headers hdr, inout metadata meta, inout standard_metadata_t sm) {
    action stop_at(bit<8> n) {
        for (bit<8> i = 0; i < n; i = i + 1) {
            if (i == hdr.h.b) {
                exit;
            }
            meta.p.lo = meta.p.lo + 1;
        }
    }

    apply {
        meta.p = {lo = 1, ...};
        meta.op = ...;
        for (bit<8> i = 0, bit<8> j = 9; i < j; i = i + 1, j = j - 1) {
            switch (hdr.h.a) {
                0: { continue; }
                1: { break; }
                default: { meta.p.hi = meta.p.hi |+| i; }
            }
        }
        for (bit<8> k in meta.p.lo .. hdr.h.b) {
            hdr.h.a = hdr.h.a ^ k;
        }
        for (Op o in {Op.ADD, Op.SUB}) {
            if (o == meta.op) {
                hdr.h.b = 0;
            }
        }
        hdr.hs[0] = {a = first_valid(hdr.hs), ...};
        hdr.u.x = {#};
        hdr.u = (u_t){#};
        if (hdr.hs[2] == {#}) {
            stop_at(4);
        }
    }
}

control E(inout headers hdr, inout metadata meta, inout standard_metadata_t sm) { apply {} }
control VC(inout headers hdr, inout metadata meta) { apply {} }
control CC(inout headers hdr, inout metadata meta) { apply {} }
control D(packet_out pkt, in headers hdr) { apply { pkt.emit(hdr); } }

V1Switch(P(), VC(), I(), E(), CC(), D()) main;
