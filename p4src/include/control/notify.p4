/*
 * Turns FN clones (I2E from FastReroute/Status, E2E from Congestion) into FN packets
 * (docs/wire-format.md section 2) from the preserved fn_md_t, and truncates the original
 * payload away. The sequence comes with the clone (md.fn.sequence): every copy of one event
 * carries the same number. NotifyIngress allocates it, once per event, for the FNs ingress
 * originates (failure, recovery, status); Congestion allocates its own in egress, where
 * congestion is seen (a register cannot be shared by ingress and egress). FNs are tagged with the
 * key of fn_signing (HalfSipHash-2-4, docs/wire-format.md 2.2) unless its key id is 0; relayed
 * FNs keep their originator's key id and tag (hop_limit is not covered by the tag).
 * A unicast FN (congestion, to the flow's sender) is also cloned E2E to FN_CPU_SESSION once
 * built: that copy (md.fn.cpu_copy) only gets its packet-in header, so the controller sees
 * the same bytes the sender gets.
 */
#ifndef __FANTEL_NOTIFY__
#define __FANTEL_NOTIFY__

/* Last in ingress: numbers the FN clone this packet carries, if ingress originated one. BMv2
   copies the preserved field list at the end of ingress, so the number reaches every replica. */
control NotifyIngress(inout local_md_t md) {
    NotifyFnSequence() fn_sequence;   /* arch_notify.p4 */

    apply {
        if (md.fn_cloned && md.fn.relay == 0) {
            fn_sequence.apply(0, md.fn.sequence);
        }
    }
}

