/*
 * TNA side of status.p4 (v1model/include/arch_status.p4 says what it does). The window's
 * start, its bytes and the EWMA are one RegisterAction each. Of the EWMA a - (a >> s) +
 * (b >> s), (b >> s) is computed before the SALU; a >> s on the cell itself remains to check
 * on hardware (the Tofino 1 SALU has no shifter on the register operand: a MathUnit, or a
 * cell kept pre-shifted, may be needed).
 */
#ifndef __FANTEL_ARCH_STATUS_TNA__
#define __FANTEL_ARCH_STATUS_TNA__

control LoadEstimate(in bit<32> port, in bit<32> length, in timestamp_t now,
                     in timestamp_t window, out bool closed, out bit<32> ewma) {
    @name(".FantelIngress.status.window_start")
    Register<salu_time_t, bit<32>>(PORT_COUNT, 0) window_start;
    @name(".FantelIngress.status.window_bytes")
    Register<bit<32>, bit<32>>(PORT_COUNT, 0) window_bytes;
    @name(".FantelIngress.status.load_ewma")
    Register<bit<32>, bit<32>>(PORT_COUNT, 0) load_ewma;

    salu_time_t now_salu;
    salu_time_t open_after;   /* now - window */
    bit<32> bytes_in;
    bit<32> window_total;

    RegisterAction<salu_time_t, bit<32>, bit<1>>(window_start) roll = {
        void apply(inout salu_time_t started, out bit<1> rolled) {
            rolled = 0;
            if (started <= open_after) {
                started = now_salu;
                rolled = 1;
            }
        }
    };
    RegisterAction<bit<32>, bit<32>, bit<32>>(window_bytes) add = {
        void apply(inout bit<32> bytes, out bit<32> rv) {
            bytes = bytes + bytes_in;
            rv = bytes;
        }
    };
    RegisterAction<bit<32>, bit<32>, bit<32>>(window_bytes) take = {
        void apply(inout bit<32> bytes, out bit<32> rv) {
            rv = bytes + bytes_in;
            bytes = 0;
        }
    };
    RegisterAction<bit<32>, bit<32>, bit<32>>(load_ewma) fold = {
        void apply(inout bit<32> average, out bit<32> rv) {
            average = average - (average >> STATUS_EWMA_SHIFT) + window_total;
            rv = average;
        }
    };

    apply {
        now_salu = (salu_time_t)now;
        open_after = now_salu - (salu_time_t)window;
        bytes_in = length;
        closed = roll.execute(port) == 1;
        ewma = 0;
        if (closed) {
            window_total = take.execute(port) >> STATUS_EWMA_SHIFT;
            ewma = fold.execute(port);
        } else {
            add.execute(port);
        }
    }
}

control LoadLevel(in bit<32> port, in bit<32> ewma, in bit<32> high, in bit<32> low,
                  out bool changed, out bit<8> level) {
    @name(".FantelIngress.status.load_level")
    Register<bit<8>, bit<32>>(PORT_COUNT, 0) load_level;

    RegisterAction<bit<8>, bit<32>, bit<8>>(load_level) rise = {
        void apply(inout bit<8> cell, out bit<8> rv) {
            rv = cell;
            cell = STATUS_LEVEL_HIGH;
        }
    };
    RegisterAction<bit<8>, bit<32>, bit<8>>(load_level) fall = {
        void apply(inout bit<8> cell, out bit<8> rv) {
            rv = cell;
            cell = STATUS_LEVEL_NORMAL;
        }
    };

    apply {
        /* The SALU sees only the cell and one operand: decide the target level here and let
           the cell report what it was. */
        bit<8> old_level = STATUS_LEVEL_NORMAL;
        level = STATUS_LEVEL_NORMAL;
        changed = false;
        if (ewma > high) {
            old_level = rise.execute(port);
            level = STATUS_LEVEL_HIGH;
            changed = old_level != STATUS_LEVEL_HIGH;
        } else if (ewma < low) {
            old_level = fall.execute(port);
            changed = old_level != STATUS_LEVEL_NORMAL;
        }
    }
}

/* The ingress deparser packs it (glue.p4): Digest<status_digest_t>. */
control StatusDigest(inout fantel_intr_md_t intr, in status_digest_t report) {
    apply {
        intr.arch.digest_type = DIGEST_TYPE_STATUS;
        intr.arch.status_report = report;
    }
}

#endif  /* __FANTEL_ARCH_STATUS_TNA__ */
