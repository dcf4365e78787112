#include <core.p4>
#include <v1model.p4>
header ipv4_t { bit<4> version; bit<4> ihl; bit<8> ttl; bit<16> hdrChecksum; bit<32> srcAddr; bit<32> dstAddr; }
struct meta_t { bit<32> l2ptr; }
struct headers_t { ipv4_t ipv4; }
action my_drop(inout standard_metadata_t smeta) { mark_to_drop(smeta); }
parser ParserImpl(packet_in packet, out headers_t hdr, inout meta_t meta, inout standard_metadata_t standard_metadata) {
    const bit<16> ETHERTYPE_IPV4 = 16w0x0800;
    state start { packet.extract(hdr.ipv4); transition select(hdr.ipv4.version) { 4: accept; default: reject; } }
}
control fill(out bit<32> a, in bit<8> b0, in bit<8> b1) { apply { a = b0 ++ b1 ++ b0 ++ b1; } }
control ingress(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t standard_metadata) {
    fill() c_fill;
    const bit<32> K = 0xe50b;
    action do_resubmit(bit<32> x) { hdr.ipv4.dstAddr = x; resubmit({}); }
    action do_clone(bit<32> l2ptr) { clone3(CloneType.I2E, 5, {}); meta.l2ptr = l2ptr; }
    table t {
        key = { hdr.ipv4.dstAddr: lpm; }
        actions = { do_resubmit; do_clone; my_drop(standard_metadata); }
        default_action = my_drop(standard_metadata);
    }
    apply {
        if (standard_metadata.instance_type == 6) { c_fill.apply(hdr.ipv4.srcAddr, 10, 252); meta.l2ptr = K; }
        else { t.apply(); }
    }
}
control egress(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t standard_metadata) {
    apply { recirculate({}); }
}
control DeparserImpl(packet_out packet, in headers_t hdr) { apply { packet.emit(hdr.ipv4); } }
control verifyChecksum(inout headers_t hdr, inout meta_t meta) {
    apply { verify_checksum(hdr.ipv4.isValid() && hdr.ipv4.ihl == 5, { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.srcAddr }, hdr.ipv4.hdrChecksum, HashAlgorithm.csum16); }
}
control computeChecksum(inout headers_t hdr, inout meta_t meta) {
    apply { update_checksum(hdr.ipv4.isValid(), { hdr.ipv4.version, hdr.ipv4.ihl }, hdr.ipv4.hdrChecksum, HashAlgorithm.csum16); }
}
V1Switch(ParserImpl(), verifyChecksum(), ingress(), egress(), computeChecksum(), DeparserImpl()) main;
