/*
 * Fast failure detection, reroute and notification (issue 5 item 5).
 *
 * - Probe tx: the controller packet-outs a probe per infrastructure port every interval; the
 *   switch stamps node id, per-port sequence and time.
 * - Probe rx: records the arrival time per ingress port; a port that was reported failed and
 *   hears a probe again is announced recovered.
 * - Liveness: port p is dead when now - last_probe[p] > interval x multiplier (liveness_config).
 *   It is evaluated whenever a packet is about to use p (data) or a probe is sent on p, since
 *   BMv2 has no timers. A dead primary, or a next hop whose remote object is down, is replaced
 *   by the precomputed backup next hop at once, in the data plane.
 * - Detection floods a FAILURE_DETECTED FN to the neighbours (hop limit from switch_config)
 *   and refreshes it while the port stays dead, with backoff (ReportLifetime): the first
 *   report carries the configured lifetime, each refresh is flooded half the previous one's
 *   lifetime after it and carries twice that lifetime, up to 16 x the configured one, so
 *   receivers' soft state never expires under a failure that lasts, and a lasting failure
 *   costs a few reports instead of one every half lifetime. Received failure FNs mark the
 *   watched remote object down until their lifetime ends or a FAILURE_RECOVERED arrives, and
 *   are relayed while hop_limit > 1; our own, heard back over another link, are dropped.
 */
#ifndef __FANTEL_FAST_REROUTE__
#define __FANTEL_FAST_REROUTE__

/*
 * The lifetime a FAILURE_DETECTED carries and the wait until its refresh (half of it, us),
 * from the age of the failure's first report: base_ms for the first report, then 2^k x
 * base_ms for a report at least (2^k - 1) x base_ms / 2 old, k <= 4: with refreshes half a
 * lifetime apart that is one doubling per refresh (sparser checks may skip a step), capped at
 * 16 x base_ms and at the field's 65535 ms. The age, not a stored lifetime, decides: a stored
 * one would be read before the due decision and written after it, two accesses to one TNA
 * register; this way the state is two times per port, FailureOnset's then FailureRefresh's.
 */
control ReportLifetime(in bit<16> base_ms, in bool refresh, in timestamp_t age,
                       out bit<16> lifetime_ms, out timestamp_t wait) {
    apply {
        timestamp_t half = (timestamp_t)base_ms * 500;   /* ms -> us, halved */
        bit<32> scaled_ms = (bit<32>)base_ms;
        wait = half;
        if (refresh) {
            if (age >= (half << 4) - half) {
                scaled_ms = scaled_ms << 4;
                wait = half << 4;
            } else if (age >= (half << 3) - half) {
                scaled_ms = scaled_ms << 3;
                wait = half << 3;
            } else if (age >= (half << 2) - half) {
                scaled_ms = scaled_ms << 2;
                wait = half << 2;
            } else {
                scaled_ms = scaled_ms << 1;
                wait = half << 1;
            }
        }
        lifetime_ms = (bit<16>)scaled_ms;
        if (scaled_ms > 0xFFFF) {
            lifetime_ms = 0xFFFF;
            wait = 0xFFFF * 500;
        }
    }
}

