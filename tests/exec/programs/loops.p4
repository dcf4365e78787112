// P4_16 1.2.4/1.2.5 constructs: `for` loops (C-style with several variables, `break`,
// `continue`; `for (T v in ...)` over an inclusive range, a header stack and a list),
// `return` and `exit` inside loops, the invalid header `{#}` and `...` initializers.
#include <core.p4>
#include <v1model.p4>

header in_t { bit<8> n; bit<8> mode; }
header out_t { bit<8> a; bit<8> b; bit<8> c; bit<8> d; bit<16> e; int<8> f; bit<8> g; bit<8> h; }
header item_t { bit<8> v; }
header extra_t { bit<8> x; bit<8> y; }

struct flags_t { bool seen; bit<8> level; }
struct metadata { flags_t fl; }
struct headers { in_t inp; out_t res; item_t[4] items; extra_t extra; }

parser P(packet_in pkt, out headers hdr, inout metadata meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.inp);
        pkt.extract(hdr.items.next);
        pkt.extract(hdr.items.next);
        pkt.extract(hdr.items.next);
        pkt.extract(hdr.items.next);
        transition accept;
    }
}

// 1 + 2 + ... + n (modulo 256); the loop condition is always true, `return` ends it.
bit<8> triangle(in bit<8> n) {
    bit<8> s = 0;
    for (bit<8> i = 1; true; i = i + 1) {
        s = s + i;
        if (i >= n) {
            return s;
        }
    }
    return 0;
}

control I(inout headers hdr, inout metadata meta, inout standard_metadata_t sm) {
    action count_until(bit<8> stop) {
        for (bit<8> i = 0; i < 10; i = i + 1) {
            if (i == stop) {
                hdr.res.d = i;
                exit;
            }
            hdr.res.c = hdr.res.c + 1;
        }
    }

    apply {
        sm.egress_spec = 1;
        hdr.res = {...};
        for (bit<8> i = 0, bit<8> j = 10; i < j; i = i + 1, j = j - 1) {
            if (i == hdr.inp.n) {
                break;
            }
            if ((i & 1) == 0) {
                continue;
            }
            hdr.res.a = hdr.res.a + i + j;
        }
        for (bit<8> k in hdr.inp.n .. 5) {
            hdr.res.b = hdr.res.b + k;
        }
        extra_t e0 = ...;
        if (!e0.isValid()) {
            hdr.res.b = hdr.res.b + 0x40;
        }
        for (item_t it in hdr.items) {
            if (it.isValid()) {
                hdr.res.e = hdr.res.e + (bit<16>)it.v;
            }
            it.v = 0xff;
        }
        for (int<8> s in -3 .. 2) {
            hdr.res.f = hdr.res.f + s;
        }
        for (bit<8> w in {1, 2, 4, 8}) {
            if ((hdr.inp.mode & w) != 0) {
                hdr.res.g = hdr.res.g + w;
            }
        }
        hdr.res.h = triangle(hdr.inp.n);
        meta.fl = {seen = true, ...};
        if (hdr.inp.mode == 3) {
            hdr.items[3] = {#};
        }
        if (hdr.items[3] == {#}) {
            hdr.extra = {x = 0xab, ...};
        }
        if (meta.fl.seen && meta.fl.level == 0) {
            count_until(hdr.inp.mode);
        }
        hdr.res.c = hdr.res.c + 0x10;
    }
}

control E(inout headers hdr, inout metadata meta, inout standard_metadata_t sm) { apply {} }
control VC(inout headers hdr, inout metadata meta) { apply {} }
control CC(inout headers hdr, inout metadata meta) { apply {} }

control D(packet_out pkt, in headers hdr) {
    apply {
        pkt.emit(hdr.inp);
        pkt.emit(hdr.res);
        pkt.emit(hdr.items);
        pkt.emit(hdr.extra);
    }
}

V1Switch(P(), VC(), I(), E(), CC(), D()) main;
