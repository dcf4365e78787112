/*
 * MoE top-K expert selection (issue 8 item 4), in ingress at the edge (host ports) before
 * Forwarding, so a token is placed once and never re-placed by later switches.
 *
 * expert_load[e] is the load of expert e: the controller writes it from expert status reports,
 * and this switch adds MOE_LOAD_PER_TOKEN for every token it sends to e. expert_enabled[e] = 1
 * marks e eligible (healthy, registered). Among candidate slots 0 .. cand_count-1 whose expert
 * is enabled, the least loaded wins; ties go to the lower slot, i.e. to the candidate the sender
 * ranked higher (senders list candidates by descending gate weight). expert_endpoints maps the
 * winner to its address, which replaces the IPv4 destination. No eligible candidate, or no
 * endpoint: the packet keeps its destination and moe_counter[2 or 3] counts it.
 */
#ifndef __FANTEL_MOE__
#define __FANTEL_MOE__

#ifndef MOE_LOAD_PER_TOKEN
#define MOE_LOAD_PER_TOKEN 1
#endif

/* Consider candidate slot i: eligible and strictly less loaded than the best so far. */
#define MOE_CONSIDER(i)                                                               \
    if (hdr.sem_moe.cand_count > i) {                                                 \
        expert_state.apply(false, hdr.sem_moe.expert##i, 0, enabled, load);             \
        if (enabled == 1 && (!found || load < best_load)) {                           \
            found = true;                                                             \
            best_load = load;                                                         \
            best = hdr.sem_moe.expert##i;                                             \
        }                                                                             \
    }

control MoeSelect(inout headers_t hdr,
                  inout local_md_t md,
                  inout fantel_intr_md_t intr) {

    /* expert_load and expert_enabled per expert id (arch_semantic.p4). */
    ExpertState() expert_state;
    /* Index 0: token placed, 1: placed on a lower-ranked candidate, 2: no eligible candidate,
       3: winner without endpoint. */
    PACKET_COUNTER(4) moe_counter;
    DIRECT_PACKET_COUNTER expert_endpoints_counter;

    bit<1> enabled = 0;
    bit<32> load = 0;
    bit<32> best_load = 0;
    bit<16> best = 0;
    bool found = false;

    action set_expert_endpoint(ipv4_addr_t addr) {
        hdr.ipv4.dst_addr = addr;
        md.lkp.ipv4_dst = addr;
        expert_endpoints_counter.count();
    }

    @name("expert_endpoints")
    table expert_endpoints {
        key = { best: exact @name("expert_id"); }
        actions = { set_expert_endpoint; }
        counters = expert_endpoints_counter;
        size = EXPERT_SLOTS;
    }

    apply {
        if (!hdr.sem_moe.isValid() || !md.sem_trusted || md.port_type == PORT_TYPE_INFRA) {
            return;
        }
        MOE_CONSIDER(0)
        MOE_CONSIDER(1)
        MOE_CONSIDER(2)
        MOE_CONSIDER(3)
        if (!found) {
            moe_counter.count(2);
            return;
        }
        if (!expert_endpoints.apply().hit) {
            moe_counter.count(3);
            return;
        }
        expert_state.apply(true, best, best_load + MOE_LOAD_PER_TOKEN, enabled, load);
        moe_counter.count(0);
        if (best != hdr.sem_moe.expert0) {
            moe_counter.count(1);
        }
    }
}

#endif  /* __FANTEL_MOE__ */
