/*
 * v1model side of congestion.p4's state: congestion per (egress port, class) and the per-flow
 * FN rate limit. Registers keep their control-plane names (absolute @name).
 */
#ifndef __FANTEL_ARCH_CONGESTION_V1MODEL__
#define __FANTEL_ARCH_CONGESTION_V1MODEL__

/* above: slot is congested now; below (both under the low thresholds) ends it: cleared. */
control CongestionState(in bit<32> slot, in bool above, in bool below, out bool cleared) {
    @name(".FantelEgress.congestion.congested")
    register<bit<1>>(CONGESTION_STATE_SLOTS) congested;

    apply {
        bit<1> was_congested;
        congested.read(was_congested, slot);
        cleared = false;
        if (above) {
            congested.write(slot, 1);
        } else if (below && was_congested == 1) {
            congested.write(slot, 0);
            cleared = true;
        }
    }
}

/* At most one limitable FN per flow slot per min_interval; others always pass. */
control FnRateLimit(in bit<32> slot, in timestamp_t now, in timestamp_t min_interval,
                    in bool limitable, out bool limited) {
    @name(".FantelEgress.congestion.last_fn_time")
    register<timestamp_t>(FN_RATE_SLOTS) last_fn_time;

    apply {
        timestamp_t last_sent;
        last_fn_time.read(last_sent, slot);
        limited = limitable && last_sent != 0 && now - last_sent < min_interval;
        if (!limited) {
            last_fn_time.write(slot, now);
        }
    }
}

#endif  /* __FANTEL_ARCH_CONGESTION_V1MODEL__ */
