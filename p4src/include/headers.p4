/*
 * fantel headers and metadata. Field names and widths of the fantel headers equal the scapy
 * layers in controller/wire.py (checked by tests/test_wire.py); layouts in docs/wire-format.md.
 */
#ifndef __FANTEL_HEADERS__
#define __FANTEL_HEADERS__

/* ---- controller packet I/O (P4Runtime spec, section "Packet I/O") --------------------- */
@controller_header("packet_in")
header packet_in_h {
    PortId_t ingress_port;
    bit<7>   _pad;
    bit<8>   reason;
}

@controller_header("packet_out")
header packet_out_h {
    PortId_t egress_port;
    bit<7>   _pad;
}

/* ---- standard headers ---------------------------------------------------------------- */
/* IEEE 802.3 */
header ethernet_h {
    mac_addr_t dst_addr;
    mac_addr_t src_addr;
    bit<16>    ether_type;
}

/* RFC 791; options are not parsed (packets with options are forwarded as plain IPv4). */
header ipv4_h {
    bit<4>      version;
    bit<4>      ihl;
    bit<6>      dscp;
    bit<2>      ecn;
    bit<16>     total_len;
    bit<16>     identification;
    bit<3>      flags;
    bit<13>     frag_offset;
    bit<8>      ttl;
    bit<8>      protocol;
    bit<16>     hdr_checksum;
    ipv4_addr_t src_addr;
    ipv4_addr_t dst_addr;
}

/* RFC 768 */
header udp_h {
    l4_port_t sport;
    l4_port_t dport;
    bit<16>   len;
    bit<16>   checksum;
}

/* InfiniBand Architecture Specification Vol. 1, Base Transport Header (RoCEv2 annex A17) */
header bth_h {
    bit<8>  opcode;
    bit<1>  solicited;
    bit<1>  migreq;
    bit<2>  padcount;
    bit<4>  version;
    bit<16> pkey;
    bit<1>  fecn;
    bit<1>  becn;
    bit<6>  resv6;
    bit<24> dqpn;
    bit<1>  ackreq;
    bit<7>  resv7;
    bit<24> psn;
}

/* ---- fantel headers (docs/wire-format.md) --------------------------------------------- */
/* Semantic header, fixed part (28 bytes). */
header sem_h {
    bit<4>      version;
    bit<4>      tclass;
    bit<8>      urgency;
    bit<1>      flag_moe;
    bit<1>      flag_quantized;
    bit<1>      flag_promoted;
    bit<1>      flag_keep;
    bit<4>      flags_rsv;
    bit<1>      quant_ok;
    bit<1>      loss_ok;
    bit<1>      buffer_ok;
    bit<2>      token_hint;
    bit<3>      tol_rsv;
    bit<4>      elem_format;
    bit<4>      target_precision;
    bit<8>      loss_budget;
    bit<16>     max_delay;
    bit<16>     layer_id;
    bit<8>      stage;
    bit<8>      key_id;
    bit<4>      affinity_kind;
    bit<12>     affinity_id;
    tenant_id_t tenant_id;
    bit<32>     task_id;
    bit<64>     auth_tag;
}

/* Semantic header MoE block (24 bytes), present iff sem.flag_moe == 1. */
header sem_moe_h {
    bit<32> token_id;
    bit<16> token_pos;
    bit<8>  cand_count;
    bit<8>  moe_rsv;
    bit<16> expert0;
    bit<16> weight0;
    bit<16> expert1;
    bit<16> weight1;
    bit<16> expert2;
    bit<16> weight2;
    bit<16> expert3;
    bit<16> weight3;
}

/* Fast notification, fixed part (40 bytes). */
header fn_h {
    bit<4>      version;
    bit<4>      fn_rsv;
    bit<8>      fn_type;
    bit<8>      hop_limit;
    bit<8>      params;
    node_id_t   originator;
    bit<32>     sequence;
    timestamp_t timestamp;
    bit<8>      object_kind;
    bit<8>      metric_kind;
    bit<32>     object_id;
    bit<32>     metric_value;
    bit<16>     lifetime;
    bit<8>      key_id;
    bit<8>      tail_rsv;
    bit<64>     auth_tag;
}

