/* Controller packet I/O: packet-out from the CPU port, packet-in to it (P4Runtime Packet I/O). */
#ifndef __FANTEL_PACKET_IO__
#define __FANTEL_PACKET_IO__

control PacketIoIngress(inout headers_t hdr,
                        inout local_md_t md,
                        inout fantel_intr_md_t intr) {
    apply {
        if (hdr.packet_out.isValid()) {
            /* Sent as-is out of the requested port; FastReroute still stamps probes. */
            intr.egress_spec = hdr.packet_out.egress_port;
            /* Probes judge liveness by silence: they must never wait behind a data backlog. */
            intr.priority = QUEUE_PRIORITY_CONTROL;
            hdr.packet_out.setInvalid();
            md.bypass = true;
        }
    }
}

control PacketIoEgress(inout headers_t hdr,
                       inout local_md_t md,
                       inout fantel_intr_md_t intr) {
    apply {
        if (intr.egress_port == CPU_PORT) {
            hdr.packet_in.setValid();
            hdr.packet_in.ingress_port = intr.ingress_port;
            hdr.packet_in._pad = 0;
            hdr.packet_in.reason = PKT_IN_REASON_FN;
        }
    }
}

#endif  /* __FANTEL_PACKET_IO__ */
