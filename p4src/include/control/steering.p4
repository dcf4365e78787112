/*
 * Compute-affinity steering (issue 8 item 3), in ingress before Forwarding. affinity_pools maps
 * (tenant, task, affinity kind, accelerator id) to an endpoint pool; pool_endpoints is an action
 * selector over the pool's healthy endpoints (the controller keeps only healthy members in the
 * group), hashed on the 5-tuple so a flow stays on one endpoint. The chosen endpoint's address
 * replaces the IPv4 destination before routing; the next hop rewrites the MACs as usual.
 * crc32, as forwarding.p4: crc16 ignores bit 1 of the UDP source port, which skews groups.
 */
#ifndef __FANTEL_STEERING__
#define __FANTEL_STEERING__

control Steering(inout headers_t hdr,
                 inout local_md_t md,
                 inout fantel_intr_md_t intr) {

    CRC32_ACTION_SELECTOR(endpoint_selector, ENDPOINT_SELECTOR_SIZE, ENDPOINT_SELECTOR_WIDTH,
                          ENDPOINT_GROUP_TABLE_SIZE);
    DIRECT_PACKET_BYTE_COUNTER affinity_pools_counter;
    DIRECT_PACKET_BYTE_COUNTER pool_endpoints_counter;

    bit<16> pool_id = 0;

    action set_pool(bit<16> pool) {
        pool_id = pool;
        affinity_pools_counter.count();
    }

    @name("affinity_pools")
    table affinity_pools {
        key = {
            hdr.sem.tenant_id: exact @name("tenant_id");
            hdr.sem.task_id: ternary @name("task_id");
            hdr.sem.affinity_kind: exact @name("affinity_kind");
            hdr.sem.affinity_id: ternary @name("affinity_id");
        }
        actions = { set_pool; }
        counters = affinity_pools_counter;
        size = AFFINITY_TABLE_SIZE;
    }

    action set_endpoint(ipv4_addr_t addr) {
        hdr.ipv4.dst_addr = addr;
        md.lkp.ipv4_dst = addr;
        pool_endpoints_counter.count();
    }

    @name("pool_endpoints")
    table pool_endpoints {
        key = {
            pool_id: exact @name("pool_id");
            md.lkp.ipv4_src: selector @name("ipv4_src");
            md.lkp.ipv4_dst: selector @name("ipv4_dst");
            md.lkp.l4_sport: selector @name("l4_sport");
            md.lkp.dest_qp: selector @name("dest_qp");
        }
        actions = { set_endpoint; }
        implementation = endpoint_selector;
        counters = pool_endpoints_counter;
        size = ENDPOINT_GROUP_TABLE_SIZE;
    }

    apply {
        if (!hdr.sem.isValid() || !md.sem_trusted || md.port_type == PORT_TYPE_INFRA
                || hdr.sem.flag_moe == 1) {
            return;   /* MoE tokens are steered by expert choice (moe.p4) */
        }
        if (affinity_pools.apply().hit) {
            pool_endpoints.apply();
        }
    }
}

#endif  /* __FANTEL_STEERING__ */