/* FN optional field T (params & FN_PARAM_FIVE_TUPLE). */
header fn_five_tuple_h {
    ipv4_addr_t src_addr;
    ipv4_addr_t dst_addr;
    l4_port_t   src_port;
    l4_port_t   dst_port;
    bit<8>      protocol;
    bit<24>     tuple_rsv;
}

/* FN optional field Q (params & FN_PARAM_ROCE_QP). */
header fn_qp_h {
    bit<24> dest_qp;
    bit<8>  qp_rsv;
}

/* FN optional field P (params & FN_PARAM_PATH_ID). */
header fn_path_h {
    bit<32> path_id;
}

/* One payload element as parsed for in-network quantization (quantize.p4): FP32 in, BF16 out. */
header sem_elem32_h {
    bit<32> value;
}

header sem_elem16_h {
    bit<16> value;
}

/* Neighbour liveness probe (EtherType PROBE_ETHERTYPE, 20 bytes). */
header probe_h {
    bit<4>      version;
    bit<4>      kind;
    bit<8>      probe_rsv;
    bit<16>     tx_port;
    node_id_t   node_id;
    bit<32>     sequence;
    timestamp_t timestamp;
    bit<16>     interval;
}

/* In wire order: deparsers emit the whole struct. packet_out is never valid by then
   (PacketIoIngress and NotifyEgress remove it). */
struct headers_t {
    packet_out_h    packet_out;
    packet_in_h     packet_in;
    ethernet_h      ethernet;
    probe_h         probe;
    ipv4_h          ipv4;
    udp_h           udp;
    sem_h           sem;
    sem_moe_h       sem_moe;
    bth_h           bth;
    sem_elem32_h[QUANT_MAX_ELEMS] sem_elems;   /* parsed only when quantization is possible */
    sem_elem16_h[QUANT_MAX_ELEMS] sem_bf16;    /* the same elements after FP32 -> BF16 */
    fn_h            fn;
    fn_five_tuple_h fn_five_tuple;
    fn_qp_h         fn_qp;
    fn_path_h       fn_path;
}

/* ---- metadata -------------------------------------------------------------------------- */
/* Lookup fields, filled once by LookupMdInit; tables key on these, not on raw headers. */
struct lookup_md_t {
    mac_addr_t  eth_src;            /* previous hop, where a congestion FN goes back to */
    ipv4_addr_t ipv4_src;
    ipv4_addr_t ipv4_dst;
    bit<8>      ip_proto;
    l4_port_t   l4_sport;
    l4_port_t   l4_dport;
    flow_hash_t flow_hash;
    bit<24>     dest_qp;
    bit<4>      tclass;
    bit<8>      urgency;
    tenant_id_t tenant_id;
    bit<8>      stage;
    timestamp_t now;
}

/*
 * Everything an FN copy needs in egress. Marked @field_list(FL_FN) so BMv2 preserves it
 * across clone_preserving_field_list(); FL_FN is defined in define.p4. On TNA the copy carries
 * it in a mirror header (tna/include/glue.p4, fn_mirror_h).
 */
