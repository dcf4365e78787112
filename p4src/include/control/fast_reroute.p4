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
 *   and refreshes it while the port stays dead: a check more than half the FN lifetime after
 *   the last report floods it again, so receivers' soft state never expires under a failure
 *   that lasts. Received failure FNs mark the watched remote object down until their
 *   lifetime ends or a FAILURE_RECOVERED arrives, and are relayed while hop_limit > 1.
 */
#ifndef __FANTEL_FAST_REROUTE__
#define __FANTEL_FAST_REROUTE__

control FastReroute(inout headers_t hdr,
                    inout local_md_t md,
                    inout standard_metadata_t standard_md) {

    register<timestamp_t>(PORT_COUNT) probe_last_rx;
    register<bit<32>>(PORT_COUNT) probe_tx_seq;
    /* Time FAILURE_DETECTED was last flooded for the port; 0 = not reported (alive). */
    register<timestamp_t>(PORT_COUNT) port_reported_failed;
    register<timestamp_t>(WATCH_SLOTS) remote_down_until;
    /* Last sequence per (originator, object), at crc32(originator, object kind, object id)
       mod FN_REPLAY_SLOTS (controller.programming.replay_slot computes the same index). */
    register<bit<32>>(FN_REPLAY_SLOTS) fn_last_seq;

    /* Index: FN type. */
    counter(256, CounterType.packets) fn_rx_counter;
    counter(DROP_REASON_COUNT, CounterType.packets) fn_drop_counter;
    direct_counter(CounterType.packets) liveness_config_counter;
    direct_counter(CounterType.packets_and_bytes) backup_next_hops_counter;
    direct_counter(CounterType.packets) remote_watch_counter;

    timestamp_t timeout = 0;
    timestamp_t last_rx = 0;
    timestamp_t down_until = 0;
    timestamp_t reported = 0;
    bit<32> seq = 0;
    bit<32> replay_slot = 0;
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
        standard_md.egress_spec = port;
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
        clone_preserving_field_list(CloneType.I2E, FN_FLOOD_SESSION, FL_FN);
    }

    apply {
        /* A probe still leaves by a dead port: hearing back is how the link recovers. */
        bool check = false;
        if (hdr.probe.isValid() && standard_md.ingress_port == CPU_PORT) {
            /* Probe tx: stamp, and check the port it leaves by. */
            check_port = standard_md.egress_spec;
            probe_tx_seq.read(seq, (bit<32>)check_port);
            seq = seq + 1;
            probe_tx_seq.write((bit<32>)check_port, seq);
            hdr.probe.version = PROBE_VERSION;
            hdr.probe.kind = PROBE_KIND_HELLO;
            hdr.probe.tx_port = (bit<16>)check_port;
            hdr.probe.node_id = md.fn.node_id;
            hdr.probe.sequence = seq;
            hdr.probe.timestamp = md.lkp.now;
            check = true;
        } else if (hdr.probe.isValid() && md.to_local && !md.bypass) {
            /* Probe rx: the neighbour on this port is alive. */
            probe_last_rx.write((bit<32>)standard_md.ingress_port, md.lkp.now);
            port_reported_failed.read(reported, (bit<32>)standard_md.ingress_port);
            if (reported != 0) {
                port_reported_failed.write((bit<32>)standard_md.ingress_port, 0);
                flood_fn(FN_TYPE_FAILURE_RECOVERED, (md.fn.node_id << 16) | (bit<32>)standard_md.ingress_port,
                         FN_METRIC_NONE, 0, 0, standard_md.ingress_port);
            }
            mark_to_drop(standard_md);
        } else if (hdr.fn.isValid() && md.to_local && !md.bypass) {
            /* FN rx from a neighbour (Filtering already refused host ports). Replays are
               judged per (originator, object): an originator numbers all its events in one
               series, and its FNs about different objects reach us through different
               neighbours, out of order (docs/wire-format.md 2.1). Sequences compare as
               32-bit serial numbers (RFC 1982); 0 = nothing heard (the controller resets
               cells when a switch (re)connects, docs/controller.md "Switch ready"). */
            hash(replay_slot, HashAlgorithm.crc32, 32w0,
                 { hdr.fn.originator, hdr.fn.object_kind, hdr.fn.object_id },
                 (bit<32>)FN_REPLAY_SLOTS);
            fn_last_seq.read(seq, replay_slot);
            bit<32> ahead = hdr.fn.sequence - seq;
            if (seq != 0 && (ahead == 0 || ahead >= 0x80000000)) {
                fn_drop_counter.count((bit<32>)DROP_REASON_FN_REPLAY);
                mark_to_drop(standard_md);
                return;
            }
            fn_last_seq.write(replay_slot, hdr.fn.sequence);
            fn_rx_counter.count((bit<32>)hdr.fn.fn_type);
            if (remote_watch.apply().hit) {
                if (hdr.fn.fn_type == FN_TYPE_FAILURE_DETECTED) {
                    remote_down_until.write((bit<32>)watch_id,
                                            md.lkp.now + (timestamp_t)hdr.fn.lifetime * 1000);
                } else if (hdr.fn.fn_type == FN_TYPE_FAILURE_RECOVERED) {
                    remote_down_until.write((bit<32>)watch_id, 0);
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
                md.fn.skip_port = standard_md.ingress_port;
                md.fn.dst_addr = IPV4_LIMITED_BROADCAST;
                md.fn.dst_mac = MAC_BROADCAST;
                md.fn.relay = 1;
                md.fn.relay_originator = hdr.fn.originator;
                md.fn.sequence = hdr.fn.sequence;
                md.fn.relay_timestamp = hdr.fn.timestamp;
                md.fn.relay_key_id = hdr.fn.key_id;
                md.fn.relay_auth_tag = hdr.fn.auth_tag;
                md.fn_cloned = true;
                clone_preserving_field_list(CloneType.I2E, FN_FLOOD_SESSION, FL_FN);
            }
            /* The controller gets every neighbour FN as a packet-in. */
            standard_md.egress_spec = CPU_PORT;
        } else if (md.has_next_hop) {
            check_port = standard_md.egress_spec;
            check = true;
        }

        if (!check) {
            return;
        }
        bool primary_dead = false;
        if (liveness_config.apply().hit) {
            probe_last_rx.read(last_rx, (bit<32>)check_port);
            primary_dead = last_rx != 0 && md.lkp.now - last_rx > timeout;
        }
        bool remote_dead = false;
        if (md.has_next_hop && md.watch_id != 0) {
            remote_down_until.read(down_until, (bit<32>)md.watch_id);
            remote_dead = down_until > md.lkp.now;
        }
        if (md.has_next_hop && (primary_dead || remote_dead)) {
            failed_port = check_port;
            backup_next_hops.apply();
        }
        if (primary_dead) {
            port_reported_failed.read(reported, (bit<32>)check_port);
            /* Refresh after half the lifetime (ms -> us: x 1000 / 2). */
            if (reported == 0
                    || md.lkp.now - reported >= (timestamp_t)md.cfg.fn_lifetime * 500) {
                port_reported_failed.write((bit<32>)check_port, md.lkp.now);
                flood_fn(FN_TYPE_FAILURE_DETECTED, (md.fn.node_id << 16) | (bit<32>)check_port,
                         FN_METRIC_SILENCE_TIME, (bit<32>)(md.lkp.now - last_rx),
                         md.cfg.fn_lifetime, check_port);
            }
        }
    }
}

#endif  /* __FANTEL_FAST_REROUTE__ */
