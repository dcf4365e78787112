// A control may share its name with an extern function (p4c issue1653-complex-bmv2.p4).
#include <core.p4>
#include <v1model.p4>
header h_t { bit<16> a; bit<16> csum; }
struct headers { h_t h; }
struct meta_t {}
parser P(packet_in b, out headers hdr, inout meta_t m, inout standard_metadata_t sm) {
    state start { b.extract(hdr.h); transition accept; }
}
control verify_checksum(inout headers hdr, inout meta_t m) {
    apply {}
}
control Ing(inout headers hdr, inout meta_t m, inout standard_metadata_t sm) { apply {} }
control Eg(inout headers hdr, inout meta_t m, inout standard_metadata_t sm) { apply {} }
control update_checksum(inout headers hdr, inout meta_t m) {
    apply {}
}
control D(packet_out b, in headers hdr) { apply { b.emit(hdr.h); } }
V1Switch(P(), verify_checksum(), Ing(), Eg(), update_checksum(), D()) main;
