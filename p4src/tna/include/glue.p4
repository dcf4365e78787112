/*
 * TNA glue (every block lists all of TNA's parameters, @optional ones included): the headers
 * and metadata TNA moves between its blocks, the parsers and deparsers
 * around the shared header parser, and the translation between TNA's intrinsic metadata and
 * fantel_intr_md_t (include/intr_md.p4).
 *
 * Ingress to egress, TNA carries only bytes: a bridged_md_h in front of the packet holds what
 * the egress controls read of local_md_t. An FN copy (I2E or E2E mirror) starts with an
 * fn_mirror_h holding fn_md_t, the part BMv2 preserves with @field_list(FL_FN). The first
 * byte (kind) tells the egress parser which of the two leads.
 */
#ifndef __FANTEL_GLUE_TNA__
#define __FANTEL_GLUE_TNA__

const bit<8> PKT_KIND_BRIDGED = 0;
const bit<8> PKT_KIND_FN_COPY = 1;

header bridged_md_h {
    bit<8>      kind;               /* PKT_KIND_BRIDGED */
    bit<1>      sem_trusted;
    @padding bit<6> _pad0;
    PortId_t    ingress_port;
    bit<4>      tclass;
    @padding bit<4> _pad1;
    flow_hash_t flow_hash;
    mac_addr_t  eth_src;
    ipv4_addr_t ipv4_src;
    ipv4_addr_t ipv4_dst;
    bit<8>      ip_proto;
    l4_port_t   l4_sport;
    l4_port_t   l4_dport;
    bit<24>     dest_qp;
    timestamp_t fn_min_interval;
    bit<16>     fn_lifetime;
    node_id_t   node_id;
    ipv4_addr_t node_ip;
    mac_addr_t  node_mac;
}

header fn_mirror_h {
    bit<8>      kind;               /* PKT_KIND_FN_COPY */
    bit<1>      from_cpu;           /* I2E copy of a packet-out: packet_out_h follows */
    @padding bit<6> _pad0;
    PortId_t    ingress_port;
    fn_md_t     fn;                 /* 635 bits */
    @padding bit<5> _pad1;
}

struct tna_headers_t {
    bridged_md_h bridged;
    fn_mirror_h  fn_copy;
    headers_t    fantel;
}

/* Ingress and egress metadata: the shared controls' two structs. */
struct tna_md_t {
    local_md_t       md;
    fantel_intr_md_t intr;
}

parser FantelIngressParser(packet_in pkt,
                           out tna_headers_t hdr,
                           out tna_md_t ig_md,
                           out ingress_intrinsic_metadata_t ig_intr_md,
                           out ingress_intrinsic_metadata_for_tm_t ig_tm_md,
                           out ingress_intrinsic_metadata_from_parser_t ig_prsr_md) {
    FantelHeaderParser() header_parser;
    Checksum() ipv4_checksum;

    state start {
        pkt.extract(ig_intr_md);
        pkt.advance(PORT_METADATA_SIZE);
        header_parser.apply(pkt, hdr.fantel, ig_md.md,
                            (bit<1>)(ig_intr_md.ingress_port == CPU_PORT));
        transition check_ipv4;
    }

    /* remains to check with bf-p4c: it may require the checksum in the state that extracts
       IPv4 (inside the shared parser), see tna/README.md */
    state check_ipv4 {
        ipv4_checksum.add(hdr.fantel.ipv4);
        ig_md.intr.checksum_error = hdr.fantel.ipv4.isValid() && !ipv4_checksum.verify();
        transition accept;
    }
}

parser FantelEgressParser(packet_in pkt,
                          out tna_headers_t hdr,
                          out tna_md_t eg_md,
                          out egress_intrinsic_metadata_t eg_intr_md,
                          out egress_intrinsic_metadata_from_parser_t eg_prsr_md,
                          out egress_intrinsic_metadata_for_deparser_t eg_dprsr_md) {
    FantelHeaderParser() header_parser;

    state start {
        pkt.extract(eg_intr_md);
        transition select(pkt.lookahead<bit<8>>()) {
            PKT_KIND_BRIDGED: parse_bridged;
            default: parse_fn_copy;
        }
    }

    state parse_bridged {
        pkt.extract(hdr.bridged);
        header_parser.apply(pkt, hdr.fantel, eg_md.md, 0);
        transition accept;
    }

    state parse_fn_copy {
        pkt.extract(hdr.fn_copy);
        header_parser.apply(pkt, hdr.fantel, eg_md.md, hdr.fn_copy.from_cpu);
        transition accept;
    }
}

