// The deprecated v1model Checksum16 extern: get() is the csum16 of the packed fields.
#include <core.p4>
#include <v1model.p4>
header h_t { bit<16> a; bit<16> b; bit<16> ck; }
struct headers { h_t h; }
struct metadata { }
parser P(packet_in pkt, out headers hdr, inout metadata meta, inout standard_metadata_t sm) {
    state start { pkt.extract(hdr.h); transition accept; }
}
control VC(inout headers hdr, inout metadata meta) { apply { } }
control I(inout headers hdr, inout metadata meta, inout standard_metadata_t sm) {
    Checksum16() ck;
    apply {
        sm.egress_spec = 1;
        hdr.h.ck = ck.get({ hdr.h.a, hdr.h.b });
    }
}
control E(inout headers hdr, inout metadata meta, inout standard_metadata_t sm) { apply { } }
control CC(inout headers hdr, inout metadata meta) { apply { } }
control D(packet_out pkt, in headers hdr) { apply { pkt.emit(hdr); } }
V1Switch(P(), VC(), I(), E(), CC(), D()) main;
