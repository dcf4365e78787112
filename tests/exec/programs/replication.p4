// Packet replication: I2E and E2E clones with a preserved field list, multicast with
// egress_rid, resubmit, recirculate and truncate. Egress reports what it sees in the
// source MAC: instance_type, meta.kept, meta.lost, egress_rid, egress_port. As in BMv2,
// resubmitted and recirculated packets are NORMAL again once they reach egress.
#include <core.p4>
#include <v1model.p4>

header eth_t { bit<48> dst; bit<48> src; bit<16> type; }
struct headers { eth_t eth; }
struct metadata {
    @field_list(1) bit<8> kept;
    bit<8> lost;
}

parser P(packet_in pkt, out headers hdr, inout metadata meta, inout standard_metadata_t sm) {
    state start { pkt.extract(hdr.eth); transition accept; }
}

control VC(inout headers hdr, inout metadata meta) { apply { } }

control I(inout headers hdr, inout metadata meta, inout standard_metadata_t sm) {
    apply {
        if (sm.instance_type == 0) {
            meta.kept = 0x11;
            meta.lost = 0x22;
            sm.egress_spec = 1;
            if (hdr.eth.type == 1) {
                clone_preserving_field_list(CloneType.I2E, 5, 1);
                hdr.eth.dst = 0xAAAAAAAAAAAA;
            } else if (hdr.eth.type == 2) {
                sm.mcast_grp = 7;
            } else if (hdr.eth.type == 3) {
                resubmit_preserving_field_list(1);
            } else if (hdr.eth.type == 5) {
                truncate(16);
            } else if (hdr.eth.type == 7) {
                mark_to_drop(sm);
            }
        } else if (sm.instance_type == 6) {
            sm.egress_spec = 2;
        } else if (sm.instance_type == 4) {
            sm.egress_spec = 3;
        }
    }
}

control E(inout headers hdr, inout metadata meta, inout standard_metadata_t sm) {
    apply {
        hdr.eth.src = sm.instance_type[7:0] ++ meta.kept ++ meta.lost ++ sm.egress_rid[7:0]
                      ++ (bit<16>) sm.egress_port;
        if (meta.lost == 0x22 && hdr.eth.type == 4) {
            recirculate_preserving_field_list(1);
        }
        if (meta.lost == 0x22 && hdr.eth.type == 6) {
            clone_preserving_field_list(CloneType.E2E, 6, 1);
        }
    }
}

control CC(inout headers hdr, inout metadata meta) { apply { } }
control D(packet_out pkt, in headers hdr) { apply { pkt.emit(hdr.eth); } }

V1Switch(P(), VC(), I(), E(), CC(), D()) main;
