/*
 * Buffering of delay-tolerant traffic (issue 8 item 2), in ingress after the semantic policy.
 * A SEM packet with buffer_ok whose (tenant, class) has a buffer_policy entry goes to the bulk
 * queue priority of that entry: strict priority makes it yield to every urgent class, and the
 * controller shapes the bulk queue with the BMv2 queue rate (set_queue_rate port rate prio).
 * The delay budget is per flow: bulk_first_seen holds when the flow's current burst started (a
 * gap longer than the entry's idle_gap_us starts a new one). Once now - first_seen exceeds
 * max_delay << 10 us, the flow's packets are promoted: promoted priority and SEM flag P, so a
 * transfer is deferred by at most its budget and never held forever. Packets already queued
 * stay where they are (a queue cannot be reordered); docs/semantic-contract.md.
 */
#ifndef __FANTEL_BUFFERING__
#define __FANTEL_BUFFERING__

control Buffering(inout headers_t hdr,
                  inout local_md_t md,
                  inout fantel_intr_md_t intr) {

    BulkBurst() bulk_burst;   /* when the flow's current burst started (arch_semantic.p4) */
    /* Index 0: packets buffered (bulk queue), 1: packets promoted. */
    PACKET_BYTE_COUNTER(2) buffering_counter;
    DIRECT_PACKET_COUNTER buffer_policy_counter;

    QueuePriority_t bulk = 0;
    QueuePriority_t promoted = 0;
    timestamp_t idle_gap = 0;
    timestamp_t first_seen = 0;

    action set_bulk_class(QueuePriority_t bulk_priority, QueuePriority_t promoted_priority,
                          bit<32> idle_gap_us) {
        bulk = bulk_priority;
        promoted = promoted_priority;
        idle_gap = (timestamp_t)idle_gap_us;
        buffer_policy_counter.count();
    }

    @name("buffer_policy")
    table buffer_policy {
        key = {
            md.lkp.tenant_id: ternary @name("tenant_id");
            md.lkp.tclass: ternary @name("tclass");
        }
        actions = { set_bulk_class; }
        counters = buffer_policy_counter;
        size = BUFFER_POLICY_TABLE_SIZE;
    }

    apply {
        if (!hdr.sem.isValid() || hdr.sem.buffer_ok == 0 || !md.sem_trusted) {
            return;
        }
        if (!buffer_policy.apply().hit) {
            return;
        }
        bulk_burst.apply(md.lkp.flow_hash & (BULK_FLOW_SLOTS - 1), md.lkp.now, idle_gap,
                         first_seen);
        timestamp_t budget = (timestamp_t)hdr.sem.max_delay << 10;
        if (md.lkp.now - first_seen > budget || hdr.sem.flag_promoted == 1) {
            intr.priority = promoted;
            hdr.sem.flag_promoted = 1;
            buffering_counter.count(1);
        } else {
            intr.priority = bulk;
            buffering_counter.count(0);
        }
    }
}

#endif  /* __FANTEL_BUFFERING__ */
