/*
 * Ingress filtering: port roles, malformed-packet drops (counted per reason: checksum, each
 * malformed SEM/FN field, other parser errors), and the rule that notifications and probes are
 * only accepted from infrastructure ports.
 */
#ifndef __FANTEL_FILTERING__
#define __FANTEL_FILTERING__

control Filtering(inout headers_t hdr,
                  inout local_md_t md,
                  inout fantel_intr_md_t intr) {

    /* Index: drop_reason_t (DropReason in controller/wire.py). */
    PACKET_BYTE_COUNTER(DROP_REASON_COUNT) drop_counter;
    DIRECT_PACKET_BYTE_COUNTER port_type_counter;

    action set_port_type(bit<2> port_type) {
        md.port_type = port_type;
        port_type_counter.count();
    }

    action unknown_port() {
        /* Unknown ports are untrusted: they are treated like host ports below. */
        md.port_type = PORT_TYPE_UNKNOWN;
        port_type_counter.count();
    }

    @name("ingress_port_type")
    table ingress_port_type {
        key = { intr.ingress_port: exact @name("ingress_port"); }
        actions = { set_port_type; @defaultonly unknown_port; }
        const default_action = unknown_port();
        counters = port_type_counter;
        size = PORT_TYPE_TABLE_SIZE;
    }

    action drop_packet(drop_reason_t reason) {
        md.drop_reason = reason;
        md.bypass = true;
        intr.drop = true;
    }

    apply {
        ingress_port_type.apply();
        if (!md.bypass) {
            if (intr.checksum_error) {
                drop_packet(DROP_REASON_IPV4_CHECKSUM);
            } else if (hdr.sem.isValid() && hdr.sem.version != SEM_VERSION) {
                drop_packet(DROP_REASON_SEM_BAD_VERSION);
            } else if (hdr.sem.isValid() && hdr.sem.tclass > TCLASS_MAX) {
                drop_packet(DROP_REASON_SEM_BAD_CLASS);
            } else if (hdr.sem_moe.isValid()
                       && hdr.sem_moe.cand_count > SEM_MOE_MAX_CANDIDATES) {
                drop_packet(DROP_REASON_SEM_BAD_MOE);
            } else if (hdr.fn.isValid() && hdr.fn.version != FN_VERSION) {
                drop_packet(DROP_REASON_FN_BAD_VERSION);
            } else if (hdr.fn.isValid() && (hdr.fn.fn_type == 0 || hdr.fn.fn_type > FN_TYPE_MAX)) {
                drop_packet(DROP_REASON_FN_BAD_TYPE);
            } else if (hdr.fn.isValid() && (hdr.fn.params & FN_PARAM_RESERVED_MASK) != 0) {
                drop_packet(DROP_REASON_FN_BAD_PARAMS);
            } else if (intr.parser_error != error.NoError) {
                drop_packet(DROP_REASON_PARSER_OTHER);
            } else if (hdr.fn.isValid() && md.port_type != PORT_TYPE_INFRA) {
                drop_packet(DROP_REASON_FN_FROM_HOST);
            } else if (hdr.probe.isValid() && md.port_type != PORT_TYPE_INFRA) {
                drop_packet(DROP_REASON_PROBE_FROM_HOST);
            }
            if (md.drop_reason != DROP_REASON_NONE) {
                drop_counter.count((bit<32>)md.drop_reason);
            }
        }
    }
}

#endif  /* __FANTEL_FILTERING__ */
