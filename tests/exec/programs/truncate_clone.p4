// truncate() and clones as BMv2 simple_switch does them: Packet::truncate keeps the
// smallest length asked in ingress or egress; copies made by the replication engine and
// by clone start untruncated; a clone may clone again in egress; recirculate and clone
// in the same egress both happen; recirculate() called in ingress takes effect after
// egress, for the packet itself but not for multicast copies. Egress writes
// instance_type and egress_port into the source MAC.
#include <core.p4>
#include <v1model.p4>

header eth_t { bit<48> dst; bit<48> src; bit<16> type; }
struct headers { eth_t eth; }
struct metadata { }

parser P(packet_in pkt, out headers hdr, inout metadata meta, inout standard_metadata_t sm) {
    state start { pkt.extract(hdr.eth); transition accept; }
}

control VC(inout headers hdr, inout metadata meta) { apply { } }

control I(inout headers hdr, inout metadata meta, inout standard_metadata_t sm) {
    apply {
        sm.egress_spec = 1;
        if (sm.instance_type == 4) {
            sm.egress_spec = 3;
            hdr.eth.type = 0x66;
        } else if (hdr.eth.type == 1) {
            truncate(20);
        } else if (hdr.eth.type == 2) {
            truncate(16);
        } else if (hdr.eth.type == 3) {
            truncate(16);
            sm.mcast_grp = 7;
        } else if (hdr.eth.type == 4) {
            truncate(16);
            clone(CloneType.I2E, 5);
        } else if (hdr.eth.type == 7) {
            recirculate_preserving_field_list(0);
        } else if (hdr.eth.type == 8) {
            recirculate_preserving_field_list(0);
            sm.mcast_grp = 7;
        }
    }
}

control E(inout headers hdr, inout metadata meta, inout standard_metadata_t sm) {
    apply {
        hdr.eth.src = sm.instance_type[7:0] ++ 24w0 ++ (bit<16>) sm.egress_port;
        if (hdr.eth.type == 1) {
            truncate(16);
        } else if (hdr.eth.type == 2) {
            truncate(20);
        } else if (hdr.eth.type == 5) {
            if (sm.instance_type == 0) {
                clone(CloneType.E2E, 6);
            } else if (sm.instance_type == 2 && sm.egress_port == 7) {
                clone(CloneType.E2E, 8);
            }
        } else if (hdr.eth.type == 6 && sm.instance_type == 0) {
            clone(CloneType.E2E, 6);
            recirculate_preserving_field_list(0);
        }
    }
}

control CC(inout headers hdr, inout metadata meta) { apply { } }
control D(packet_out pkt, in headers hdr) { apply { pkt.emit(hdr.eth); } }

V1Switch(P(), VC(), I(), E(), CC(), D()) main;
