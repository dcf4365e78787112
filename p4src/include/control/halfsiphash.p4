/*
 * HalfSipHash-2-4 with 64-bit output (Aumasson/Bernstein reference halfsiphash.c, outlen = 8)
 * with 32-bit adds, rotates and xors only, unrolled: no loops, no target hash extern, so p4c
 * compiles it for BMv2 and any target with 32-bit ALUs. controller/halfsiphash.py is the
 * independent reference the tests compare against.
 *
 * The message is a sip_msg_t: up to SIP_MSG_WORDS little-endian 32-bit words; word i takes part
 * iff bit i of msg.present is set (so optional FN fields need no repacking) and msg.len_bytes
 * is the total length (a multiple of 4: there are never leftover bytes). The tag is returned
 * as the 64-bit big-endian value whose bytes are the reference output bytes in order.
 */
#ifndef __FANTEL_HALFSIPHASH__
#define __FANTEL_HALFSIPHASH__

#define SIP_ROTL(x, b) (((x) << (b)) | ((x) >> (32 - (b))))
/* Byte swap: header words are big-endian, HalfSipHash reads little-endian words. */
#define SIP_BSWAP(x) ((x)[7:0] ++ (x)[15:8] ++ (x)[23:16] ++ (x)[31:24])

control HalfSipHash64(in bit<32> k0, in bit<32> k1, in sip_msg_t msg, out bit<64> tag) {
    bit<32> v0 = 0;
    bit<32> v1 = 0;
    bit<32> v2 = 0;
    bit<32> v3 = 0;
    bit<32> h1 = 0;

    action sip_round() {
        v0 = v0 + v1;
        v1 = SIP_ROTL(v1, 5);
        v1 = v1 ^ v0;
        v0 = SIP_ROTL(v0, 16);
        v2 = v2 + v3;
        v3 = SIP_ROTL(v3, 8);
        v3 = v3 ^ v2;
        v0 = v0 + v3;
        v3 = SIP_ROTL(v3, 7);
        v3 = v3 ^ v0;
        v2 = v2 + v1;
        v1 = SIP_ROTL(v1, 13);
        v1 = v1 ^ v2;
        v2 = SIP_ROTL(v2, 16);
    }

    /* One message word, c = 2 rounds. */
    action compress(bit<32> m) {
        v3 = v3 ^ m;
        sip_round();
        sip_round();
        v0 = v0 ^ m;
    }

    apply {
        v0 = k0;
        v1 = k1 ^ 0xee;   /* 64-bit output variant */
        v2 = k0 ^ 0x6c796765;
        v3 = k1 ^ 0x74656462;
        if (msg.present[0:0] == 1) { compress(msg.w0); }
        if (msg.present[1:1] == 1) { compress(msg.w1); }
        if (msg.present[2:2] == 1) { compress(msg.w2); }
        if (msg.present[3:3] == 1) { compress(msg.w3); }
        if (msg.present[4:4] == 1) { compress(msg.w4); }
        if (msg.present[5:5] == 1) { compress(msg.w5); }
        if (msg.present[6:6] == 1) { compress(msg.w6); }
        if (msg.present[7:7] == 1) { compress(msg.w7); }
        if (msg.present[8:8] == 1) { compress(msg.w8); }
        if (msg.present[9:9] == 1) { compress(msg.w9); }
        if (msg.present[10:10] == 1) { compress(msg.w10); }
        if (msg.present[11:11] == 1) { compress(msg.w11); }
        if (msg.present[12:12] == 1) { compress(msg.w12); }
        if (msg.present[13:13] == 1) { compress(msg.w13); }
        /* Final block: length in the top byte, no leftover bytes. */
        compress(msg.len_bytes ++ 24w0);
        v2 = v2 ^ 0xee;
        sip_round();
        sip_round();
        sip_round();
        sip_round();
        h1 = v1 ^ v3;
        v1 = v1 ^ 0xdd;
        sip_round();
        sip_round();
        sip_round();
        sip_round();
        v0 = v1 ^ v3;   /* second output word (v0 is free now) */
        tag = SIP_BSWAP(h1) ++ SIP_BSWAP(v0);
    }
}