control NotifyEgress(inout headers_t hdr,
                     inout local_md_t md,
                     inout fantel_intr_md_t intr) {

    HalfSipHash64() halfsiphash;
    FnTagMessage() fn_message;
    PACKET_BYTE_COUNTER(256) fn_tx_counter;   /* index: FN type */

    bit<16> fn_len = FN_FIXED_LEN;
    bit<8> signing_key_id = 0;
    bit<32> signing_k0 = 0;
    bit<32> signing_k1 = 0;
    sip_msg_t msg;

    /* Default action only: key id 0 leaves this switch's FNs unauthenticated. */
    action set_fn_signing_key(bit<8> key_id, bit<32> k0, bit<32> k1) {
        signing_key_id = key_id;
        signing_k0 = k0;
        signing_k1 = k1;
    }

    @name("fn_signing")
    table fn_signing {
        key = { }
        actions = { set_fn_signing_key; }
        default_action = set_fn_signing_key(0, 0, 0);
        size = 1;
    }

    apply {
        if (md.fn.cpu_copy == 1) {
            intr.truncate_len = (bit<32>)(PACKET_IN_LEN + ETH_HDR_LEN + hdr.ipv4.total_len);
            return;
        }
        if (intr.egress_port == md.fn.skip_port) {
            intr.drop = true;   /* a flood copy never goes back where the news came from */
            return;
        }
        hdr.packet_out.setInvalid();   /* an I2E copy of a packet-out probe still has it */
        hdr.probe.setInvalid();
        hdr.sem.setInvalid();
        hdr.sem_moe.setInvalid();
        hdr.bth.setInvalid();
        /* Payload elements parsed for quantization (quantize.p4) are no part of an FN: popping
           the whole stack leaves every element invalid. */
        hdr.sem_elems.pop_front(QUANT_MAX_ELEMS);
        hdr.sem_bf16.pop_front(QUANT_MAX_ELEMS);
        hdr.fn_five_tuple.setInvalid();
        hdr.fn_qp.setInvalid();
        hdr.fn_path.setInvalid();

        hdr.fn.setValid();
        hdr.fn.version = FN_VERSION;
        hdr.fn.fn_rsv = 0;
        hdr.fn.fn_type = md.fn.fn_type;
        hdr.fn.hop_limit = md.fn.hop_limit;
        hdr.fn.params = md.fn.params;
        hdr.fn.originator = md.fn.node_id;
        hdr.fn.sequence = md.fn.sequence;
        hdr.fn.timestamp = intr.egress_ts;
        if (md.fn.relay == 1) {
            hdr.fn.originator = md.fn.relay_originator;
            hdr.fn.timestamp = md.fn.relay_timestamp;
        }
        hdr.fn.object_kind = md.fn.object_kind;
        hdr.fn.metric_kind = md.fn.metric_kind;
        hdr.fn.object_id = md.fn.object_id;
        hdr.fn.metric_value = md.fn.metric_value;
        hdr.fn.lifetime = md.fn.lifetime;
        hdr.fn.key_id = 0;
        hdr.fn.tail_rsv = 0;
        hdr.fn.auth_tag = 0;

        if ((md.fn.params & FN_PARAM_FIVE_TUPLE) != 0) {
            hdr.fn_five_tuple.setValid();
            hdr.fn_five_tuple.src_addr = md.fn.flow_src;
            hdr.fn_five_tuple.dst_addr = md.fn.flow_dst;
            hdr.fn_five_tuple.src_port = md.fn.flow_sport;
            hdr.fn_five_tuple.dst_port = md.fn.flow_dport;
            hdr.fn_five_tuple.protocol = md.fn.flow_proto;
            hdr.fn_five_tuple.tuple_rsv = 0;
            fn_len = fn_len + FN_FIVE_TUPLE_LEN;
        }
        if ((md.fn.params & FN_PARAM_ROCE_QP) != 0) {
            hdr.fn_qp.setValid();
            hdr.fn_qp.dest_qp = md.fn.flow_qp;
            hdr.fn_qp.qp_rsv = 0;
            fn_len = fn_len + FN_QP_LEN;
        }

        hdr.udp.setValid();
        hdr.udp.sport = UDP_PORT_FN;
        hdr.udp.dport = UDP_PORT_FN;
        hdr.udp.len = UDP_HDR_LEN + fn_len;
        hdr.udp.checksum = 0;

        hdr.ipv4.setValid();
        hdr.ipv4.version = 4;
        hdr.ipv4.ihl = 5;
        hdr.ipv4.dscp = 48;   /* CS6, network control */
        hdr.ipv4.ecn = 0;
        hdr.ipv4.total_len = IPV4_HDR_LEN + UDP_HDR_LEN + fn_len;
        hdr.ipv4.identification = 0;
        hdr.ipv4.flags = 0;
        hdr.ipv4.frag_offset = 0;
        hdr.ipv4.ttl = FN_TTL;
        if (md.fn.dst_addr == IPV4_LIMITED_BROADCAST) {
            hdr.ipv4.ttl = 1;
        }
        hdr.ipv4.protocol = IP_PROTO_UDP;
        hdr.ipv4.src_addr = md.fn.node_ip;
        hdr.ipv4.dst_addr = md.fn.dst_addr;

        hdr.ethernet.dst_addr = md.fn.dst_mac;
        hdr.ethernet.src_addr = md.fn.node_mac;
        hdr.ethernet.ether_type = ETHERTYPE_IPV4;

        if (md.fn.relay == 1) {
            hdr.fn.key_id = md.fn.relay_key_id;
            hdr.fn.auth_tag = md.fn.relay_auth_tag;
        } else {
            fn_signing.apply();
            if (signing_key_id != 0) {
                hdr.fn.key_id = signing_key_id;
                fn_message.apply(hdr, msg);
                halfsiphash.apply(signing_k0, signing_k1, msg, hdr.fn.auth_tag);
            }
        }
        fn_tx_counter.count((bit<32>)md.fn.fn_type);
        intr.truncate_len = (bit<32>)(ETH_HDR_LEN + hdr.ipv4.total_len);
        if (md.fn.relay == 0 && md.fn.dst_addr != IPV4_LIMITED_BROADCAST) {
            md.fn.cpu_copy = 1;
            intr.clone = true;
            intr.clone_session = FN_CPU_SESSION;
        }
    }
}

#endif  /* __FANTEL_NOTIFY__ */
