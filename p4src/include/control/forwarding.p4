/*
 * IPv4 forwarding: LPM -> next id -> weighted ECMP member chosen by an action selector.
 * Flowlets: the hop chosen for a flow is pinned (registers indexed by flow hash) while the flow
 * keeps sending with gaps shorter than flowlet_gap us, so a re-weighting by the controller moves
 * only new flowlets and never reorders packets within a burst. The selector hashes the 5-tuple
 * plus the flowlet id, so successive flowlets of one flow are spread again.
 * The selector uses crc32: with crc16 (CRC-16/ARC, generator divisible by x + 1) bit 1 of the
 * hash does not depend on the UDP source port, so a 3:1 weighted group sent every RoCEv2 flow of
 * a host pair to one member.
 */
#ifndef __FANTEL_FORWARDING__
#define __FANTEL_FORWARDING__

control Forwarding(inout headers_t hdr,
                   inout local_md_t md,
                   inout standard_metadata_t standard_md) {

    /* Flowlet state, indexed by flow hash modulo FLOWLET_SLOTS. */
    register<timestamp_t>(FLOWLET_SLOTS) flowlet_last_seen;
    register<bit<16>>(FLOWLET_SLOTS) flowlet_ids;
    /* The pinned hop of the current flowlet: {1 (valid), next id}, and what set_next_hop set. */
    register<bit<17>>(FLOWLET_SLOTS) flowlet_pin_next;
    register<PortId_t>(FLOWLET_SLOTS) flowlet_pin_port;
    register<mac_addr_t>(FLOWLET_SLOTS) flowlet_pin_smac;
    register<mac_addr_t>(FLOWLET_SLOTS) flowlet_pin_dmac;
    register<watch_id_t>(FLOWLET_SLOTS) flowlet_pin_watch;

    action_selector(HashAlgorithm.crc32, NEXT_HOP_SELECTOR_SIZE, NEXT_HOP_SELECTOR_WIDTH)
        next_hop_selector;
    direct_counter(CounterType.packets_and_bytes) ipv4_routes_counter;
    direct_counter(CounterType.packets_and_bytes) next_hop_groups_counter;

    bit<32> flowlet_slot = 0;
    timestamp_t flowlet_seen = 0;
    bit<17> pinned_next = 0;
    PortId_t pinned_port = 0;
    mac_addr_t pinned_smac = 0;
    mac_addr_t pinned_dmac = 0;
    watch_id_t pinned_watch = 0;

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

    action use_hop(PortId_t port, mac_addr_t smac, mac_addr_t dmac, watch_id_t watch_id) {
        standard_md.egress_spec = port;
        hdr.ethernet.src_addr = smac;
        hdr.ethernet.dst_addr = dmac;
        hdr.ipv4.ttl = hdr.ipv4.ttl - 1;
        md.watch_id = watch_id;
        md.has_next_hop = true;
    }

    /* watch_id names the remote object (link/node) whose failure FNs invalidate this hop. */
    action set_next_hop(PortId_t port, mac_addr_t smac, mac_addr_t dmac, watch_id_t watch_id) {
        use_hop(port, smac, dmac, watch_id);
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
        bool new_flowlet = md.lkp.now - flowlet_seen > md.cfg.flowlet_gap;
        if (new_flowlet) {
            md.flowlet_id = md.flowlet_id + 1;
            flowlet_ids.write(flowlet_slot, md.flowlet_id);
        }
        flowlet_last_seen.write(flowlet_slot, md.lkp.now);
        switch (ipv4_routes.apply().action_run) {
            set_next_id: {
                flowlet_pin_next.read(pinned_next, flowlet_slot);
                if (!new_flowlet && pinned_next == 1w1 ++ md.next_id) {
                    /* Same flowlet, same route: the hop it started on, whatever the weights. */
                    flowlet_pin_port.read(pinned_port, flowlet_slot);
                    flowlet_pin_smac.read(pinned_smac, flowlet_slot);
                    flowlet_pin_dmac.read(pinned_dmac, flowlet_slot);
                    flowlet_pin_watch.read(pinned_watch, flowlet_slot);
                    use_hop(pinned_port, pinned_smac, pinned_dmac, pinned_watch);
                } else if (next_hop_groups.apply().hit) {
                    flowlet_pin_next.write(flowlet_slot, 1w1 ++ md.next_id);
                    flowlet_pin_port.write(flowlet_slot, standard_md.egress_spec);
                    flowlet_pin_smac.write(flowlet_slot, hdr.ethernet.src_addr);
                    flowlet_pin_dmac.write(flowlet_slot, hdr.ethernet.dst_addr);
                    flowlet_pin_watch.write(flowlet_slot, md.watch_id);
                }
            }
        }
    }
}

#endif  /* __FANTEL_FORWARDING__ */
