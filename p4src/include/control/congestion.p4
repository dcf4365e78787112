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
                   inout standard_metadata_t standard_md) {

    /* 1 while (egress port, class) is congested; index port * TCLASS_COUNT + class. */
    register<bit<1>>(CONGESTION_STATE_SLOTS) congested;
    /* Time of the last FN sent for a flow; index flow hash modulo FN_RATE_SLOTS. */
    register<timestamp_t>(FN_RATE_SLOTS) last_fn_time;
    /* Sequence of this switch's congestion FNs (one per FN, the controller's copy shares it). */
    register<bit<32>>(1) sender_fn_sequence;
    counter(1, CounterType.packets) ecn_marked_counter;
    counter(256, CounterType.packets) fn_generated_counter;   /* index: FN type */
    counter(1, CounterType.packets) fn_rate_limited_counter;
    direct_counter(CounterType.packets) congestion_thresholds_counter;

    bit<19> qdepth_high = 0;
    bit<19> qdepth_low = 0;
    bit<32> sojourn_high = 0;
    bit<32> sojourn_low = 0;
    bit<1> was_congested = 0;
    timestamp_t last_sent = 0;
    bit<32> sequence = 0;

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
            standard_md.egress_port: exact @name("egress_port");
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
        bool above = standard_md.deq_qdepth >= qdepth_high
                     || standard_md.deq_timedelta >= sojourn_high;
        if (above && (hdr.ipv4.ecn == ECN_ECT0 || hdr.ipv4.ecn == ECN_ECT1)) {
            hdr.ipv4.ecn = ECN_CE;
            ecn_marked_counter.count(0);
        }
        /* FNs: RoCEv2 flows, with or without SEM; FNs themselves never trigger FNs. */
        if (!hdr.bth.isValid()) {
            return;
        }
        bit<32> state_slot = ((bit<32>)standard_md.egress_port * TCLASS_COUNT
                              + (bit<32>)md.lkp.tclass) & (CONGESTION_STATE_SLOTS - 1);
        congested.read(was_congested, state_slot);
        bool below = standard_md.deq_qdepth < qdepth_low
                     && standard_md.deq_timedelta < sojourn_low;
        bit<8> fn_type = 0;
        if (above) {
            fn_type = FN_TYPE_CONGESTION_DETECTED;
            congested.write(state_slot, 1);
        } else if (below && was_congested == 1) {
            fn_type = FN_TYPE_CONGESTION_CLEARED;
            congested.write(state_slot, 0);
        }
        if (fn_type == 0) {
            return;
        }
        bit<32> rate_slot = md.lkp.flow_hash & (FN_RATE_SLOTS - 1);
        last_fn_time.read(last_sent, rate_slot);
        /* A CLEARED always goes out: it ends the sender's soft state early. */
        if (fn_type == FN_TYPE_CONGESTION_DETECTED && last_sent != 0
                && standard_md.egress_global_timestamp - last_sent < md.cfg.fn_min_interval) {
            fn_rate_limited_counter.count(0);
            return;
        }
        last_fn_time.write(rate_slot, standard_md.egress_global_timestamp);
        fn_generated_counter.count((bit<32>)fn_type);
        sender_fn_sequence.read(sequence, 0);
        sequence = sequence + 1;
        sender_fn_sequence.write(0, sequence);
        md.fn.sequence = sequence;

        md.fn.fn_type = fn_type;
        md.fn.object_kind = FN_OBJ_PORT;
        md.fn.object_id = (md.fn.node_id << 16) | (bit<32>)standard_md.egress_port;
        if (standard_md.deq_qdepth >= qdepth_high || fn_type == FN_TYPE_CONGESTION_CLEARED) {
            md.fn.metric_kind = FN_METRIC_QUEUE_DEPTH;
            md.fn.metric_value = (bit<32>)standard_md.deq_qdepth;
        } else {
            md.fn.metric_kind = FN_METRIC_SOJOURN_TIME;
            md.fn.metric_value = standard_md.deq_timedelta;
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
        clone_preserving_field_list(CloneType.E2E,
            (bit<32>)FN_PORT_SESSION_BASE + (bit<32>)standard_md.ingress_port, FL_FN);
    }
}

#endif  /* __FANTEL_CONGESTION__ */
