/*
 * v1model glue: the V1Switch parser, checksum controls and deparser around the shared header
 * parser. The translation between standard_metadata and fantel_intr_md_t (include/intr_md.p4)
 * is written out at both ends of FantelIngress and FantelEgress (fantel_v1model.p4): as
 * controls of their own it cost the executor two applies per packet and pipeline.
 */
#ifndef __FANTEL_GLUE_V1MODEL__
#define __FANTEL_GLUE_V1MODEL__

parser FantelParser(packet_in packet,
                    out headers_t hdr,
                    inout local_md_t md,
                    inout standard_metadata_t standard_md) {
    FantelHeaderParser() header_parser;

    state start {
        header_parser.apply(packet, hdr, md, (bit<1>)(standard_md.ingress_port == CPU_PORT));
        transition accept;
    }
}

control FantelVerifyChecksum(inout headers_t hdr, inout local_md_t md) {
    apply {
        verify_checksum(hdr.ipv4.isValid(),
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.dscp, hdr.ipv4.ecn,
              hdr.ipv4.total_len, hdr.ipv4.identification, hdr.ipv4.flags,
              hdr.ipv4.frag_offset, hdr.ipv4.ttl, hdr.ipv4.protocol,
              hdr.ipv4.src_addr, hdr.ipv4.dst_addr },
            hdr.ipv4.hdr_checksum, HashAlgorithm.csum16);
    }
}

control FantelComputeChecksum(inout headers_t hdr, inout local_md_t md) {
    apply {
        update_checksum(hdr.ipv4.isValid(),
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.dscp, hdr.ipv4.ecn,
              hdr.ipv4.total_len, hdr.ipv4.identification, hdr.ipv4.flags,
              hdr.ipv4.frag_offset, hdr.ipv4.ttl, hdr.ipv4.protocol,
              hdr.ipv4.src_addr, hdr.ipv4.dst_addr },
            hdr.ipv4.hdr_checksum, HashAlgorithm.csum16);
    }
}

/* headers_t lists the headers in wire order: emitting it emits each valid one in turn. */
control FantelDeparser(packet_out packet, in headers_t hdr) {
    apply {
        packet.emit(hdr);
    }
}

#endif  /* __FANTEL_GLUE_V1MODEL__ */
