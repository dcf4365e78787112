// A stack of header unions: extract into hs.next.member pushes the stack and invalidates
// the sibling member; emit writes each element's valid member in order.
#include <core.p4>
#include <v1model.p4>
header a_t { bit<8> t; bit<8> v; }
header b_t { bit<8> t; bit<16> w; }
header_union u_t { a_t a; b_t b; }
header cnt_t { bit<8> n; bit<8> valid_mask; bit<8> last; }
struct headers { cnt_t c; u_t[3] us; }
struct metadata { }
parser P(packet_in pkt, out headers hdr, inout metadata meta, inout standard_metadata_t sm) {
    state start { pkt.extract(hdr.c); transition next; }
    state next {
        transition select(pkt.lookahead<bit<8>>()) {
            1: pa;
            2: pb;
            default: accept;
        }
    }
    state pa { pkt.extract(hdr.us.next.a); transition next; }
    state pb { pkt.extract(hdr.us.next.b); transition next; }
}
control VC(inout headers hdr, inout metadata meta) { apply { } }
control I(inout headers hdr, inout metadata meta, inout standard_metadata_t sm) {
    apply {
        sm.egress_spec = 1;
        hdr.c.n = 1;
        if (hdr.us[0].isValid()) { hdr.c.valid_mask[0:0] = 1; }
        if (hdr.us[1].isValid()) { hdr.c.valid_mask[1:1] = 1; }
        if (hdr.us[2].isValid()) { hdr.c.valid_mask[2:2] = 1; }
        if (hdr.us[1].b.isValid()) { hdr.c.last = 0xbb; }
        if (hdr.us[1].a.isValid()) { hdr.c.last = 0xaa; }
    }
}
control E(inout headers hdr, inout metadata meta, inout standard_metadata_t sm) { apply { } }
control CC(inout headers hdr, inout metadata meta) { apply { } }
control D(packet_out pkt, in headers hdr) { apply { pkt.emit(hdr); } }
V1Switch(P(), VC(), I(), E(), CC(), D()) main;