/* Ingress start: intrinsic metadata -> what the shared controls read; requests empty. */
control IngressIntrMdIn(in tna_headers_t hdr,
                        inout tna_md_t ig_md,
                        in ingress_intrinsic_metadata_t ig_intr_md,
                        in ingress_intrinsic_metadata_from_parser_t ig_prsr_md) {
    apply {
        ig_md.intr.ingress_port = ig_intr_md.ingress_port;
        ig_md.intr.ingress_ts = ig_intr_md.ingress_mac_tstamp >> 10;   /* ns -> ~us */
        /* TNA ingress knows no packet length: the IPv4 one (Status counts routed IPv4). */
        ig_md.intr.packet_length = 0;
        if (hdr.fantel.ipv4.isValid()) {
            ig_md.intr.packet_length = (bit<32>)(hdr.fantel.ipv4.total_len + ETH_HDR_LEN);
        }
        /* parser_err holds hardware flags, not the program's error codes: every error is
           PARSER_OTHER to Filtering (see tna/README.md) */
        ig_md.intr.parser_error = error.NoError;
        if (ig_prsr_md.parser_err != 0) {
            ig_md.intr.parser_error = error.NoMatch;
        }
        ig_md.intr.egress_spec = 0;
        ig_md.intr.priority = 0;
        ig_md.intr.drop = false;
        ig_md.intr.clone = false;
        ig_md.intr.clone_session = 0;
        ig_md.intr.arch.digest_type = 0;
    }
}

/* Ingress end: requests -> TM and deparser metadata; what egress needs -> bridged header. */
control IngressIntrMdOut(inout tna_headers_t hdr,
                         in tna_md_t ig_md,
                         inout ingress_intrinsic_metadata_for_deparser_t ig_dprsr_md,
                         inout ingress_intrinsic_metadata_for_tm_t ig_tm_md) {
    apply {
        ig_tm_md.ucast_egress_port = ig_md.intr.egress_spec;
        ig_tm_md.qid = (QueueId_t)ig_md.intr.priority;
        ig_tm_md.ingress_cos = ig_md.intr.priority;
        if (ig_md.intr.drop) {
            ig_dprsr_md.drop_ctl = 1;
        }
        if (ig_md.intr.clone) {
            ig_dprsr_md.mirror_type = MIRROR_TYPE_FN;
        }
        ig_dprsr_md.digest_type = ig_md.intr.arch.digest_type;

        hdr.bridged.setValid();
        hdr.bridged.kind = PKT_KIND_BRIDGED;
        hdr.bridged.sem_trusted = (bit<1>)ig_md.md.sem_trusted;
        hdr.bridged._pad0 = 0;
        hdr.bridged.ingress_port = ig_md.intr.ingress_port;
        hdr.bridged.tclass = ig_md.md.lkp.tclass;
        hdr.bridged._pad1 = 0;
        hdr.bridged.flow_hash = ig_md.md.lkp.flow_hash;
        hdr.bridged.eth_src = ig_md.md.lkp.eth_src;
        hdr.bridged.ipv4_src = ig_md.md.lkp.ipv4_src;
        hdr.bridged.ipv4_dst = ig_md.md.lkp.ipv4_dst;
        hdr.bridged.ip_proto = ig_md.md.lkp.ip_proto;
        hdr.bridged.l4_sport = ig_md.md.lkp.l4_sport;
        hdr.bridged.l4_dport = ig_md.md.lkp.l4_dport;
        hdr.bridged.dest_qp = ig_md.md.lkp.dest_qp;
        hdr.bridged.fn_min_interval = ig_md.md.cfg.fn_min_interval;
        hdr.bridged.fn_lifetime = ig_md.md.cfg.fn_lifetime;
        hdr.bridged.node_id = ig_md.md.fn.node_id;
        hdr.bridged.node_ip = ig_md.md.fn.node_ip;
        hdr.bridged.node_mac = ig_md.md.fn.node_mac;
    }
}

control FantelIngressDeparser(packet_out pkt,
                              inout tna_headers_t hdr,
                              in tna_md_t ig_md,
                              in ingress_intrinsic_metadata_for_deparser_t ig_dprsr_md,
                              in ingress_intrinsic_metadata_t ig_intr_md) {
    Checksum() ipv4_checksum;
    Mirror(MIRROR_TYPE_FN) fn_mirror;
    Digest<status_digest_t>(DIGEST_TYPE_STATUS) status_digest;
    Digest<auth_digest_t>(DIGEST_TYPE_AUTH) auth_digest;

    apply {
        if (ig_dprsr_md.mirror_type == MIRROR_TYPE_FN) {
            fn_mirror.emit<fn_mirror_h>((MirrorId_t)ig_md.intr.clone_session,
                { PKT_KIND_FN_COPY, (bit<1>)(ig_md.intr.ingress_port == CPU_PORT), 0,
                  ig_md.intr.ingress_port, ig_md.md.fn, 0 });
        }
        if (ig_dprsr_md.digest_type == DIGEST_TYPE_STATUS) {
            status_digest.pack(ig_md.intr.arch.status_report);
        } else if (ig_dprsr_md.digest_type == DIGEST_TYPE_AUTH) {
            auth_digest.pack(ig_md.intr.arch.auth_report);
        }
        hdr.fantel.ipv4.hdr_checksum = ipv4_checksum.update(
            { hdr.fantel.ipv4.version, hdr.fantel.ipv4.ihl, hdr.fantel.ipv4.dscp,
              hdr.fantel.ipv4.ecn, hdr.fantel.ipv4.total_len, hdr.fantel.ipv4.identification,
              hdr.fantel.ipv4.flags, hdr.fantel.ipv4.frag_offset, hdr.fantel.ipv4.ttl,
              hdr.fantel.ipv4.protocol, hdr.fantel.ipv4.src_addr, hdr.fantel.ipv4.dst_addr });
        pkt.emit(hdr.bridged);
        pkt.emit(hdr.fantel);
    }
}

