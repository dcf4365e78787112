/*
 * Anti-spoofing at the ingress edge (issue 8 item 5): SEM tags of packets from host ports and
 * FN tags of notifications consumed by this switch, HalfSipHash-2-4 keyed per (tenant, key id).
 *
 * auth_policy (domain, tenant) says whether a tag is required and what a failure does: SEM
 * failures are dropped or downgraded (forwarded best effort, see docs/semantic-contract.md),
 * FN failures are always dropped. Every outcome is counted in auth_counter[domain * 4 + result];
 * every failure raises an auth_digest. auth_keys holds each tenant's keys by key id, so a
 * rotation installs the new key next to the old one and removes the old one afterwards:
 * packets tagged with either verify during the change. Runs before SemanticIngress (clamping)
 * and FastReroute (replay check), so a forged FN cannot advance the replay window.
 */
#ifndef __FANTEL_AUTH__
#define __FANTEL_AUTH__

control Auth(inout headers_t hdr,
             inout local_md_t md,
             inout fantel_intr_md_t intr) {

    HalfSipHash64() halfsiphash;
    SemTagMessage() sem_message;
    FnTagMessage() fn_message;
    AuthDigest() auth_digest;   /* arch_semantic.p4 */

    PACKET_COUNTER(AUTH_COUNTER_SIZE) auth_counter;
    DIRECT_PACKET_COUNTER auth_policy_counter;
    DIRECT_PACKET_COUNTER auth_keys_counter;

    sip_msg_t msg;
    bit<8> domain = 0;
    tenant_id_t tenant = 0;
    bit<8> key_id = 0;
    bit<64> claimed = 0;
    bit<64> expected = 0;
    bit<32> key0 = 0;
    bit<32> key1 = 0;
    bit<1> downgrade = 0;
    bit<8> result = AUTH_RESULT_OK;

    action require_tag(bit<1> downgrade_on_failure) {
        downgrade = downgrade_on_failure;
        auth_policy_counter.count();
    }

    action tag_optional() {
        auth_policy_counter.count();
    }

    @name("auth_policy")
    table auth_policy {
        key = {
            domain: exact @name("domain");
            tenant: exact @name("tenant_id");
        }
        actions = { require_tag; @defaultonly tag_optional; }
        const default_action = tag_optional();
        counters = auth_policy_counter;
        size = AUTH_POLICY_TABLE_SIZE;
    }

    action set_key(bit<32> k0, bit<32> k1) {
        key0 = k0;
        key1 = k1;
        auth_keys_counter.count();
    }

    action unknown_key() {
        auth_keys_counter.count();
    }

    @name("auth_keys")
    table auth_keys {
        key = {
            domain: exact @name("domain");
            tenant: exact @name("tenant_id");
            key_id: exact @name("key_id");
        }
        actions = { set_key; @defaultonly unknown_key; }
        const default_action = unknown_key();
        counters = auth_keys_counter;
        size = AUTH_KEY_TABLE_SIZE;
    }

    apply {
        bit<32> subject = 0;
        if (hdr.sem.isValid() && md.port_type != PORT_TYPE_INFRA) {
            domain = AUTH_DOMAIN_SEM;
            tenant = hdr.sem.tenant_id;
            key_id = hdr.sem.key_id;
            claimed = hdr.sem.auth_tag;
            subject = hdr.sem.task_id;
            sem_message.apply(hdr.sem, msg);
        } else if (hdr.fn.isValid() && md.to_local) {
            domain = AUTH_DOMAIN_FN;
            key_id = hdr.fn.key_id;
            claimed = hdr.fn.auth_tag;
            subject = hdr.fn.originator;
            fn_message.apply(hdr, msg);
        } else {
            return;
        }
        if (!auth_policy.apply().hit) {
            auth_counter.count((bit<32>)domain * AUTH_RESULT_COUNT + (bit<32>)AUTH_RESULT_NOT_REQUIRED);
            return;
        }
        if (auth_keys.apply().hit) {
            halfsiphash.apply(key0, key1, msg, expected);
            if (expected != claimed) {
                result = AUTH_RESULT_BAD_TAG;
            }
        } else {
            result = AUTH_RESULT_UNKNOWN_KEY;
        }
        auth_counter.count((bit<32>)domain * AUTH_RESULT_COUNT + (bit<32>)result);
        if (result == AUTH_RESULT_OK) {
            return;
        }
        auth_digest_t report = { md.fn.node_id, intr.ingress_port, domain, result, tenant, key_id,
                                 subject, md.lkp.ipv4_src, md.lkp.now };
        auth_digest.apply(intr, report);
        if (domain == AUTH_DOMAIN_SEM && downgrade == 1) {
            /* Forwarded, but none of its claims count: best effort, no promotion, no steering. */
            md.sem_trusted = false;
            hdr.sem.urgency = 0;
            hdr.sem.buffer_ok = 0;
            md.lkp.urgency = 0;
        } else {
            md.bypass = true;
            intr.drop = true;
        }
    }
}

#endif  /* __FANTEL_AUTH__ */
