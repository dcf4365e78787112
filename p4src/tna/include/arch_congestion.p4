/* TNA side of congestion.p4's state (v1model/include/arch_congestion.p4 says what it does). */
#ifndef __FANTEL_ARCH_CONGESTION_TNA__
#define __FANTEL_ARCH_CONGESTION_TNA__

control CongestionState(in bit<32> slot, in bool above, in bool below, out bool cleared) {
    @name(".FantelEgress.congestion.congested")
    Register<bit<8>, bit<32>>(CONGESTION_STATE_SLOTS, 0) congested;

    RegisterAction<bit<8>, bit<32>, bit<1>>(congested) mark = {
        void apply(inout bit<8> state, out bit<1> rv) {
            state = 1;
            rv = 1;
        }
    };
    RegisterAction<bit<8>, bit<32>, bit<1>>(congested) clear = {
        void apply(inout bit<8> state, out bit<1> was_congested) {
            was_congested = (bit<1>)state;
            state = 0;
        }
    };

    apply {
        cleared = false;
        if (above) {
            mark.execute(slot);
        } else if (below) {
            cleared = clear.execute(slot) == 1;
        }
    }
}

control FnRateLimit(in bit<32> slot, in timestamp_t now, in timestamp_t min_interval,
                    in bool limitable, out bool limited) {
    @name(".FantelEgress.congestion.last_fn_time")
    Register<salu_time_t, bit<32>>(FN_RATE_SLOTS, 0) last_fn_time;

    salu_time_t now_salu;
    salu_time_t quiet_since;   /* now - min_interval */

    RegisterAction<salu_time_t, bit<32>, bit<1>>(last_fn_time) limit = {
        void apply(inout salu_time_t last_sent, out bit<1> rv) {
            rv = 1;
            if (last_sent == 0 || last_sent <= quiet_since) {
                last_sent = now_salu;
                rv = 0;
            }
        }
    };
    RegisterAction<salu_time_t, bit<32>, bit<1>>(last_fn_time) stamp = {
        void apply(inout salu_time_t last_sent, out bit<1> rv) {
            last_sent = now_salu;
            rv = 0;
        }
    };

    apply {
        now_salu = (salu_time_t)now;
        quiet_since = now_salu - (salu_time_t)min_interval;
        limited = false;
        if (limitable) {
            limited = limit.execute(slot) == 1;
        } else {
            stamp.execute(slot);
        }
    }
}

#endif  /* __FANTEL_ARCH_CONGESTION_TNA__ */