/* Egress start: intrinsic metadata and the bridged or mirror header -> the shared view. */
control EgressIntrMdIn(inout tna_headers_t hdr,
                       inout tna_md_t eg_md,
                       in egress_intrinsic_metadata_t eg_intr_md,
                       in egress_intrinsic_metadata_from_parser_t eg_prsr_md) {
    apply {
        eg_md.intr.is_clone = hdr.fn_copy.isValid();
        eg_md.intr.egress_port = eg_intr_md.egress_port;
        eg_md.intr.egress_ts = eg_prsr_md.global_tstamp >> 10;
        eg_md.intr.deq_qdepth = eg_intr_md.deq_qdepth;
        eg_md.intr.deq_timedelta = (bit<32>)(eg_intr_md.deq_timedelta >> 10);
        eg_md.intr.drop = false;
        eg_md.intr.clone = false;
        eg_md.intr.clone_session = 0;
        eg_md.intr.truncate_len = 0;
        if (hdr.fn_copy.isValid()) {
            eg_md.intr.ingress_port = hdr.fn_copy.ingress_port;
            eg_md.md.fn = hdr.fn_copy.fn;
            hdr.fn_copy.setInvalid();
        } else {
            eg_md.intr.ingress_port = hdr.bridged.ingress_port;
            eg_md.md.sem_trusted = hdr.bridged.sem_trusted == 1;
            eg_md.md.lkp.tclass = hdr.bridged.tclass;
            eg_md.md.lkp.flow_hash = hdr.bridged.flow_hash;
            eg_md.md.lkp.eth_src = hdr.bridged.eth_src;
            eg_md.md.lkp.ipv4_src = hdr.bridged.ipv4_src;
            eg_md.md.lkp.ipv4_dst = hdr.bridged.ipv4_dst;
            eg_md.md.lkp.ip_proto = hdr.bridged.ip_proto;
            eg_md.md.lkp.l4_sport = hdr.bridged.l4_sport;
            eg_md.md.lkp.l4_dport = hdr.bridged.l4_dport;
            eg_md.md.lkp.dest_qp = hdr.bridged.dest_qp;
            eg_md.md.cfg.fn_min_interval = hdr.bridged.fn_min_interval;
            eg_md.md.cfg.fn_lifetime = hdr.bridged.fn_lifetime;
            eg_md.md.fn.node_id = hdr.bridged.node_id;
            eg_md.md.fn.node_ip = hdr.bridged.node_ip;
            eg_md.md.fn.node_mac = hdr.bridged.node_mac;
            eg_md.md.fn.cpu_copy = 0;
            hdr.bridged.setInvalid();   /* md.quant_elems: the egress parser counted again */
        }
    }
}

/* Egress end: requests -> deparser metadata. Truncation is the mirror session's max_pkt_len
   (set by the controller), not a per-packet length: see tna/README.md. */
control EgressIntrMdOut(in tna_md_t eg_md,
                        inout egress_intrinsic_metadata_for_deparser_t eg_dprsr_md) {
    apply {
        if (eg_md.intr.drop) {
            eg_dprsr_md.drop_ctl = 1;
        }
        if (eg_md.intr.clone) {
            eg_dprsr_md.mirror_type = MIRROR_TYPE_FN;
        }
    }
}

control FantelEgressDeparser(packet_out pkt,
                             inout tna_headers_t hdr,
                             in tna_md_t eg_md,
                             in egress_intrinsic_metadata_for_deparser_t eg_dprsr_md,
                             in egress_intrinsic_metadata_t eg_intr_md,
                             in egress_intrinsic_metadata_from_parser_t eg_prsr_md) {
    Checksum() ipv4_checksum;
    Mirror(MIRROR_TYPE_FN) fn_mirror;

    apply {
        if (eg_dprsr_md.mirror_type == MIRROR_TYPE_FN) {
            /* as on v1model, the E2E copy's ingress port is 0 */
            fn_mirror.emit<fn_mirror_h>((MirrorId_t)eg_md.intr.clone_session,
                { PKT_KIND_FN_COPY, 0, 0, 0, eg_md.md.fn, 0 });
        }
        hdr.fantel.ipv4.hdr_checksum = ipv4_checksum.update(
            { hdr.fantel.ipv4.version, hdr.fantel.ipv4.ihl, hdr.fantel.ipv4.dscp,
              hdr.fantel.ipv4.ecn, hdr.fantel.ipv4.total_len, hdr.fantel.ipv4.identification,
              hdr.fantel.ipv4.flags, hdr.fantel.ipv4.frag_offset, hdr.fantel.ipv4.ttl,
              hdr.fantel.ipv4.protocol, hdr.fantel.ipv4.src_addr, hdr.fantel.ipv4.dst_addr });
        pkt.emit(hdr.fantel);
    }
}

#endif  /* __FANTEL_GLUE_TNA__ */