/* Tagged bytes of a SEM: bytes 0..19 with flags Q and P read as 0 (docs/wire-format.md 1.2). */
control SemTagMessage(in sem_h sem, out sip_msg_t msg) {
    apply {
        bit<32> w0 = sem.version ++ sem.tclass ++ sem.urgency ++ sem.flag_moe ++ 2w0
                     ++ sem.flag_keep ++ sem.flags_rsv ++ sem.quant_ok ++ sem.loss_ok
                     ++ sem.buffer_ok ++ sem.token_hint ++ sem.tol_rsv;
        bit<32> w1 = sem.elem_format ++ sem.target_precision ++ sem.loss_budget ++ sem.max_delay;
        bit<32> w2 = sem.layer_id ++ sem.stage ++ sem.key_id;
        bit<32> w3 = sem.affinity_kind ++ sem.affinity_id ++ sem.tenant_id;
        msg.w0 = SIP_BSWAP(w0);
        msg.w1 = SIP_BSWAP(w1);
        msg.w2 = SIP_BSWAP(w2);
        msg.w3 = SIP_BSWAP(w3);
        msg.w4 = SIP_BSWAP(sem.task_id);
        msg.w5 = 0; msg.w6 = 0; msg.w7 = 0; msg.w8 = 0; msg.w9 = 0;
        msg.w10 = 0; msg.w11 = 0; msg.w12 = 0; msg.w13 = 0;
        msg.present = 14w0x1f;
        msg.len_bytes = 20;
    }
}

/*
 * Tagged bytes of an FN: bytes 0..31 with hop_limit read as 0, then the optional fields that
 * are present (docs/wire-format.md 2.2). hop_limit is excluded so relays keep the tag.
 */
control FnTagMessage(in headers_t hdr, out sip_msg_t msg) {
    apply {
        bit<32> w0 = hdr.fn.version ++ hdr.fn.fn_rsv ++ hdr.fn.fn_type ++ 8w0 ++ hdr.fn.params;
        bit<32> w3 = hdr.fn.timestamp[47:16];
        bit<32> w4 = hdr.fn.timestamp[15:0] ++ hdr.fn.object_kind ++ hdr.fn.metric_kind;
        bit<32> w7 = hdr.fn.lifetime ++ hdr.fn.key_id ++ hdr.fn.tail_rsv;
        bit<32> w10 = hdr.fn_five_tuple.src_port ++ hdr.fn_five_tuple.dst_port;
        bit<32> w11 = hdr.fn_five_tuple.protocol ++ hdr.fn_five_tuple.tuple_rsv;
        bit<32> w12 = hdr.fn_qp.dest_qp ++ hdr.fn_qp.qp_rsv;
        msg.w0 = SIP_BSWAP(w0);
        msg.w1 = SIP_BSWAP(hdr.fn.originator);
        msg.w2 = SIP_BSWAP(hdr.fn.sequence);
        msg.w3 = SIP_BSWAP(w3);
        msg.w4 = SIP_BSWAP(w4);
        msg.w5 = SIP_BSWAP(hdr.fn.object_id);
        msg.w6 = SIP_BSWAP(hdr.fn.metric_value);
        msg.w7 = SIP_BSWAP(w7);
        msg.w8 = SIP_BSWAP(hdr.fn_five_tuple.src_addr);
        msg.w9 = SIP_BSWAP(hdr.fn_five_tuple.dst_addr);
        msg.w10 = SIP_BSWAP(w10);
        msg.w11 = SIP_BSWAP(w11);
        msg.w12 = SIP_BSWAP(w12);
        msg.w13 = SIP_BSWAP(hdr.fn_path.path_id);
        msg.present = 14w0xff;
        msg.len_bytes = 32;
        if (hdr.fn_five_tuple.isValid()) {
            msg.present = msg.present | 14w0xf00;
            msg.len_bytes = msg.len_bytes + 16;
        }
        if (hdr.fn_qp.isValid()) {
            msg.present = msg.present | 14w0x1000;
            msg.len_bytes = msg.len_bytes + 4;
        }
        if (hdr.fn_path.isValid()) {
            msg.present = msg.present | 14w0x2000;
            msg.len_bytes = msg.len_bytes + 4;
        }
    }
}

#endif  /* __FANTEL_HALFSIPHASH__ */