struct fn_md_t {
    @field_list(FL_FN) bit<8>      fn_type;
    @field_list(FL_FN) bit<8>      object_kind;
    @field_list(FL_FN) bit<32>     object_id;
    @field_list(FL_FN) bit<8>      metric_kind;
    @field_list(FL_FN) bit<32>     metric_value;
    @field_list(FL_FN) bit<8>      hop_limit;
    @field_list(FL_FN) bit<16>     lifetime;
    @field_list(FL_FN) bit<8>      params;
    @field_list(FL_FN) PortId_t    skip_port;     /* a flood copy is not sent back out of this port */
    @field_list(FL_FN) ipv4_addr_t dst_addr;      /* sender (congestion) or limited broadcast */
    @field_list(FL_FN) mac_addr_t  dst_mac;
    @field_list(FL_FN) ipv4_addr_t flow_src;
    @field_list(FL_FN) ipv4_addr_t flow_dst;
    @field_list(FL_FN) l4_port_t   flow_sport;
    @field_list(FL_FN) l4_port_t   flow_dport;
    @field_list(FL_FN) bit<8>      flow_proto;
    @field_list(FL_FN) bit<24>     flow_qp;
    /* One number per event, shared by every copy: allocated once in ingress (NotifyIngress)
       or by Congestion in egress; a relayed FN keeps its originator's. */
    @field_list(FL_FN) bit<32>     sequence;
    /* a relayed FN keeps its originator's identity and time */
    @field_list(FL_FN) bit<1>      relay;
    @field_list(FL_FN) node_id_t   relay_originator;
    @field_list(FL_FN) timestamp_t relay_timestamp;
    @field_list(FL_FN) bit<8>      relay_key_id;  /* hop_limit is not tagged: the tag travels on */
    @field_list(FL_FN) bit<64>     relay_auth_tag;
    /* 1 on the controller's E2E copy of a finished unicast FN (notify.p4) */
    @field_list(FL_FN) bit<1>      cpu_copy;
    /* switch identity, copied from switch_config so egress and clones need no table */
    @field_list(FL_FN) node_id_t   node_id;
    @field_list(FL_FN) ipv4_addr_t node_ip;
    @field_list(FL_FN) mac_addr_t  node_mac;
}

/* Switch-wide settings installed by the controller as the default action of switch_config. */
struct config_md_t {
    timestamp_t flowlet_gap;        /* us of silence that starts a new flowlet */
    timestamp_t fn_min_interval;    /* us between congestion FNs for one flow */
    bit<16>     fn_lifetime;        /* ms, lifetime field of detected/status FNs */
    bit<8>      fn_hop_limit;       /* scope of failure FNs */
    timestamp_t status_window;      /* us per utilization sample */
}

struct local_md_t {
    lookup_md_t   lkp;
    fn_md_t       fn;
    config_md_t   cfg;
    bit<2>        port_type;
    bool          bypass;           /* packet-out or dropped: skip the forwarding pipeline */
    bool          to_local;         /* probe or neighbour-scoped FN: consumed by this switch */
    drop_reason_t drop_reason;
    next_id_t     next_id;
    watch_id_t    watch_id;
    bool          has_next_hop;
    bit<16>       flowlet_id;
    bool          sem_inserted;
    bool          fn_cloned;        /* one clone per packet: later generators defer */
    bool          sem_trusted;      /* false after a downgraded SEM authentication failure */
    bit<16>       quant_elems;      /* payload elements in sem_elems (parser) */
}

/* A next hop as next_hop_groups gives it; Forwarding pins it per flowlet. */
struct flowlet_hop_t {
    PortId_t    port;
    mac_addr_t  smac;
    mac_addr_t  dmac;
    watch_id_t  watch_id;
}

/* Digest raised on a utilization level change (status.p4). */
struct status_digest_t {
    node_id_t   node_id;
    PortId_t    port;
    bit<8>      level;
    bit<32>     load;
    timestamp_t timestamp;
}

/* Digest raised on every failed SEM/FN authentication (auth.p4). */
struct auth_digest_t {
    node_id_t   node_id;
    PortId_t    port;
    bit<8>      domain;             /* AUTH_DOMAIN_* */
    bit<8>      result;             /* AUTH_RESULT_* */
    tenant_id_t tenant_id;          /* 0 for FNs */
    bit<8>      key_id;
    bit<32>     subject;            /* SEM task id, or FN originator */
    ipv4_addr_t ipv4_src;
    timestamp_t timestamp;
}

/* Message of the HalfSipHash64 control: little-endian words, word i used iff present[i]. */
struct sip_msg_t {
    bit<32> w0;
    bit<32> w1;
    bit<32> w2;
    bit<32> w3;
    bit<32> w4;
    bit<32> w5;
    bit<32> w6;
    bit<32> w7;
    bit<32> w8;
    bit<32> w9;
    bit<32> w10;
    bit<32> w11;
    bit<32> w12;
    bit<32> w13;
    bit<14> present;
    bit<8>  len_bytes;
}

#endif  /* __FANTEL_HEADERS__ */
