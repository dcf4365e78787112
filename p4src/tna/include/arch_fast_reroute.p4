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

    apply {
        now_salu = (salu_time_t)now;
        if (heard) {
            last_rx = (timestamp_t)hear.execute((bit<32>)port);
        } else {
            last_rx = (timestamp_t)read.execute((bit<32>)port);
        }
    }
}

control FailureReport(in bool alive, in PortId_t port, in timestamp_t now,
                      in timestamp_t refresh_after, out bool announce) {
    @name(".FantelIngress.fast_reroute.port_reported_failed")
    Register<salu_time_t, bit<32>>(PORT_COUNT, 0) port_reported_failed;

    salu_time_t now_salu;
    salu_time_t refresh_before;   /* now - refresh_after */

    RegisterAction<salu_time_t, bit<32>, bit<1>>(port_reported_failed) recover = {
        void apply(inout salu_time_t reported, out bit<1> rv) {
            rv = 0;
            if (reported != 0) {
                rv = 1;
            }
            reported = 0;
        }
    };
    RegisterAction<salu_time_t, bit<32>, bit<1>>(port_reported_failed) report = {
        void apply(inout salu_time_t reported, out bit<1> rv) {
            rv = 0;
            if (reported == 0 || reported <= refresh_before) {
                reported = now_salu;
                rv = 1;
            }
        }
    };

    apply {
        now_salu = (salu_time_t)now;
        refresh_before = now_salu - (salu_time_t)refresh_after;
        if (alive) {
            announce = recover.execute((bit<32>)port) == 1;
        } else {
            announce = report.execute((bit<32>)port) == 1;
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
