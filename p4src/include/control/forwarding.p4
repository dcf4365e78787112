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
                   inout fantel_intr_md_t intr) {

    /* Flowlet state and the pinned hop of the current flowlet (arch_forwarding.p4). */
    FlowletState() flowlet_state;
    FlowletPin() flowlet_pin;

    CRC32_ACTION_SELECTOR(next_hop_selector, NEXT_HOP_SELECTOR_SIZE, NEXT_HOP_SELECTOR_WIDTH,
                          NEXT_HOP_GROUP_TABLE_SIZE);
    DIRECT_PACKET_BYTE_COUNTER ipv4_routes_counter;
    DIRECT_PACKET_BYTE_COUNTER next_hop_groups_counter;

    flowlet_hop_t hop;

    action set_next_id(next_id_t next_id) {
        md.next_id = next_id;
        ipv4_routes_counter.count();
    }

    action drop_route() {
        intr.drop = true;
        ipv4_routes_counter.count();
    }

    action no_route() {
        intr.drop = true;
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
        hop.port = port;
        hop.smac = smac;
        hop.dmac = dmac;
        hop.watch_id = watch_id;
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
            intr.drop = true;   /* fantel routes IPv4 only; nothing else leaves */
            return;
        }
        if (hdr.ipv4.ttl <= 1) {
            intr.drop = true;
            return;
        }
        switch (ipv4_routes.apply().action_run) {
            set_next_id: {
                /* Flowlets of routed packets only: a dropped packet starts none. */
                bit<32> flowlet_slot = md.lkp.flow_hash & (FLOWLET_SLOTS - 1);   /* 2^n */
                bool new_flowlet;
                flowlet_state.apply(flowlet_slot, md.lkp.now, md.cfg.flowlet_gap,
                                    md.flowlet_id, new_flowlet);
                /* Same flowlet, same route: the hop it started on, whatever the weights now;
                   otherwise the group picks one and the flowlet is pinned to it. */
                bool pinned;
                flowlet_pin.apply(false, flowlet_slot, 1w1 ++ md.next_id, !new_flowlet,
                                  hop, pinned);
                bool selected = false;
                if (!pinned) {
                    selected = next_hop_groups.apply().hit;
                    if (selected) {
                        flowlet_pin.apply(true, flowlet_slot, 1w1 ++ md.next_id, false,
                                          hop, pinned);
                    }
                }
                if (pinned || selected) {
                    intr.egress_spec = hop.port;
                    hdr.ethernet.src_addr = hop.smac;
                    hdr.ethernet.dst_addr = hop.dmac;
                    hdr.ipv4.ttl = hdr.ipv4.ttl - 1;
                    md.watch_id = hop.watch_id;
                    md.has_next_hop = true;
                }
            }
        }
    }
}

#endif  /* __FANTEL_FORWARDING__ */
