/*
 * Semantic treatment of AI traffic (issue 5 item 3, docs/wire-format.md section 1):
 *  - ingress edge: SEM insertion for legacy RoCEv2 senders from a classification table;
 *  - per-tenant urgency clamp (a tenant cannot claim more than the controller allows);
 *  - policy (tenant, class, urgency, stage) -> queue priority; per-class counters;
 *  - egress edge: SEM strip so plain RDMA NICs receive plain RoCEv2.
 */
#ifndef __FANTEL_SEMANTIC__
#define __FANTEL_SEMANTIC__

control SemanticIngress(inout headers_t hdr,
                        inout local_md_t md,
                        inout fantel_intr_md_t intr) {

    PACKET_BYTE_COUNTER(TCLASS_COUNT) class_counter;
    /* Index: tenant id; counts packets whose urgency was lowered. */
    PACKET_COUNTER(TENANT_COUNT) urgency_clamp_counter;
    DIRECT_PACKET_BYTE_COUNTER sem_classifier_counter;
    DIRECT_PACKET_BYTE_COUNTER tenant_limits_counter;
    DIRECT_PACKET_BYTE_COUNTER sem_policy_counter;

    bit<8> max_urgency = 0;

    /* Inserts a SEM before BTH; lengths grow, UDP checksum becomes 0 (docs/wire-format.md 1.1). */
    action insert_sem(bit<4> tclass, bit<8> urgency, bit<8> stage, bit<16> layer_id,
                      bit<1> quant_ok, bit<1> loss_ok, bit<1> buffer_ok,
                      bit<4> elem_format, bit<4> target_precision, bit<8> loss_budget,
                      bit<16> max_delay, bit<4> affinity_kind, bit<12> affinity_id,
                      tenant_id_t tenant_id, bit<32> task_id) {
        hdr.sem.setValid();
        hdr.sem.version = SEM_VERSION;
        hdr.sem.tclass = tclass;
        hdr.sem.urgency = urgency;
        hdr.sem.flag_moe = 0;
        hdr.sem.flag_quantized = 0;
        hdr.sem.flag_promoted = 0;
        hdr.sem.flag_keep = 0;
        hdr.sem.flags_rsv = 0;
        hdr.sem.quant_ok = quant_ok;
        hdr.sem.loss_ok = loss_ok;
        hdr.sem.buffer_ok = buffer_ok;
        hdr.sem.token_hint = TOKEN_NONE;
        hdr.sem.tol_rsv = 0;
        hdr.sem.elem_format = elem_format;
        hdr.sem.target_precision = target_precision;
        hdr.sem.loss_budget = loss_budget;
        hdr.sem.max_delay = max_delay;
        hdr.sem.layer_id = layer_id;
        hdr.sem.stage = stage;
        hdr.sem.key_id = 0;
        hdr.sem.affinity_kind = affinity_kind;
        hdr.sem.affinity_id = affinity_id;
        hdr.sem.tenant_id = tenant_id;
        hdr.sem.task_id = task_id;
        hdr.sem.auth_tag = 0;   /* inserted by a trusted edge: nothing to authenticate */
        hdr.udp.dport = UDP_PORT_SEM;
        hdr.udp.len = hdr.udp.len + SEM_FIXED_LEN;
        hdr.udp.checksum = 0;
        hdr.ipv4.total_len = hdr.ipv4.total_len + SEM_FIXED_LEN;
        md.lkp.tclass = tclass;
        md.lkp.urgency = urgency;
        md.lkp.tenant_id = tenant_id;
        md.lkp.stage = stage;
        md.sem_inserted = true;
        sem_classifier_counter.count();
    }

    action no_sem() {
        sem_classifier_counter.count();
    }

    @name("sem_classifier")
    table sem_classifier {
        key = {
            intr.ingress_port: ternary @name("ingress_port");
            md.lkp.ipv4_src: ternary @name("ipv4_src");
            md.lkp.ipv4_dst: ternary @name("ipv4_dst");
            md.lkp.dest_qp: ternary @name("dest_qp");
        }
        actions = { insert_sem; @defaultonly no_sem; }
        const default_action = no_sem();
        counters = sem_classifier_counter;
        size = SEM_CLASSIFIER_TABLE_SIZE;
    }

    action set_tenant_limits(bit<8> tenant_max_urgency) {
        max_urgency = tenant_max_urgency;
        tenant_limits_counter.count();
    }

    @name("tenant_limits")
    table tenant_limits {
        key = { md.lkp.tenant_id: exact @name("tenant_id"); }
        actions = { set_tenant_limits; }
        /* Unknown tenants get the lowest urgency; the controller may change this default. */
        default_action = set_tenant_limits(0);
        counters = tenant_limits_counter;
        size = TENANT_TABLE_SIZE;
    }

    action set_treatment(QueuePriority_t priority) {
        intr.priority = priority;
        sem_policy_counter.count();
    }

    action best_effort() {
        intr.priority = 0;
        sem_policy_counter.count();
    }

    @name("sem_policy")
    table sem_policy {
        key = {
            md.lkp.tenant_id: ternary @name("tenant_id");
            md.lkp.tclass: ternary @name("tclass");
            md.lkp.urgency: range @name("urgency");
            md.lkp.stage: ternary @name("stage");
        }
        actions = { set_treatment; @defaultonly best_effort; }
        const default_action = best_effort();
        counters = sem_policy_counter;
        size = SEM_POLICY_TABLE_SIZE;
    }

    apply {
        if (md.port_type != PORT_TYPE_INFRA && hdr.bth.isValid() && !hdr.sem.isValid()) {
            sem_classifier.apply();
        }
        if (hdr.sem.isValid()) {
            /* Clamp only at the trust boundary: infrastructure ports carry clamped SEMs. */
            if (md.port_type != PORT_TYPE_INFRA) {
                tenant_limits.apply();
                if (hdr.sem.urgency > max_urgency) {
                    hdr.sem.urgency = max_urgency;
                    md.lkp.urgency = max_urgency;
                    urgency_clamp_counter.count((bit<32>)hdr.sem.tenant_id);
                }
            }
            if (md.sem_trusted) {
                sem_policy.apply();
            } else {
                best_effort();   /* downgraded authentication failure (auth.p4) */
            }
            class_counter.count((bit<32>)hdr.sem.tclass);
        }
    }
}

