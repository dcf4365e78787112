/*
 * A small v1model L2 switch that exercises every P4Runtime feature the embedded target serves:
 * PacketIn/PacketOut (@controller_header), MAC learning digests, an exact-match forwarding table
 * with a direct counter and idle timeout, multicast flooding, a per-port counter, a register and
 * a ternary ACL. Used by tests/p4rt (root namespace tests, p4runtime-shell) and bench/p4rt.py.
 *
 * Frames with ether_type 0x88B5 (IEEE local experimental) go to the CPU as PacketIn.
 * A PacketOut leaves on packet_out.egress_port; egress_port 0 means "run the pipeline" instead.
 */
#include <core.p4>
#include <v1model.p4>

#define CPU_PORT 255
const bit<16> ETHERTYPE_TO_CPU = 0x88B5;

@controller_header("packet_in")
header packet_in_h {
    bit<9> ingress_port;
    bit<7> pad;
}

@controller_header("packet_out")
header packet_out_h {
    bit<9> egress_port;
    bit<7> pad;
}

header ethernet_h {
    bit<48> dst_addr;
    bit<48> src_addr;
    bit<16> ether_type;
}

struct headers_t {
    packet_out_h packet_out;
    packet_in_h  packet_in;
    ethernet_h   ethernet;
}

struct learn_t {
    bit<48> src_addr;
    bit<9>  ingress_port;
}

struct metadata_t {
    bit<1> unused;
}

parser SwParser(packet_in packet, out headers_t hdr, inout metadata_t meta,
                inout standard_metadata_t standard_md) {
    state start {
        transition select(standard_md.ingress_port) {
            CPU_PORT: parse_packet_out;
            default: parse_ethernet;
        }
    }

    state parse_packet_out {
        packet.extract(hdr.packet_out);
        transition parse_ethernet;
    }

    state parse_ethernet {
        packet.extract(hdr.ethernet);
        transition accept;
    }
}

control SwVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control SwIngress(inout headers_t hdr, inout metadata_t meta,
                  inout standard_metadata_t standard_md) {
    counter(512, CounterType.packets_and_bytes) port_rx;
    register<bit<32>>(512) last_len;
    direct_counter(CounterType.packets_and_bytes) fwd_hits;

    action drop() {
        mark_to_drop(standard_md);
    }

    action forward(bit<9> port) {
        standard_md.egress_spec = port;
    }

    action flood(bit<16> group) {
        standard_md.mcast_grp = group;
    }

    action to_cpu() {
        standard_md.egress_spec = CPU_PORT;
    }

    table fwd {
        key = { hdr.ethernet.dst_addr: exact @name("dst_addr"); }
        actions = { forward; flood; drop; }
        default_action = drop();
        counters = fwd_hits;
        support_timeout = true;
        size = 65536;
    }

    action learned() { }

    table smac {
        key = { hdr.ethernet.src_addr: exact @name("src_addr"); }
        actions = { learned; NoAction; }
        default_action = NoAction();
        size = 65536;
    }

    table acl {
        key = {
            hdr.ethernet.ether_type: ternary @name("ether_type");
            standard_md.ingress_port: range @name("ingress_port");
        }
        actions = { to_cpu; drop; NoAction; }
        default_action = NoAction();
        size = 256;
    }

    apply {
        if (hdr.packet_out.isValid()) {
            hdr.packet_out.setInvalid();
            if (hdr.packet_out.egress_port != 0) {
                standard_md.egress_spec = hdr.packet_out.egress_port;
                return;
            }
        }
        port_rx.count((bit<32>)standard_md.ingress_port);
        last_len.write((bit<32>)standard_md.ingress_port, standard_md.packet_length);
        if (hdr.ethernet.ether_type == ETHERTYPE_TO_CPU) {
            to_cpu();
            return;
        }
        if (!smac.apply().hit) {
            digest<learn_t>(1, { hdr.ethernet.src_addr, standard_md.ingress_port });
        }
        fwd.apply();
        acl.apply();
    }
}

control SwEgress(inout headers_t hdr, inout metadata_t meta,
                 inout standard_metadata_t standard_md) {
    apply {
        if (standard_md.egress_port == CPU_PORT) {
            hdr.packet_in.setValid();
            hdr.packet_in.ingress_port = standard_md.ingress_port;
        } else if (standard_md.mcast_grp != 0 && standard_md.egress_port == standard_md.ingress_port) {
            mark_to_drop(standard_md);  // no flooding back out of the arrival port
        }
    }
}

control SwComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control SwDeparser(packet_out packet, in headers_t hdr) {
    apply {
        packet.emit(hdr.packet_in);
        packet.emit(hdr.ethernet);
    }
}

V1Switch(SwParser(), SwVerifyChecksum(), SwIngress(), SwEgress(), SwComputeChecksum(),
         SwDeparser()) main;
