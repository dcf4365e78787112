// Arrays of non-header elements (p4c's T[N]): fields of headers are extracted and emitted
// element by element, nested arrays and arrays of structs index as stacks do (a run-time
// index out of range skips the statement), locals copy by value, `for (x in a)`, `.size`,
// and a field list holding an array hashes its elements in order.
#include <core.p4>
#include <v1model.p4>

struct pair_t { bit<4> hi; bit<4> lo; }
header sel_t { bit<8> i; bit<8> j; bit<8> sum; bit<8> same; bit<16> x; }
header data_t {
    bit<8>[4]    bytes;      // 4 bytes
    bit<4>[2][2] nibbles;    // 2 bytes: [0][0] [0][1] [1][0] [1][1]
    pair_t[2]    pairs;      // 2 bytes
}
struct headers { sel_t sel; data_t data; }
struct metadata { }

parser P(packet_in pk, out headers hdr, inout metadata m, inout standard_metadata_t sm) {
    state start { pk.extract(hdr.sel); pk.extract(hdr.data); transition accept; }
}

control V(inout headers hdr, inout metadata m) { apply {} }

control I(inout headers hdr, inout metadata m, inout standard_metadata_t sm) {
    apply {
        sm.egress_spec = 1;
        bit<8>[4] saved = hdr.data.bytes;       // a copy: later writes do not reach it
        hdr.data.bytes[0] = hdr.data.bytes[3];
        hdr.data.bytes[hdr.sel.i] = 0xee;       // skipped when i >= 4
        hdr.data.nibbles[hdr.sel.i][hdr.sel.j] = hdr.data.nibbles[0][0];
        pair_t p = hdr.data.pairs[1];
        hdr.data.pairs[1].hi = hdr.data.pairs[0].lo;
        hdr.data.pairs[0] = p;
        bit<8> total = 0;
        for (bit<8> b in saved) {
            total = total + b;
        }
        hdr.sel.sum = total + (bit<8>)saved.size;
        hdr.sel.same = (saved == hdr.data.bytes) ? 8w1 : 8w0;
        hash(hdr.sel.x, HashAlgorithm.xor16, 16w0, { hdr.data.bytes }, 32w65536);
    }
}

control E(inout headers hdr, inout metadata m, inout standard_metadata_t sm) { apply {} }
control C(inout headers hdr, inout metadata m) { apply {} }
control D(packet_out pk, in headers hdr) { apply { pk.emit(hdr); } }

V1Switch(P(), V(), I(), E(), C(), D()) main;
