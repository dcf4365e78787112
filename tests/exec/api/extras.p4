// Hashes, an action selector, a direct counter and meter, and a digest, driven from the
// Python Switch API tests.
#include <core.p4>
#include <v1model.p4>

header eth_t { bit<48> dst; bit<48> src; bit<16> type; }
header d_t {
    bit<32> a; bit<32> b;
    bit<16> h_crc16; bit<32> h_crc32; bit<16> h_csum; bit<16> h_xor; bit<16> h_ident; bit<16> h_mod;
    bit<8> color;
}
struct headers { eth_t eth; d_t d; }
struct metadata { }
struct learn_t { bit<48> src; bit<9> port; }

parser P(packet_in pkt, out headers hdr, inout metadata meta, inout standard_metadata_t sm) {
    state start { pkt.extract(hdr.eth); pkt.extract(hdr.d); transition accept; }
}

control VC(inout headers hdr, inout metadata meta) { apply { } }

control I(inout headers hdr, inout metadata meta, inout standard_metadata_t sm) {
    action_selector(HashAlgorithm.crc16, 32w64, 32w14) sel;
    direct_meter<bit<8>>(MeterType.packets) dm;
    action fwd(bit<9> port) { sm.egress_spec = port; }
    action colour() { dm.read(hdr.d.color); }
    table t_sel {
        key = { hdr.eth.type: exact; hdr.d.a: selector; }
        actions = { fwd; NoAction; }
        implementation = sel;
    }
    table t_meter {
        key = { hdr.eth.dst: exact; }
        actions = { colour; NoAction; }
        meters = dm;
    }
    apply {
        hash(hdr.d.h_crc16, HashAlgorithm.crc16, 16w0, { hdr.d.a, hdr.d.b }, 32w65536);
        hash(hdr.d.h_crc32, HashAlgorithm.crc32, 32w0, { hdr.d.a, hdr.d.b }, 64w4294967296);
        hash(hdr.d.h_csum, HashAlgorithm.csum16, 16w0, { hdr.d.a, hdr.d.b }, 32w65536);
        hash(hdr.d.h_xor, HashAlgorithm.xor16, 16w0, { hdr.d.a, hdr.d.b }, 32w65536);
        hash(hdr.d.h_ident, HashAlgorithm.identity, 16w0, { hdr.d.b }, 32w65536);
        hash(hdr.d.h_mod, HashAlgorithm.crc32, 16w100, { hdr.d.a }, 32w10);
        sm.egress_spec = 1;
        t_sel.apply();
        t_meter.apply();
        digest<learn_t>(1, { hdr.eth.src, sm.ingress_port });
        // BMv2 reads a digest's fields at the end of ingress, not at the call.
        if (hdr.d.b == 0xD16E57) { hdr.eth.src = 0xBB; }
    }
}

control E(inout headers hdr, inout metadata meta, inout standard_metadata_t sm) { apply { } }
control CC(inout headers hdr, inout metadata meta) { apply { } }
control D(packet_out pkt, in headers hdr) { apply { pkt.emit(hdr); } }

V1Switch(P(), VC(), I(), E(), CC(), D()) main;
