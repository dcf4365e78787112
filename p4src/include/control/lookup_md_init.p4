/* Fills local_md_t.lkp once per packet and loads the switch-wide configuration. */
#ifndef __FANTEL_LOOKUP_MD_INIT__
#define __FANTEL_LOOKUP_MD_INIT__

control LookupMdInit(inout headers_t hdr,
                     inout local_md_t md,
                     inout fantel_intr_md_t intr) {

    FlowHash() flow_hash;

    /* Default action only: the controller sets it with MODIFY of the default entry. */
    action set_switch_config(node_id_t node_id, ipv4_addr_t node_ip, mac_addr_t node_mac,
                             timestamp_t flowlet_gap, timestamp_t fn_min_interval,
                             bit<16> fn_lifetime, bit<8> fn_hop_limit,
                             timestamp_t status_window) {
        md.fn.node_id = node_id;
        md.fn.node_ip = node_ip;
        md.fn.node_mac = node_mac;
        md.cfg.flowlet_gap = flowlet_gap;
        md.cfg.fn_min_interval = fn_min_interval;
        md.cfg.fn_lifetime = fn_lifetime;
        md.cfg.fn_hop_limit = fn_hop_limit;
        md.cfg.status_window = status_window;
    }

    @name("switch_config")
    table switch_config {
        key = { }
        actions = { set_switch_config; }
        /* Safe until configured: no flowlet splitting, one FN per flow per second. */
        default_action = set_switch_config(0, 0, 0, 0, 1000000, 100, 1, 1000);
        size = 1;
    }

    apply {
        md.lkp.now = intr.ingress_ts;
        md.bypass = false;
        md.to_local = hdr.probe.isValid()
                      || (hdr.fn.isValid() && hdr.ipv4.dst_addr == IPV4_LIMITED_BROADCAST);
        md.drop_reason = DROP_REASON_NONE;
        md.has_next_hop = false;
        md.next_id = 0;
        md.watch_id = 0;
        md.flowlet_id = 0;
        md.sem_inserted = false;
        md.fn_cloned = false;
        md.sem_trusted = true;
        md.lkp.eth_src = hdr.ethernet.src_addr;
        md.lkp.ipv4_src = 0;
        md.lkp.ipv4_dst = 0;
        md.lkp.ip_proto = 0;
        md.lkp.l4_sport = 0;
        md.lkp.l4_dport = 0;
        md.lkp.dest_qp = 0;
        md.lkp.tclass = TCLASS_OTHER;
        md.lkp.urgency = 0;
        md.lkp.tenant_id = 0;
        md.lkp.stage = 0;
        if (hdr.ipv4.isValid()) {
            md.lkp.ipv4_src = hdr.ipv4.src_addr;
            md.lkp.ipv4_dst = hdr.ipv4.dst_addr;
            md.lkp.ip_proto = hdr.ipv4.protocol;
        }
        if (hdr.udp.isValid()) {
            md.lkp.l4_sport = hdr.udp.sport;
            md.lkp.l4_dport = hdr.udp.dport;
        }
        if (hdr.bth.isValid()) {
            md.lkp.dest_qp = hdr.bth.dqpn;
        }
        if (hdr.sem.isValid()) {
            md.lkp.tclass = hdr.sem.tclass;
            md.lkp.urgency = hdr.sem.urgency;
            md.lkp.tenant_id = hdr.sem.tenant_id;
            md.lkp.stage = hdr.sem.stage;
        }
        /* The RoCEv2 port, not the SEM signalling port, names the flow on both sides of an edge. */
        if (md.lkp.l4_dport == UDP_PORT_SEM) {
            md.lkp.l4_dport = UDP_PORT_ROCEV2;
        }
        flow_hash.apply(md.lkp.ipv4_src, md.lkp.ipv4_dst, md.lkp.ip_proto,
                        md.lkp.l4_sport, md.lkp.l4_dport, md.lkp.flow_hash);
        switch_config.apply();
    }
}

#endif  /* __FANTEL_LOOKUP_MD_INIT__ */
