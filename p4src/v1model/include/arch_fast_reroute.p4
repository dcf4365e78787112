/*
 * v1model side of fast_reroute.p4's state: probe liveness per port, failure reports, remote
 * objects marked down by received FNs, and FN replay protection. Registers keep their
 * control-plane names (absolute @name); each control reads or updates its register once.
 */
#ifndef __FANTEL_ARCH_FAST_REROUTE_V1MODEL__
#define __FANTEL_ARCH_FAST_REROUTE_V1MODEL__

/* heard: a probe arrived on port now; else last_rx = when one last did (0 = never). */
control ProbeLiveness(in bool heard, in PortId_t port, in timestamp_t now,
                      out timestamp_t last_rx) {
    @name(".FantelIngress.fast_reroute.probe_last_rx")
    register<timestamp_t>(PORT_COUNT) probe_last_rx;

    apply {
        if (heard) {
            probe_last_rx.write((bit<32>)port, now);
            last_rx = now;
        } else {
            probe_last_rx.read(last_rx, (bit<32>)port);
        }
    }
}

/*
 * When the port's current failure was first reported (0 = not reported). alive: reported =
 * a failure was, and it is forgotten. Dead: a first report starts now unless one was made;
 * age = how long ago it was (0 for a first report).
 */
control FailureOnset(in bool alive, in PortId_t port, in timestamp_t now,
                     out bool reported, out timestamp_t age) {
    @name(".FantelIngress.fast_reroute.port_reported_failed")
    register<timestamp_t>(PORT_COUNT) port_reported_failed;

    apply {
        timestamp_t reported_at;
        port_reported_failed.read(reported_at, (bit<32>)port);
        reported = reported_at != 0;
        age = 0;
        if (alive) {
            if (reported) {
                port_reported_failed.write((bit<32>)port, 0);
            }
        } else if (reported) {
            age = now - reported_at;
        } else {
            port_reported_failed.write((bit<32>)port, now);
        }
    }
}

/*
 * When the port's failure report is due again. due: a first report, or a refresh whose time
 * has come; either way the next one is due wait after now.
 */
control FailureRefresh(in bool first, in PortId_t port, in timestamp_t now,
                       in timestamp_t wait, out bool due) {
    @name(".FantelIngress.fast_reroute.port_refresh_due")
    register<timestamp_t>(PORT_COUNT) port_refresh_due;

    apply {
        timestamp_t due_at;
        port_refresh_due.read(due_at, (bit<32>)port);
        due = first || due_at <= now;
        if (due) {
            port_refresh_due.write((bit<32>)port, now + wait);
        }
    }
}

/* update: the watched object is down until down_until (0 = up); else down = it is now. */
control RemoteDown(in bool update, in watch_id_t watch, in timestamp_t down_until,
                   in timestamp_t now, out bool down) {
    @name(".FantelIngress.fast_reroute.remote_down_until")
    register<timestamp_t>(WATCH_SLOTS) remote_down_until;

    apply {
        if (update) {
            remote_down_until.write((bit<32>)watch, down_until);
            down = down_until > now;
        } else {
            timestamp_t until;
            remote_down_until.read(until, (bit<32>)watch);
            down = until > now;
        }
    }
}

/*
 * Last sequence per (originator, object) at crc32(originator, object kind, object id) mod
 * FN_REPLAY_SLOTS (controller.readiness.replay_slot computes the same index). replay: fn's
 * sequence is not newer (32-bit serial numbers, RFC 1982; 0 = nothing heard, the controller
 * resets cells, docs/controller.md "Switch ready"); otherwise it becomes the last one.
 */
control FnReplayGuard(in fn_h fn, out bool replay) {
    @name(".FantelIngress.fast_reroute.fn_last_seq")
    register<bit<32>>(FN_REPLAY_SLOTS) fn_last_seq;

    apply {
        bit<32> slot;
        hash(slot, HashAlgorithm.crc32, 32w0, { fn.originator, fn.object_kind, fn.object_id },
             (bit<32>)FN_REPLAY_SLOTS);
        bit<32> last;
        fn_last_seq.read(last, slot);
        bit<32> ahead = fn.sequence - last;
        replay = last != 0 && (ahead == 0 || ahead >= 0x80000000);
        if (!replay) {
            fn_last_seq.write(slot, fn.sequence);
        }
    }
}

#endif  /* __FANTEL_ARCH_FAST_REROUTE_V1MODEL__ */
