/*
 * v1model side of status.p4: the per-port load estimate, its hysteresis level and the status
 * digest. Registers keep their control-plane names (absolute @name).
 */
#ifndef __FANTEL_ARCH_STATUS_V1MODEL__
#define __FANTEL_ARCH_STATUS_V1MODEL__

/*
 * Adds length bytes to port's window; once the window (started window us ago) is over, folds
 * its bytes into the EWMA (weight 2^-STATUS_EWMA_SHIFT) and starts the next: closed, ewma.
 */
control LoadEstimate(in bit<32> port, in bit<32> length, in timestamp_t now,
                     in timestamp_t window, out bool closed, out bit<32> ewma) {
    @name(".FantelIngress.status.window_bytes")
    register<bit<32>>(PORT_COUNT) window_bytes;
    @name(".FantelIngress.status.window_start")
    register<timestamp_t>(PORT_COUNT) window_start;
    @name(".FantelIngress.status.load_ewma")
    register<bit<32>>(PORT_COUNT) load_ewma;

    apply {
        bit<32> bytes;
        timestamp_t started;
        window_bytes.read(bytes, port);
        bytes = bytes + length;
        window_start.read(started, port);
        closed = now - started >= window;
        ewma = 0;
        if (!closed) {
            window_bytes.write(port, bytes);
        } else {
            window_bytes.write(port, 0);
            window_start.write(port, now);
            load_ewma.read(ewma, port);
            ewma = ewma - (ewma >> STATUS_EWMA_SHIFT) + (bytes >> STATUS_EWMA_SHIFT);
            load_ewma.write(port, ewma);
        }
    }
}

/* NORMAL -> HIGH above high, HIGH -> NORMAL below low: changed, and the level now. */
control LoadLevel(in bit<32> port, in bit<32> ewma, in bit<32> high, in bit<32> low,
                  out bool changed, out bit<8> level) {
    @name(".FantelIngress.status.load_level")
    register<bit<8>>(PORT_COUNT) load_level;

    apply {
        bit<8> old_level;
        load_level.read(old_level, port);
        level = old_level;
        if (old_level == STATUS_LEVEL_NORMAL && ewma > high) {
            level = STATUS_LEVEL_HIGH;
        } else if (old_level == STATUS_LEVEL_HIGH && ewma < low) {
            level = STATUS_LEVEL_NORMAL;
        }
        changed = level != old_level;
        if (changed) {
            load_level.write(port, level);
        }
    }
}

/* intr is for TNA, whose deparser packs the digest from intr.arch. */
control StatusDigest(inout fantel_intr_md_t intr, in status_digest_t report) {
    apply {
        digest<status_digest_t>(DIGEST_RECEIVER, report);
    }
}

#endif  /* __FANTEL_ARCH_STATUS_V1MODEL__ */