control SemanticEgress(inout headers_t hdr,
                       inout local_md_t md,
                       inout fantel_intr_md_t intr) {

    DIRECT_PACKET_BYTE_COUNTER sem_strip_counter;

    bit<16> sem_len = SEM_FIXED_LEN;

    /* Restores plain RoCEv2: the ICRC, computed over that view, is valid again. */
    action strip_sem() {
        hdr.sem.setInvalid();
        hdr.sem_moe.setInvalid();
        hdr.udp.dport = UDP_PORT_ROCEV2;
        hdr.udp.len = hdr.udp.len - sem_len;
        hdr.udp.checksum = 0;
        hdr.ipv4.total_len = hdr.ipv4.total_len - sem_len;
        sem_strip_counter.count();
    }

    action keep_sem() {
        sem_strip_counter.count();
    }

    @name("sem_strip")
    table sem_strip {
        key = { intr.egress_port: exact @name("egress_port"); }
        actions = { strip_sem; @defaultonly keep_sem; }
        const default_action = keep_sem();
        counters = sem_strip_counter;
        size = PORT_TYPE_TABLE_SIZE;
    }

    apply {
        if (hdr.sem.isValid() && hdr.sem.flag_keep == 0) {
            if (hdr.sem_moe.isValid()) {
                sem_len = SEM_FIXED_LEN + SEM_MOE_LEN;
            }
            sem_strip.apply();
        }
    }
}

#endif  /* __FANTEL_SEMANTIC__ */
