/*
 * Fast congestion notification (issue 5 item 4), in egress where queue state is known.
 *
 * When deq_qdepth or deq_timedelta of a monitored (egress port, class) crosses its high
 * threshold, the packet is cloned E2E and the copy becomes a CONGESTION_DETECTED FN addressed
 * to the flow's sender (NotifyEgress); when both fall below the low thresholds again a
 * CONGESTION_CLEARED follows. At most one FN per flow per fn_min_interval us (register-based).
 * The copy goes out of the port the data packet arrived on: clone session
 * FN_PORT_SESSION_BASE + ingress_port, which the controller maps to that port. These FNs are
 * numbered here (sender_fn_sequence), apart from the ones ingress originates.
 *
 * ECN (RFC 3168): above the same high threshold, an ECN-capable IPv4 packet (ECT(0) or ECT(1))
 * of any kind leaves marked CE, so RoCEv2 receivers echo it as CNPs; the deparser recomputes
 * the IPv4 checksum. Not-ECT packets are left alone, and marking is never rate limited.
 */
#ifndef __FANTEL_CONGESTION__
#define __FANTEL_CONGESTION__

control Congestion(inout headers_t hdr,
                   inout local_md_t md,
                   inout fantel_intr_md_t intr) {

    /* Congestion state per (egress port, class), per-flow FN rate limit, and the sequence of
       this switch's congestion FNs (arch_congestion.p4). */
    CongestionState() congestion_state;
    FnRateLimit() fn_rate_limit;
    CongestionFnSequence() sender_fn_sequence;
    PACKET_COUNTER(1) ecn_marked_counter;
    PACKET_COUNTER(256) fn_generated_counter;   /* index: FN type */
    PACKET_COUNTER(1) fn_rate_limited_counter;
    DIRECT_PACKET_COUNTER congestion_thresholds_counter;

    bit<19> qdepth_high = 0;
    bit<19> qdepth_low = 0;
    bit<32> sojourn_high = 0;
    bit<32> sojourn_low = 0;

    action set_thresholds(bit<19> qdepth_hi, bit<19> qdepth_lo,
                          bit<32> sojourn_hi_us, bit<32> sojourn_lo_us) {
        qdepth_high = qdepth_hi;
        qdepth_low = qdepth_lo;
        sojourn_high = sojourn_hi_us;
        sojourn_low = sojourn_lo_us;
        congestion_thresholds_counter.count();
    }

    @name("congestion_thresholds")
    table congestion_thresholds {
        key = {
            intr.egress_port: exact @name("egress_port");
            md.lkp.tclass: ternary @name("tclass");
        }
        actions = { set_thresholds; }
        counters = congestion_thresholds_counter;
        size = CONGESTION_TABLE_SIZE;
    }

    apply {
        if (!hdr.ipv4.isValid() || !congestion_thresholds.apply().hit) {
            return;
        }
        bool above = intr.deq_qdepth >= qdepth_high
                     || intr.deq_timedelta >= sojourn_high;
        if (above && (hdr.ipv4.ecn == ECN_ECT0 || hdr.ipv4.ecn == ECN_ECT1)) {
            hdr.ipv4.ecn = ECN_CE;
            ecn_marked_counter.count(0);
        }
        /* FNs: RoCEv2 flows, with or without SEM; FNs themselves never trigger FNs. */
        if (!hdr.bth.isValid()) {
            return;
        }
        bit<32> state_slot = ((bit<32>)intr.egress_port * TCLASS_COUNT
                              + (bit<32>)md.lkp.tclass) & (CONGESTION_STATE_SLOTS - 1);
        bool below = intr.deq_qdepth < qdepth_low
                     && intr.deq_timedelta < sojourn_low;
        bool cleared;
        congestion_state.apply(state_slot, above, below, cleared);
        bit<8> fn_type = 0;
        if (above) {
            fn_type = FN_TYPE_CONGESTION_DETECTED;
        } else if (cleared) {
            fn_type = FN_TYPE_CONGESTION_CLEARED;
        }
        if (fn_type == 0) {
            return;
        }
        /* A CLEARED always goes out: it ends the sender's soft state early. */
        bool limited;
        fn_rate_limit.apply(md.lkp.flow_hash & (FN_RATE_SLOTS - 1), intr.egress_ts,
                            md.cfg.fn_min_interval, fn_type == FN_TYPE_CONGESTION_DETECTED,
                            limited);
        if (limited) {
            fn_rate_limited_counter.count(0);
            return;
        }
        fn_generated_counter.count((bit<32>)fn_type);
        sender_fn_sequence.apply(0, md.fn.sequence);

        md.fn.fn_type = fn_type;
        md.fn.object_kind = FN_OBJ_PORT;
        md.fn.object_id = (md.fn.node_id << 16) | (bit<32>)intr.egress_port;
        if (intr.deq_qdepth >= qdepth_high || fn_type == FN_TYPE_CONGESTION_CLEARED) {
            md.fn.metric_kind = FN_METRIC_QUEUE_DEPTH;
            md.fn.metric_value = (bit<32>)intr.deq_qdepth;
        } else {
            md.fn.metric_kind = FN_METRIC_SOJOURN_TIME;
            md.fn.metric_value = intr.deq_timedelta;
        }
        md.fn.hop_limit = 1;
        md.fn.lifetime = 0;
        if (fn_type == FN_TYPE_CONGESTION_DETECTED) {
            md.fn.lifetime = md.cfg.fn_lifetime;
        }
        md.fn.params = FN_PARAM_FIVE_TUPLE | FN_PARAM_ROCE_QP;
        md.fn.skip_port = CPU_PORT;   /* unicast copy: nothing to skip */
        md.fn.dst_addr = md.lkp.ipv4_src;
        md.fn.dst_mac = md.lkp.eth_src;
        md.fn.flow_src = md.lkp.ipv4_src;
        md.fn.flow_dst = md.lkp.ipv4_dst;
        md.fn.flow_sport = md.lkp.l4_sport;
        md.fn.flow_dport = md.lkp.l4_dport;
        md.fn.flow_proto = md.lkp.ip_proto;
        md.fn.flow_qp = md.lkp.dest_qp;
        md.fn.relay = 0;
        intr.clone = true;
        intr.clone_session = FN_PORT_SESSION_BASE + (bit<16>)intr.ingress_port;
    }
}

#endif  /* __FANTEL_CONGESTION__ */
