/*
 * IPv4 forwarding: LPM -> next id -> weighted ECMP member chosen by an action selector whose
 * hash includes a flowlet id, so re-weighting moves only new flowlets (a burst separated from
 * the previous one by more than flowlet_gap us) and never reorders packets within a burst.
 */
#ifndef __FANTEL_FORWARDING__
#define __FANTEL_FORWARDING__

control Forwarding(inout headers_t hdr,
                   inout local_md_t md,
                   inout standard_metadata_t standard_md) {

    /* Flowlet state, indexed by flow hash modulo FLOWLET_SLOTS. */
    register<timestamp_t>(FLOWLET_SLOTS) flowlet_last_seen;
    register<bit<16>>(FLOWLET_SLOTS) flowlet_ids;

    action_selector(HashAlgorithm.crc16, NEXT_HOP_SELECTOR_SIZE, NEXT_HOP_SELECTOR_WIDTH)
        next_hop_selector;
    direct_counter(CounterType.packets_and_bytes) ipv4_routes_counter;
    direct_counter(CounterType.packets_and_bytes) next_hop_groups_counter;

    bit<32> flowlet_slot = 0;
    timestamp_t flowlet_seen = 0;

    action set_next_id(next_id_t next_id) {
        md.next_id = next_id;
        ipv4_routes_counter.count();
    }

    action drop_route() {
        mark_to_drop(standard_md);
        ipv4_routes_counter.count();
    }

    action no_route() {
        mark_to_drop(standard_md);
        ipv4_routes_counter.count();
    }

    @name("ipv4_routes")
    table ipv4_routes {
        key = { md.lkp.ipv4_dst: lpm @name("ipv4_dst"); }
        actions = { set_next_id; drop_route; @defaultonly no_route; }
        const default_action = no_route();
        counters = ipv4_routes_counter;
        size = IPV4_ROUTE_TABLE_SIZE;
    }

    /* watch_id names the remote object (link/node) whose failure FNs invalidate this hop. */
    action set_next_hop(PortId_t port, mac_addr_t smac, mac_addr_t dmac, watch_id_t watch_id) {
        standard_md.egress_spec = port;
        hdr.ethernet.src_addr = smac;
        hdr.ethernet.dst_addr = dmac;
        hdr.ipv4.ttl = hdr.ipv4.ttl - 1;
        md.watch_id = watch_id;
        md.has_next_hop = true;
        next_hop_groups_counter.count();
    }

    @name("next_hop_groups")
    table next_hop_groups {
        key = {
            md.next_id: exact @name("next_id");
            md.lkp.ipv4_src: selector @name("ipv4_src");
            md.lkp.ipv4_dst: selector @name("ipv4_dst");
            md.lkp.ip_proto: selector @name("ip_proto");
            md.lkp.l4_sport: selector @name("l4_sport");
            md.lkp.l4_dport: selector @name("l4_dport");
            md.flowlet_id: selector @name("flowlet_id");
        }
        actions = { set_next_hop; }
        implementation = next_hop_selector;
        counters = next_hop_groups_counter;
        size = NEXT_HOP_GROUP_TABLE_SIZE;
    }

    apply {
        if (!hdr.ipv4.isValid()) {
            mark_to_drop(standard_md);   /* fantel routes IPv4 only; nothing else leaves */
            return;
        }
        if (hdr.ipv4.ttl <= 1) {
            mark_to_drop(standard_md);
            return;
        }
        flowlet_slot = md.lkp.flow_hash & (FLOWLET_SLOTS - 1);   /* FLOWLET_SLOTS: power of 2 */
        flowlet_last_seen.read(flowlet_seen, flowlet_slot);
        flowlet_ids.read(md.flowlet_id, flowlet_slot);
        if (md.lkp.now - flowlet_seen > md.cfg.flowlet_gap) {
            md.flowlet_id = md.flowlet_id + 1;
            flowlet_ids.write(flowlet_slot, md.flowlet_id);
        }
        flowlet_last_seen.write(flowlet_slot, md.lkp.now);
        switch (ipv4_routes.apply().action_run) {
            set_next_id: { next_hop_groups.apply(); }
        }
    }
}

#endif  /* __FANTEL_FORWARDING__ */
