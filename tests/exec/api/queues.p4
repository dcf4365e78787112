// Queueing metadata: the packet's low byte of etherType picks standard_metadata.priority;
// egress writes qdepth and queue delay into the packet.
#include <core.p4>
#include <v1model.p4>

header eth_t { bit<48> dst; bit<48> src; bit<16> type; }
header q_t { bit<32> enq_ts; bit<32> deq_delta; bit<8> enq_depth; bit<8> deq_depth; bit<8> prio; }
struct headers { eth_t eth; q_t q; }
struct metadata { }

parser P(packet_in pkt, out headers hdr, inout metadata meta, inout standard_metadata_t sm) {
    state start { pkt.extract(hdr.eth); pkt.extract(hdr.q); transition accept; }
}
control VC(inout headers hdr, inout metadata meta) { apply { } }
control I(inout headers hdr, inout metadata meta, inout standard_metadata_t sm) {
    apply {
        sm.egress_spec = 1;
        sm.priority = hdr.eth.type[2:0];
    }
}
control E(inout headers hdr, inout metadata meta, inout standard_metadata_t sm) {
    apply {
        hdr.q.enq_ts = sm.enq_timestamp;
        hdr.q.deq_delta = sm.deq_timedelta;
        hdr.q.enq_depth = (bit<8>) sm.enq_qdepth;
        hdr.q.deq_depth = (bit<8>) sm.deq_qdepth;
        hdr.q.prio = (bit<8>) sm.priority;
    }
}
control CC(inout headers hdr, inout metadata meta) { apply { } }
control D(packet_out pkt, in headers hdr) { apply { pkt.emit(hdr); } }
V1Switch(P(), VC(), I(), E(), CC(), D()) main;