control FastReroute(inout headers_t hdr,
                    inout local_md_t md,
                    inout fantel_intr_md_t intr) {

    /* Per-port probe state, remote objects' failures, replay state (arch_fast_reroute.p4). */
    ProbeTxSequence() probe_tx_seq;
    ProbeLiveness() probe_liveness;
    FailureOnset() failure_onset;
    FailureRefresh() failure_refresh;
    ReportLifetime() report_lifetime;
    RemoteDown() remote_down;
    FnReplayGuard() fn_replay_guard;

    /* Index: FN type. */
    PACKET_COUNTER(256) fn_rx_counter;
    PACKET_COUNTER(DROP_REASON_COUNT) fn_drop_counter;
    DIRECT_PACKET_COUNTER liveness_config_counter;
    DIRECT_PACKET_BYTE_COUNTER backup_next_hops_counter;
    DIRECT_PACKET_COUNTER remote_watch_counter;

    timestamp_t timeout = 0;
    timestamp_t last_rx = 0;
    bit<32> seq = 0;
    PortId_t check_port = 0;
    PortId_t failed_port = 0;
    watch_id_t watch_id = 0;

    action set_liveness(bit<32> interval_us, bit<8> multiplier) {
        timeout = (timestamp_t)interval_us * (timestamp_t)multiplier;
        liveness_config_counter.count();
    }

    @name("liveness_config")
    table liveness_config {
        key = { check_port: exact @name("port"); }
        actions = { set_liveness; }
        counters = liveness_config_counter;
        size = PORT_TYPE_TABLE_SIZE;
    }

    action set_backup_next_hop(PortId_t port, mac_addr_t smac, mac_addr_t dmac) {
        intr.egress_spec = port;
        hdr.ethernet.src_addr = smac;
        hdr.ethernet.dst_addr = dmac;
        backup_next_hops_counter.count();
    }

    @name("backup_next_hops")
    table backup_next_hops {
        key = {
            md.next_id: exact @name("next_id");
            failed_port: exact @name("primary_port");
        }
        actions = { set_backup_next_hop; }
        counters = backup_next_hops_counter;
        size = BACKUP_TABLE_SIZE;
    }

    action set_watch(watch_id_t id) {
        watch_id = id;
        remote_watch_counter.count();
    }

    /* Which received failure FNs concern a next hop of ours (object -> watch slot). */
    @name("remote_watch")
    table remote_watch {
        key = {
            hdr.fn.object_kind: exact @name("object_kind");
            hdr.fn.object_id: exact @name("object_id");
        }
        actions = { set_watch; }
        counters = remote_watch_counter;
        size = REMOTE_WATCH_TABLE_SIZE;
    }

    action flood_fn(bit<8> fn_type, bit<32> object_id, bit<8> metric_kind, bit<32> metric_value,
                    bit<16> lifetime, PortId_t skip_port) {
        md.fn.fn_type = fn_type;
        md.fn.object_kind = FN_OBJ_PORT;
        md.fn.object_id = object_id;
        md.fn.metric_kind = metric_kind;
        md.fn.metric_value = metric_value;
        md.fn.hop_limit = md.cfg.fn_hop_limit;
        md.fn.lifetime = lifetime;
        md.fn.params = 0;
        md.fn.skip_port = skip_port;
        md.fn.dst_addr = IPV4_LIMITED_BROADCAST;
        md.fn.dst_mac = MAC_BROADCAST;
        md.fn.relay = 0;
        md.fn_cloned = true;
        intr.clone = true;
        intr.clone_session = FN_FLOOD_SESSION;
    }

    apply {
        /* A probe still leaves by a dead port: hearing back is how the link recovers. */
        bool check = false;
        bool probe_heard = false;
        bool remote_update = false;
        watch_id_t remote_slot = md.watch_id;   /* the next hop's, or a received FN's object */
        timestamp_t remote_until = 0;
        if (hdr.probe.isValid() && intr.ingress_port == CPU_PORT) {
            /* Probe tx: stamp, and check the port it leaves by. */
            check_port = intr.egress_spec;
            probe_tx_seq.apply((bit<32>)check_port, seq);
            hdr.probe.version = PROBE_VERSION;
            hdr.probe.kind = PROBE_KIND_HELLO;
            hdr.probe.tx_port = (bit<16>)check_port;
            hdr.probe.node_id = md.fn.node_id;
            hdr.probe.sequence = seq;
            hdr.probe.timestamp = md.lkp.now;
            check = true;
        } else if (hdr.probe.isValid() && md.to_local && !md.bypass) {
            /* Probe rx: the neighbour on this port is alive. */
            check_port = intr.ingress_port;
            probe_heard = true;
            intr.drop = true;
        } else if (hdr.fn.isValid() && md.to_local && !md.bypass) {
            /* FN rx from a neighbour (Filtering already refused host ports). Replays are
               judged per (originator, object): an originator numbers all its events in one
               series, and its FNs about different objects reach us through different
               neighbours, out of order (docs/wire-format.md 2.1). Our own FN, heard back
               over a parallel link or around a ring, is old news to us: a replay too. */
            if (hdr.fn.originator == md.fn.node_id) {
                fn_drop_counter.count((bit<32>)DROP_REASON_FN_REPLAY);
                intr.drop = true;
                return;
            }
            bool replay;
            fn_replay_guard.apply(hdr.fn, replay);
            if (replay) {
                fn_drop_counter.count((bit<32>)DROP_REASON_FN_REPLAY);
                intr.drop = true;
                return;
            }
            fn_rx_counter.count((bit<32>)hdr.fn.fn_type);
            if (remote_watch.apply().hit) {
                remote_slot = watch_id;
                if (hdr.fn.fn_type == FN_TYPE_FAILURE_DETECTED) {
                    remote_update = true;
                    remote_until = md.lkp.now + (timestamp_t)hdr.fn.lifetime * 1000;
                } else if (hdr.fn.fn_type == FN_TYPE_FAILURE_RECOVERED) {
                    remote_update = true;
                }
            }
            if ((hdr.fn.fn_type == FN_TYPE_FAILURE_DETECTED
                 || hdr.fn.fn_type == FN_TYPE_FAILURE_RECOVERED) && hdr.fn.hop_limit > 1) {
                md.fn.fn_type = hdr.fn.fn_type;
                md.fn.object_kind = hdr.fn.object_kind;
                md.fn.object_id = hdr.fn.object_id;
                md.fn.metric_kind = hdr.fn.metric_kind;
                md.fn.metric_value = hdr.fn.metric_value;
                md.fn.hop_limit = hdr.fn.hop_limit - 1;
                md.fn.lifetime = hdr.fn.lifetime;
                md.fn.params = 0;
                md.fn.skip_port = intr.ingress_port;
                md.fn.dst_addr = IPV4_LIMITED_BROADCAST;
                md.fn.dst_mac = MAC_BROADCAST;
                md.fn.relay = 1;
                md.fn.relay_originator = hdr.fn.originator;
                md.fn.sequence = hdr.fn.sequence;
                md.fn.relay_timestamp = hdr.fn.timestamp;
                md.fn.relay_key_id = hdr.fn.key_id;
                md.fn.relay_auth_tag = hdr.fn.auth_tag;
                md.fn_cloned = true;
                intr.clone = true;
                intr.clone_session = FN_FLOOD_SESSION;
            }
            /* The controller gets every neighbour FN as a packet-in. */
            intr.egress_spec = CPU_PORT;
        } else if (md.has_next_hop) {
            check_port = intr.egress_spec;
            check = true;
        }

        /* Each register is reached once per packet: heard or checked, updated or read. */
        bool primary_dead = false;
        bool armed = check && liveness_config.apply().hit;
        if (probe_heard || armed) {
            probe_liveness.apply(probe_heard, check_port, md.lkp.now, last_rx);
            primary_dead = armed && last_rx != 0 && md.lkp.now - last_rx > timeout;
        }
        bool remote_dead = false;
        bool watched = check && md.has_next_hop && md.watch_id != 0;
        if (remote_update || watched) {
            remote_down.apply(remote_update, remote_slot, remote_until, md.lkp.now,
                              remote_dead);
        }
        if (check && md.has_next_hop && (primary_dead || remote_dead)) {
            failed_port = check_port;
            backup_next_hops.apply();
        }
        if (probe_heard || primary_dead) {
            bool reported;
            timestamp_t age;
            failure_onset.apply(probe_heard, check_port, md.lkp.now, reported, age);
            bit<32> object_id = (md.fn.node_id << 16) | (bit<32>)check_port;
            if (probe_heard && reported) {
                flood_fn(FN_TYPE_FAILURE_RECOVERED, object_id, FN_METRIC_NONE, 0, 0, check_port);
            } else if (!probe_heard) {
                bit<16> lifetime_ms;
                timestamp_t wait;
                report_lifetime.apply(md.cfg.fn_lifetime, reported, age, lifetime_ms, wait);
                bool due;
                failure_refresh.apply(!reported, check_port, md.lkp.now, wait, due);
                if (due) {
                    flood_fn(FN_TYPE_FAILURE_DETECTED, object_id, FN_METRIC_SILENCE_TIME,
                             (bit<32>)(md.lkp.now - last_rx), lifetime_ms, check_port);
                }
            }
        }
    }
}

#endif  /* __FANTEL_FAST_REROUTE__ */
