/*
 * fantel header parser and emitter, shared by the architectures: each architecture's parser
 * (v1model/include/glue.p4, tna/fantel_tna.p4) extracts its own metadata first and then
 * applies FantelHeaderParser as a sub-parser. Deparsers emit headers_t as a whole: its fields
 * are in wire order (headers.p4).
 *
 * Malformed fantel header fields (versions, class, candidate count, FN type and parameters)
 * are not parser errors: Filtering checks them, so that every architecture drops and counts
 * them per reason (TNA's parser reports hardware flags, not the program's errors). Errors the
 * parser does raise (a packet too short) reach Filtering as fantel_intr_md_t.parser_error.
 */
#ifndef __FANTEL_PARSER__
#define __FANTEL_PARSER__

parser FantelHeaderParser(packet_in packet,
                          inout headers_t hdr,   /* the caller's out headers, all invalid */
                          inout local_md_t md,
                          in bit<1> from_cpu) {   /* 1: a packet-out header leads */
    bit<16> elems_left = 0;

    state start {
        md.quant_elems = 0;
        transition select(from_cpu) {
            1w1: parse_packet_out;
            default: parse_ethernet;
        }
    }

    state parse_packet_out {
        packet.extract(hdr.packet_out);
        transition parse_ethernet;
    }

    state parse_ethernet {
        packet.extract(hdr.ethernet);
        transition select(hdr.ethernet.ether_type) {
            ETHERTYPE_IPV4: parse_ipv4;
            ETHERTYPE_PROBE: parse_probe;
            default: accept;
        }
    }

    state parse_probe {
        packet.extract(hdr.probe);
        transition accept;
    }

    state parse_ipv4 {
        packet.extract(hdr.ipv4);
        /* Only option-less, unfragmented UDP carries fantel headers. */
        transition select(hdr.ipv4.ihl, hdr.ipv4.frag_offset, hdr.ipv4.protocol) {
            (4w5, 13w0, IP_PROTO_UDP): parse_udp;
            default: accept;
        }
    }

    state parse_udp {
        packet.extract(hdr.udp);
        transition select(hdr.udp.dport) {
            UDP_PORT_ROCEV2: parse_bth;
            UDP_PORT_SEM: parse_sem;
            UDP_PORT_FN: parse_fn;
            default: accept;
        }
    }

    state parse_sem {
        packet.extract(hdr.sem);
        md.quant_elems = hdr.udp.len - (UDP_HDR_LEN + SEM_FIXED_LEN + BTH_HDR_LEN + ICRC_LEN);
        transition select(hdr.sem.flag_moe) {
            1w1: parse_sem_moe;
            default: parse_sem_bth;
        }
    }

    state parse_sem_moe {
        packet.extract(hdr.sem_moe);
        md.quant_elems = md.quant_elems - SEM_MOE_LEN;
        transition parse_sem_bth;
    }

    /*
     * Payload elements are parsed (for quantize.p4) only when the sender allows FP32 -> BF16
     * (target BF16 or lower), the packet is not quantized yet, the BTH opcode has no extended
     * transport header (SEND first/middle/last/only, RDMA WRITE middle/last: the payload starts
     * right after BTH) and the payload is 1..QUANT_MAX_ELEMS whole FP32 elements before the ICRC.
     */
    state parse_sem_bth {
        packet.extract(hdr.bth);
        transition select(hdr.sem.quant_ok, hdr.sem.flag_quantized, hdr.sem.elem_format,
                          hdr.sem.target_precision) {
            (1w1, 1w0, ELEM_FP32, ELEM_BF16): check_quant_opcode;
            (1w1, 1w0, ELEM_FP32, ELEM_FP8_E4M3): check_quant_opcode;
            (1w1, 1w0, ELEM_FP32, ELEM_INT8): check_quant_opcode;
            default: no_quant;
        }
    }

    state check_quant_opcode {
        transition select(hdr.bth.opcode) {
            8w0x00: check_quant_len;   /* SEND first */
            8w0x01: check_quant_len;   /* SEND middle */
            8w0x02: check_quant_len;   /* SEND last */
            8w0x04: check_quant_len;   /* SEND only */
            8w0x07: check_quant_len;   /* RDMA WRITE middle */
            8w0x08: check_quant_len;   /* RDMA WRITE last */
            default: no_quant;
        }
    }

    /* md.quant_elems holds the payload bytes here; it becomes the element count. */
    state check_quant_len {
        transition select(md.quant_elems) {
            16w0: no_quant;
            16w0 &&& 16w0xff83: parse_sem_elems;   /* 4 .. 124 bytes, whole elements */
            QUANT_MAX_ELEMS * 4: parse_sem_elems;
            default: no_quant;
        }
    }

    state no_quant {
        md.quant_elems = 0;
        transition accept;
    }

    state parse_sem_elems {
        md.quant_elems = md.quant_elems >> 2;
        elems_left = md.quant_elems;
        transition parse_sem_elem;
    }

    state parse_sem_elem {
        packet.extract(hdr.sem_elems.next);
        elems_left = elems_left - 1;
        transition select(elems_left) {
            16w0: accept;
            default: parse_sem_elem;
        }
    }

    state parse_bth {
        packet.extract(hdr.bth);
        transition accept;
    }

    state parse_fn {
        packet.extract(hdr.fn);
        transition select(hdr.fn.params[0:0]) {
            1w1: parse_fn_five_tuple;
            default: parse_fn_after_five_tuple;
        }
    }

    state parse_fn_five_tuple {
        packet.extract(hdr.fn_five_tuple);
        transition parse_fn_after_five_tuple;
    }

    state parse_fn_after_five_tuple {
        transition select(hdr.fn.params[1:1]) {
            1w1: parse_fn_qp;
            default: parse_fn_after_qp;
        }
    }

    state parse_fn_qp {
        packet.extract(hdr.fn_qp);
        transition parse_fn_after_qp;
    }

    state parse_fn_after_qp {
        transition select(hdr.fn.params[2:2]) {
            1w1: parse_fn_path;
            default: accept;
        }
    }

    state parse_fn_path {
        packet.extract(hdr.fn_path);
        transition accept;
    }
}

#endif  /* __FANTEL_PARSER__ */
