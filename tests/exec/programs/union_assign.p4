// Assigning a header to a header-union member: a valid source leaves that member the
// union's only valid one (BMv2 mark_valid); an invalid source invalidates only it.
#include <core.p4>
#include <v1model.p4>
header a_t { bit<8> v; }
header b_t { bit<16> w; }
header_union u_t { a_t a; b_t b; }
struct headers { a_t x; u_t u; u_t u2; a_t y; }
struct metadata { }
parser P(packet_in pkt, out headers hdr, inout metadata meta, inout standard_metadata_t sm) {
    state start { pkt.extract(hdr.x); pkt.extract(hdr.u.b); transition accept; }
}
control VC(inout headers hdr, inout metadata meta) { apply { } }
control I(inout headers hdr, inout metadata meta, inout standard_metadata_t sm) {
    apply {
        sm.egress_spec = 1;
        hdr.u2 = hdr.u;
        hdr.u.a = hdr.x;
        hdr.u2.a = hdr.y;
    }
}
control E(inout headers hdr, inout metadata meta, inout standard_metadata_t sm) { apply { } }
control CC(inout headers hdr, inout metadata meta) { apply { } }
control D(packet_out pkt, in headers hdr) { apply { pkt.emit(hdr); } }
V1Switch(P(), VC(), I(), E(), CC(), D()) main;
