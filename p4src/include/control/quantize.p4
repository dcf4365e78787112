/*
 * In-network quantization under congestion (issue 8 item 1), in egress where queue state is
 * known. When the backlog left behind this packet (deq_qdepth) is at or above the threshold of
 * its (egress port, class) and the parser found FP32 elements the sender allows to reduce
 * (quant_ok, target BF16 or lower, see parser.p4), every element becomes BF16: the high 16 bits
 * (truncation towards zero), with the quiet bit set for NaNs so that no NaN turns into an
 * infinity. Lengths shrink by 2 bytes per element, the UDP checksum becomes 0 (RoCEv2 over IPv4
 * permits it), the IPv4 checksum is recomputed by FantelComputeChecksum, SEM flag Q tells the
 * receiver. elem_format keeps the sender's value so the SEM tag still verifies; with Q set the
 * payload is in the reduced format of elem_format (docs/semantic-contract.md).
 */
#ifndef __FANTEL_QUANTIZE__
#define __FANTEL_QUANTIZE__

/* FP32 -> BF16 of element i, in place of the FP32 element. */
#define QUANTIZE_BF16(i)                                                              \
    if (hdr.sem_elems[i].isValid()) {                                                 \
        hdr.sem_bf16[i].setValid();                                                   \
        hdr.sem_bf16[i].value = hdr.sem_elems[i].value[31:16];                        \
        if (hdr.sem_elems[i].value[30:23] == 0xff && hdr.sem_elems[i].value[22:0] != 0) { \
            hdr.sem_bf16[i].value = hdr.sem_bf16[i].value | 0x0040;                   \
        }                                                                             \
        hdr.sem_elems[i].setInvalid();                                                \
    }

control Quantize(inout headers_t hdr,
                 inout local_md_t md,
                 inout fantel_intr_md_t intr) {

    /* Index: traffic class. Packets quantized; bytes saved are in quant_bytes_saved. */
    PACKET_COUNTER(TCLASS_COUNT) quant_counter;
    QuantSavedBytes() quant_bytes_saved;   /* arch_semantic.p4 */
    DIRECT_PACKET_COUNTER quantize_thresholds_counter;

    bit<19> threshold = 0;

    action set_quant_threshold(bit<19> qdepth) {
        threshold = qdepth;
        quantize_thresholds_counter.count();
    }

    @name("quantize_thresholds")
    table quantize_thresholds {
        key = {
            intr.egress_port: exact @name("egress_port");
            md.lkp.tclass: ternary @name("tclass");
        }
        actions = { set_quant_threshold; }
        counters = quantize_thresholds_counter;
        size = QUANT_TABLE_SIZE;
    }

    apply {
        /* Only for SEM-aware receivers (flag K): a stripped SEM would hide the reduction. */
        if (md.quant_elems == 0 || !md.sem_trusted || !hdr.sem.isValid()
                || hdr.sem.flag_keep == 0) {
            return;
        }
        if (!quantize_thresholds.apply().hit || intr.deq_qdepth < threshold) {
            return;
        }
        QUANTIZE_BF16(0)  QUANTIZE_BF16(1)  QUANTIZE_BF16(2)  QUANTIZE_BF16(3)
        QUANTIZE_BF16(4)  QUANTIZE_BF16(5)  QUANTIZE_BF16(6)  QUANTIZE_BF16(7)
        QUANTIZE_BF16(8)  QUANTIZE_BF16(9)  QUANTIZE_BF16(10) QUANTIZE_BF16(11)
        QUANTIZE_BF16(12) QUANTIZE_BF16(13) QUANTIZE_BF16(14) QUANTIZE_BF16(15)
        QUANTIZE_BF16(16) QUANTIZE_BF16(17) QUANTIZE_BF16(18) QUANTIZE_BF16(19)
        QUANTIZE_BF16(20) QUANTIZE_BF16(21) QUANTIZE_BF16(22) QUANTIZE_BF16(23)
        QUANTIZE_BF16(24) QUANTIZE_BF16(25) QUANTIZE_BF16(26) QUANTIZE_BF16(27)
        QUANTIZE_BF16(28) QUANTIZE_BF16(29) QUANTIZE_BF16(30) QUANTIZE_BF16(31)
        bit<16> saved = md.quant_elems * QUANT_SAVED_PER_ELEM;
        hdr.sem.flag_quantized = 1;
        hdr.udp.len = hdr.udp.len - saved;
        hdr.udp.checksum = 0;
        hdr.ipv4.total_len = hdr.ipv4.total_len - saved;
        quant_counter.count((bit<32>)hdr.sem.tclass);
        quant_bytes_saved.apply(hdr.sem.tclass, saved);
    }
}

#endif  /* __FANTEL_QUANTIZE__ */
