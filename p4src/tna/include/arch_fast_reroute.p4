/*
 * TNA side of fast_reroute.p4's state (v1model/include/arch_fast_reroute.p4 documents what
 * each control does). Times are salu_time_t; comparisons are rewritten so that the SALU
 * compares the cell with one precomputed operand.
 */
#ifndef __FANTEL_ARCH_FAST_REROUTE_TNA__
#define __FANTEL_ARCH_FAST_REROUTE_TNA__

control ProbeLiveness(in bool heard, in PortId_t port, in timestamp_t now,
                      out timestamp_t last_rx) {
    @name(".FantelIngress.fast_reroute.probe_last_rx")
    Register<salu_time_t, bit<32>>(PORT_COUNT, 0) probe_last_rx;

    salu_time_t now_salu;

    RegisterAction<salu_time_t, bit<32>, salu_time_t>(probe_last_rx) hear = {
        void apply(inout salu_time_t cell, out salu_time_t rv) {
            cell = now_salu;
            rv = now_salu;
        }
    };
    RegisterAction<salu_time_t, bit<32>, salu_time_t>(probe_last_rx) read = {
        void apply(inout salu_time_t cell, out salu_time_t rv) {
            rv = cell;
        }
    };

    /* The cell is 32 bits of the time: the shared control gets now minus the (modular)
       silence, which stays right across the wrap of salu_time_t. */
    apply {
        now_salu = (salu_time_t)now;
        salu_time_t heard_at;
        if (heard) {
            heard_at = hear.execute((bit<32>)port);
        } else {
            heard_at = read.execute((bit<32>)port);
        }
        last_rx = 0;
        if (heard_at != 0) {
            last_rx = now - (timestamp_t)(now_salu - heard_at);
        }
    }
}

/* The age is taken in 32-bit SALU time, so it stays right when that wraps (~73 minutes). */
control FailureOnset(in bool alive, in PortId_t port, in timestamp_t now,
                     out bool reported, out timestamp_t age) {
    @name(".FantelIngress.fast_reroute.port_reported_failed")
    Register<salu_time_t, bit<32>>(PORT_COUNT, 0) port_reported_failed;

    salu_time_t now_salu;

    RegisterAction<salu_time_t, bit<32>, salu_time_t>(port_reported_failed) forget = {
        void apply(inout salu_time_t reported_at, out salu_time_t rv) {
            rv = reported_at;
            reported_at = 0;
        }
    };
    RegisterAction<salu_time_t, bit<32>, salu_time_t>(port_reported_failed) start = {
        void apply(inout salu_time_t reported_at, out salu_time_t rv) {
            rv = reported_at;
            if (reported_at == 0) {
                reported_at = now_salu;
            }
        }
    };

    apply {
        now_salu = (salu_time_t)now;
        salu_time_t reported_at;
        if (alive) {
            reported_at = forget.execute((bit<32>)port);
        } else {
            reported_at = start.execute((bit<32>)port);
        }
        reported = reported_at != 0;
        age = 0;
        if (reported && !alive) {
            age = (timestamp_t)(now_salu - reported_at);
        }
    }
}

/*
 * A separate register from FailureOnset's: the wait depends on the age that one returns.
 * "Due" is the RFC 1982 test on the cell, (now - due_at) as a signed 32-bit difference.
 */
control FailureRefresh(in bool first, in PortId_t port, in timestamp_t now,
                       in timestamp_t wait, out bool due) {
    @name(".FantelIngress.fast_reroute.port_refresh_due")
    Register<salu_time_t, bit<32>>(PORT_COUNT, 0) port_refresh_due;

    salu_time_t now_salu;
    salu_time_t next_due;   /* now + wait */

    RegisterAction<salu_time_t, bit<32>, bit<1>>(port_refresh_due) arm = {
        void apply(inout salu_time_t due_at, out bit<1> rv) {
            due_at = next_due;
            rv = 1;
        }
    };
    RegisterAction<salu_time_t, bit<32>, bit<1>>(port_refresh_due) refresh = {
        void apply(inout salu_time_t due_at, out bit<1> rv) {
            rv = 0;
            if ((int<32>)(now_salu - due_at) >= 0) {
                due_at = next_due;
                rv = 1;
            }
        }
    };

    apply {
        now_salu = (salu_time_t)now;
        next_due = now_salu + (salu_time_t)wait;
        if (first) {
            due = arm.execute((bit<32>)port) == 1;
        } else {
            due = refresh.execute((bit<32>)port) == 1;
        }
    }
}

control RemoteDown(in bool update, in watch_id_t watch, in timestamp_t down_until,
                   in timestamp_t now, out bool down) {
    @name(".FantelIngress.fast_reroute.remote_down_until")
    Register<salu_time_t, bit<32>>(WATCH_SLOTS, 0) remote_down_until;

    salu_time_t now_salu;
    salu_time_t until_salu;

    RegisterAction<salu_time_t, bit<32>, bit<1>>(remote_down_until) set_until = {
        void apply(inout salu_time_t until, out bit<1> rv) {
            until = until_salu;
            rv = 0;
        }
    };
    RegisterAction<salu_time_t, bit<32>, bit<1>>(remote_down_until) check = {
        void apply(inout salu_time_t until, out bit<1> rv) {
            rv = 0;
            if (until > now_salu) {
                rv = 1;
            }
        }
    };

    apply {
        now_salu = (salu_time_t)now;
        until_salu = (salu_time_t)down_until;
        down = false;
        if (update) {
            set_until.execute((bit<32>)watch);
            down = down_until > now;
        } else {
            down = check.execute((bit<32>)watch) == 1;
        }
    }
}

/*
 * The RFC 1982 window (ahead in 1 .. 2^31 - 1) as one SALU condition on (sequence - last):
 * the cell takes the sequence when it is 0 or the FN is newer. The index is the low 13 bits of
 * the same CRC32 as v1model's hash(..., FN_REPLAY_SLOTS) (remains to check on hardware).
 */
control FnReplayGuard(in fn_h fn, out bool replay) {
    @name(".FantelIngress.fast_reroute.fn_last_seq")
    Register<bit<32>, bit<32>>(FN_REPLAY_SLOTS, 0) fn_last_seq;
    Hash<bit<32>>(HashAlgorithm_t.CRC32) crc32;

    bit<32> sequence;

    RegisterAction<bit<32>, bit<32>, bit<1>>(fn_last_seq) accept_newer = {
        void apply(inout bit<32> last, out bit<1> stale) {
            stale = 1;
            if (last == 0 || (int<32>)(sequence - last) > 0) {
                last = sequence;
                stale = 0;
            }
        }
    };

    apply {
        sequence = fn.sequence;
        bit<32> slot = crc32.get({ fn.originator, fn.object_kind, fn.object_id })
                       & (FN_REPLAY_SLOTS - 1);
        replay = accept_newer.execute(slot) == 1;
    }
}

#endif  /* __FANTEL_ARCH_FAST_REROUTE_TNA__ */
