/*
 * TNA side of the flow hash and the flowlet state of forwarding.p4: the same controls as
 * v1model/include/arch_forwarding.p4, each register reached by one RegisterAction per packet.
 */
#ifndef __FANTEL_ARCH_FORWARDING_TNA__
#define __FANTEL_ARCH_FORWARDING_TNA__

control FlowHash(in ipv4_addr_t src, in ipv4_addr_t dst, in bit<8> proto,
                 in l4_port_t sport, in l4_port_t dport, out flow_hash_t value) {
    Hash<flow_hash_t>(HashAlgorithm_t.CRC32) crc32;

    apply {
        value = crc32.get({ src, dst, proto, sport, dport });
    }
}

control FlowletState(in bit<32> slot, in timestamp_t now, in timestamp_t gap,
                     out bit<16> flowlet_id, out bool new_flowlet) {
    @name(".FantelIngress.forwarding.flowlet_last_seen")
    Register<salu_time_t, bit<32>>(FLOWLET_SLOTS, 0) flowlet_last_seen;
    @name(".FantelIngress.forwarding.flowlet_ids")
    Register<bit<16>, bit<32>>(FLOWLET_SLOTS, 0) flowlet_ids;

    salu_time_t now_salu;
    salu_time_t stale_before;   /* now - gap: the SALU compares two operands */

    RegisterAction<salu_time_t, bit<32>, bit<1>>(flowlet_last_seen) touch = {
        void apply(inout salu_time_t seen, out bit<1> expired) {
            expired = 0;
            if (seen < stale_before) {
                expired = 1;
            }
            seen = now_salu;
        }
    };
    RegisterAction<bit<16>, bit<32>, bit<16>>(flowlet_ids) advance = {
        void apply(inout bit<16> id, out bit<16> rv) {
            id = id + 1;
            rv = id;
        }
    };
    RegisterAction<bit<16>, bit<32>, bit<16>>(flowlet_ids) current = {
        void apply(inout bit<16> id, out bit<16> rv) {
            rv = id;
        }
    };

    apply {
        now_salu = (salu_time_t)now;
        stale_before = now_salu - (salu_time_t)gap;
        new_flowlet = touch.execute(slot) == 1;
        if (new_flowlet) {
            flowlet_id = advance.execute(slot);
        } else {
            flowlet_id = current.execute(slot);
        }
    }
}

/*
 * Lookup claims the slot for route when it holds another one (the SALU cannot wait for the
 * group lookup): a group miss after that leaves a stale hop pinned until the next flowlet.
 * A SALU word is 32 bits, so each MAC takes two registers (_hi, _lo): on TNA the pinned MACs
 * are four registers where v1model has flowlet_pin_smac and flowlet_pin_dmac.
 */
#define FLOWLET_PIN_REGISTER(T, NAME, REGISTER_NAME)                                   \
    @name(REGISTER_NAME) Register<T, bit<32>>(FLOWLET_SLOTS, 0) NAME;                  \
    RegisterAction<T, bit<32>, T>(NAME) NAME##_read = {                                \
        void apply(inout T cell, out T rv) { rv = cell; }                               \
    };                                                                                  \
    RegisterAction<T, bit<32>, T>(NAME) NAME##_write = {                               \
        void apply(inout T cell, out T rv) { cell = NAME##_value; rv = cell; }          \
    };

control FlowletPin(in bool store, in bit<32> slot, in bit<17> route, in bool reuse,
                   inout flowlet_hop_t hop, out bool pinned) {
    bit<32> route_word;
    bit<16> port_value;
    bit<16> smac_hi_value;
    bit<32> smac_lo_value;
    bit<16> dmac_hi_value;
    bit<32> dmac_lo_value;
    bit<16> watch_value;

    @name(".FantelIngress.forwarding.flowlet_pin_next")
    Register<bit<32>, bit<32>>(FLOWLET_SLOTS, 0) flowlet_pin_next;
    RegisterAction<bit<32>, bit<32>, bit<1>>(flowlet_pin_next) claim = {
        void apply(inout bit<32> pinned_route, out bit<1> same) {
            same = 0;
            if (pinned_route == route_word) {
                same = 1;
            }
            pinned_route = route_word;
        }
    };
    FLOWLET_PIN_REGISTER(bit<16>, port, ".FantelIngress.forwarding.flowlet_pin_port")
    FLOWLET_PIN_REGISTER(bit<16>, smac_hi, ".FantelIngress.forwarding.flowlet_pin_smac_hi")
    FLOWLET_PIN_REGISTER(bit<32>, smac_lo, ".FantelIngress.forwarding.flowlet_pin_smac_lo")
    FLOWLET_PIN_REGISTER(bit<16>, dmac_hi, ".FantelIngress.forwarding.flowlet_pin_dmac_hi")
    FLOWLET_PIN_REGISTER(bit<32>, dmac_lo, ".FantelIngress.forwarding.flowlet_pin_dmac_lo")
    FLOWLET_PIN_REGISTER(bit<16>, watch, ".FantelIngress.forwarding.flowlet_pin_watch")

    apply {
        pinned = false;
        route_word = (bit<32>)route;
        if (store) {
            port_value = (bit<16>)hop.port;
            smac_hi_value = hop.smac[47:32];
            smac_lo_value = hop.smac[31:0];
            dmac_hi_value = hop.dmac[47:32];
            dmac_lo_value = hop.dmac[31:0];
            watch_value = hop.watch_id;
            port_write.execute(slot);
            smac_hi_write.execute(slot);
            smac_lo_write.execute(slot);
            dmac_hi_write.execute(slot);
            dmac_lo_write.execute(slot);
            watch_write.execute(slot);
        } else {
            pinned = claim.execute(slot) == 1 && reuse;
            if (pinned) {
                hop.port = (PortId_t)port_read.execute(slot);
                hop.smac = smac_hi_read.execute(slot) ++ smac_lo_read.execute(slot);
                hop.dmac = dmac_hi_read.execute(slot) ++ dmac_lo_read.execute(slot);
                hop.watch_id = watch_read.execute(slot);
            }
        }
    }
}

#endif  /* __FANTEL_ARCH_FORWARDING_TNA__ */
