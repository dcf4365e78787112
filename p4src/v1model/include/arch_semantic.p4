/*
 * v1model side of the semantic contract's state (buffering.p4, moe.p4, quantize.p4) and the
 * authentication digest (auth.p4). Registers keep their control-plane names (absolute @name).
 */
#ifndef __FANTEL_ARCH_SEMANTIC_V1MODEL__
#define __FANTEL_ARCH_SEMANTIC_V1MODEL__

/* A gap longer than idle_gap since the flow's last packet starts a new burst: first_seen. */
control BulkBurst(in bit<32> slot, in timestamp_t now, in timestamp_t idle_gap,
                  out timestamp_t first_seen) {
    @name(".FantelIngress.buffering.bulk_first_seen")
    register<timestamp_t>(BULK_FLOW_SLOTS) bulk_first_seen;
    @name(".FantelIngress.buffering.bulk_last_seen")
    register<timestamp_t>(BULK_FLOW_SLOTS) bulk_last_seen;

    apply {
        timestamp_t last_seen;
        bulk_first_seen.read(first_seen, slot);
        bulk_last_seen.read(last_seen, slot);
        if (now - last_seen > idle_gap) {   /* also true for a never-seen slot */
            first_seen = now;
            bulk_first_seen.write(slot, first_seen);
        }
        bulk_last_seen.write(slot, now);
    }
}

/* place: expert's load becomes new_load; else enabled and load of expert. */
control ExpertState(in bool place, in bit<16> expert, in bit<32> new_load,
                    out bit<1> enabled, out bit<32> load) {
    @name(".FantelIngress.moe.expert_load")
    register<bit<32>>(EXPERT_SLOTS) expert_load;
    @name(".FantelIngress.moe.expert_enabled")
    register<bit<1>>(EXPERT_SLOTS) expert_enabled;

    apply {
        bit<32> slot = (bit<32>)(expert & (EXPERT_SLOTS - 1));
        enabled = 0;
        load = new_load;
        if (place) {
            expert_load.write(slot, new_load);
        } else {
            expert_enabled.read(enabled, slot);
            expert_load.read(load, slot);
        }
    }
}

/* Bytes quantization saved, per traffic class. */
control QuantSavedBytes(in bit<4> tclass, in bit<16> saved) {
    @name(".FantelEgress.quantize.quant_bytes_saved")
    register<bit<64>>(TCLASS_COUNT) quant_bytes_saved;

    apply {
        bit<64> total;
        quant_bytes_saved.read(total, (bit<32>)tclass);
        quant_bytes_saved.write((bit<32>)tclass, total + (bit<64>)saved);
    }
}

/* intr is for TNA, whose deparser packs the digest from intr.arch. */
control AuthDigest(inout fantel_intr_md_t intr, in auth_digest_t report) {
    apply {
        digest<auth_digest_t>(DIGEST_RECEIVER, report);
    }
}

#endif  /* __FANTEL_ARCH_SEMANTIC_V1MODEL__ */
