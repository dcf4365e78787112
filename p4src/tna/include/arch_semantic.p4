/*
 * TNA side of the semantic contract's state and the authentication digest
 * (v1model/include/arch_semantic.p4 says what each control does).
 */
#ifndef __FANTEL_ARCH_SEMANTIC_TNA__
#define __FANTEL_ARCH_SEMANTIC_TNA__

control BulkBurst(in bit<32> slot, in timestamp_t now, in timestamp_t idle_gap,
                  out timestamp_t first_seen) {
    @name(".FantelIngress.buffering.bulk_last_seen")
    Register<salu_time_t, bit<32>>(BULK_FLOW_SLOTS, 0) bulk_last_seen;
    @name(".FantelIngress.buffering.bulk_first_seen")
    Register<salu_time_t, bit<32>>(BULK_FLOW_SLOTS, 0) bulk_first_seen;

    salu_time_t now_salu;
    salu_time_t idle_before;   /* now - idle_gap */

    RegisterAction<salu_time_t, bit<32>, bit<1>>(bulk_last_seen) touch = {
        void apply(inout salu_time_t last_seen, out bit<1> idle) {
            idle = 0;
            if (last_seen < idle_before) {
                idle = 1;
            }
            last_seen = now_salu;
        }
    };
    RegisterAction<salu_time_t, bit<32>, salu_time_t>(bulk_first_seen) restart = {
        void apply(inout salu_time_t first, out salu_time_t rv) {
            first = now_salu;
            rv = now_salu;
        }
    };
    RegisterAction<salu_time_t, bit<32>, salu_time_t>(bulk_first_seen) read = {
        void apply(inout salu_time_t first, out salu_time_t rv) {
            rv = first;
        }
    };

    apply {
        now_salu = (salu_time_t)now;
        idle_before = now_salu - (salu_time_t)idle_gap;
        if (touch.execute(slot) == 1) {
            first_seen = (timestamp_t)restart.execute(slot);
        } else {
            first_seen = (timestamp_t)read.execute(slot);
        }
    }
}

/*
 * Not portable as moe.p4 uses it: four candidates read the same two registers in one packet,
 * which one SALU per register cannot do. This control keeps the program's shape (one cell per
 * apply) so the TNA build type-checks; the port needs the loads replicated per candidate slot
 * (four register copies written together by the controller) or recirculation.
 */
control ExpertState(in bool place, in bit<16> expert, in bit<32> new_load,
                    out bit<1> enabled, out bit<32> load) {
    @name(".FantelIngress.moe.expert_load")
    Register<bit<32>, bit<32>>(EXPERT_SLOTS, 0) expert_load;
    @name(".FantelIngress.moe.expert_enabled")
    Register<bit<8>, bit<32>>(EXPERT_SLOTS, 0) expert_enabled;

    bit<32> load_in;

    RegisterAction<bit<32>, bit<32>, bit<32>>(expert_load) read_load = {
        void apply(inout bit<32> cell, out bit<32> rv) { rv = cell; }
    };
    RegisterAction<bit<32>, bit<32>, bit<32>>(expert_load) write_load = {
        void apply(inout bit<32> cell, out bit<32> rv) { cell = load_in; rv = cell; }
    };
    RegisterAction<bit<8>, bit<32>, bit<8>>(expert_enabled) read_enabled = {
        void apply(inout bit<8> cell, out bit<8> rv) { rv = cell; }
    };

    apply {
        bit<32> slot = (bit<32>)(expert & (EXPERT_SLOTS - 1));
        load_in = new_load;
        enabled = 0;
        load = new_load;
        if (place) {
            write_load.execute(slot);
        } else {
            enabled = (bit<1>)read_enabled.execute(slot);
            load = read_load.execute(slot);
        }
    }
}

/* 64-bit totals do not fit a SALU word: a pair of 32-bit halves, carry folded by the SALU. */
struct saved_bytes_t {
    bit<32> lo;
    bit<32> hi;
}

control QuantSavedBytes(in bit<4> tclass, in bit<16> saved) {
    @name(".FantelEgress.quantize.quant_bytes_saved")
    Register<saved_bytes_t, bit<32>>(TCLASS_COUNT) quant_bytes_saved;

    bit<32> saved_in;

    RegisterAction<saved_bytes_t, bit<32>, bit<1>>(quant_bytes_saved) add = {
        void apply(inout saved_bytes_t total, out bit<1> carried) {
            carried = 0;
            if (total.lo > 0xffffffff - saved_in) {
                total.hi = total.hi + 1;
                carried = 1;
            }
            total.lo = total.lo + saved_in;
        }
    };

    apply {
        saved_in = (bit<32>)saved;
        add.execute((bit<32>)tclass);
    }
}

/* The ingress deparser packs it (glue.p4): Digest<auth_digest_t>. */
control AuthDigest(inout fantel_intr_md_t intr, in auth_digest_t report) {
    apply {
        intr.arch.digest_type = DIGEST_TYPE_AUTH;
        intr.arch.auth_report = report;
    }
}

#endif  /* __FANTEL_ARCH_SEMANTIC_TNA__ */
