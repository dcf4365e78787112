/*
 * v1model side of the flow hash and the flowlet state of forwarding.p4. Registers keep the
 * control-plane names they had inside Forwarding (absolute @name), so P4Info does not change.
 */
#ifndef __FANTEL_ARCH_FORWARDING_V1MODEL__
#define __FANTEL_ARCH_FORWARDING_V1MODEL__

/* CRC32 of the 5-tuple (controller.programming computes the same). */
control FlowHash(in ipv4_addr_t src, in ipv4_addr_t dst, in bit<8> proto,
                 in l4_port_t sport, in l4_port_t dport, out flow_hash_t value) {
    apply {
        hash(value, HashAlgorithm.crc32, 32w0, { src, dst, proto, sport, dport }, 32w0xffffffff);
    }
}

/* A silence longer than gap starts a new flowlet of the flow in slot: its id goes up by one. */
control FlowletState(in bit<32> slot, in timestamp_t now, in timestamp_t gap,
                     out bit<16> flowlet_id, out bool new_flowlet) {
    @name(".FantelIngress.forwarding.flowlet_last_seen")
    register<timestamp_t>(FLOWLET_SLOTS) flowlet_last_seen;
    @name(".FantelIngress.forwarding.flowlet_ids")
    register<bit<16>>(FLOWLET_SLOTS) flowlet_ids;

    apply {
        timestamp_t seen;
        flowlet_last_seen.read(seen, slot);
        flowlet_ids.read(flowlet_id, slot);
        new_flowlet = now - seen > gap;
        if (new_flowlet) {
            flowlet_id = flowlet_id + 1;
            flowlet_ids.write(slot, flowlet_id);
        }
        flowlet_last_seen.write(slot, now);
    }
}

/*
 * The hop the current flowlet of slot started on, for route {1, next id}. Lookup: with reuse
 * (same flowlet) and a pin for this route, pinned and hop = the pinned hop. Store: hop becomes
 * the slot's pin for route. A packet stores only after a lookup that found no pin, so each
 * register is read or written once per packet (TNA: one RegisterAction each).
 */
control FlowletPin(in bool store, in bit<32> slot, in bit<17> route, in bool reuse,
                   inout flowlet_hop_t hop, out bool pinned) {
    @name(".FantelIngress.forwarding.flowlet_pin_next")
    register<bit<17>>(FLOWLET_SLOTS) flowlet_pin_next;
    @name(".FantelIngress.forwarding.flowlet_pin_port")
    register<PortId_t>(FLOWLET_SLOTS) flowlet_pin_port;
    @name(".FantelIngress.forwarding.flowlet_pin_smac")
    register<mac_addr_t>(FLOWLET_SLOTS) flowlet_pin_smac;
    @name(".FantelIngress.forwarding.flowlet_pin_dmac")
    register<mac_addr_t>(FLOWLET_SLOTS) flowlet_pin_dmac;
    @name(".FantelIngress.forwarding.flowlet_pin_watch")
    register<watch_id_t>(FLOWLET_SLOTS) flowlet_pin_watch;

    apply {
        pinned = false;
        if (store) {
            flowlet_pin_next.write(slot, route);
            flowlet_pin_port.write(slot, hop.port);
            flowlet_pin_smac.write(slot, hop.smac);
            flowlet_pin_dmac.write(slot, hop.dmac);
            flowlet_pin_watch.write(slot, hop.watch_id);
        } else {
            bit<17> pinned_route;
            flowlet_pin_next.read(pinned_route, slot);
            pinned = reuse && pinned_route == route;
            if (pinned) {
                flowlet_pin_port.read(hop.port, slot);
                flowlet_pin_smac.read(hop.smac, slot);
                flowlet_pin_dmac.read(hop.dmac, slot);
                flowlet_pin_watch.read(hop.watch_id, slot);
            }
        }
    }
}

#endif  /* __FANTEL_ARCH_FORWARDING_V1MODEL__ */
