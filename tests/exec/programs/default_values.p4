// P4_16 1.2.4 default values and invalid headers: `...` alone and closing struct, tuple and
// nested initializers (enum, serializable enum, error, bool, tuple defaults), `{#}` assigned
// to a header union, a header (with a cast) and a union member; compile-time known struct and
// tuple constants used as function arguments and initializers.
#include <core.p4>
#include <v1model.p4>
enum E { A, B }
enum bit<8> SE { X = 3, Y = 4 }
header h_t { bit<8> a; bit<8> b; }
header g_t { bit<16> c; }
header_union u_t { h_t h; g_t g; }
struct in_t { bit<8> x; E e; }
struct S { in_t i; SE se; error err; bool f; tuple<bit<8>, bool> t; }
struct headers { h_t h; u_t u; h_t o; }
struct metadata { S s; }
parser P(packet_in pkt, out headers hdr, inout metadata meta, inout standard_metadata_t sm) {
    state start { pkt.extract(hdr.h); pkt.extract(hdr.u.h); transition accept; }
}
const in_t K = {x = 9, e = E.B};
const tuple<bit<8>, bit<8>> TT = {3, 4};

bit<8> twice(in in_t v) { return v.x + v.x; }
control I(inout headers hdr, inout metadata meta, inout standard_metadata_t sm) {
    apply {
        sm.egress_spec = 1;
        S s = { i = ..., ... };
        tuple<bit<8>, bool> t2 = { 7, ... };
        in_t five = { x = 5, ... };  // p4c accepts {..., ...} to initialize, not as an argument
        hdr.o = { a = twice(five) + twice(K) + TT[1], b = t2[0] };
        in_t k2 = K;
        if (k2.e == E.B) {
            hdr.o.b = hdr.o.b + k2.x;
        }
        if (s.i.e == E.A && s.err == error.NoError && !s.f && s.se == (SE)0 && s.t[0] == 0 && !t2[1]) {
            hdr.o.b = hdr.o.b + 0x10;
        }
        if (hdr.u.h.a == 1) { hdr.u = {#}; }
        if (hdr.h.a == 2) { hdr.h = (h_t){#}; }
        if (hdr.h.a == 3) { hdr.u.h = {#}; hdr.u.g = {c = 0x1234}; }
    }
}
control E2(inout headers hdr, inout metadata meta, inout standard_metadata_t sm) { apply {} }
control VC(inout headers hdr, inout metadata meta) { apply {} }
control CC(inout headers hdr, inout metadata meta) { apply {} }
control D(packet_out pkt, in headers hdr) { apply { pkt.emit(hdr); } }
V1Switch(P(), VC(), I(), E2(), CC(), D()) main;
