/*
 * fantel constants, typedefs and named codes.
 *
 * Code points mirror the Python enums in controller/wire.py (single source of truth);
 * tests/test_wire.py fails if they disagree. Values that a deployment may change
 * (UDP ports, clone sessions, CPU port) are #defines that can be overridden with -D.
 * Architecture-specific types (PortId_t, ...), meter colours and extern declarations come
 * from the per-architecture shim (v1model/include/define_v1model.p4,
 * tna/include/define_tna.p4), which must be included first.
 */
#ifndef __FANTEL_DEFINE__
#define __FANTEL_DEFINE__

/* ---- deployment-tunable numbers ---------------------------------------------------- */
#ifndef SEM_UDP_PORT
#define SEM_UDP_PORT 4792
#endif
#ifndef FN_UDP_PORT
#define FN_UDP_PORT 4793
#endif
#ifndef PROBE_ETHERTYPE
#define PROBE_ETHERTYPE 0x88B5
#endif
/* Clone session carrying a copy to every infrastructure port (neighbour-scoped FNs). */
#ifndef FN_FLOOD_SESSION
#define FN_FLOOD_SESSION 99
#endif
/* Clone session FN_PORT_SESSION_BASE + p sends one copy out of port p (towards a sender). */
#ifndef FN_PORT_SESSION_BASE
#define FN_PORT_SESSION_BASE 100
#endif
/* Clone session carrying a copy of each finished unicast (congestion) FN to the CPU port. */
#ifndef FN_CPU_SESSION
#define FN_CPU_SESSION 98
#endif
/* EWMA weight 2^-STATUS_EWMA_SHIFT of the newest window in the load estimate (status.p4). */
#ifndef STATUS_EWMA_SHIFT
#define STATUS_EWMA_SHIFT 2
#endif
/* Digest receiver id (v1model ignores it; P4Runtime identifies digests by type). */
#ifndef DIGEST_RECEIVER
#define DIGEST_RECEIVER 1
#endif

/* ---- typedefs ------------------------------------------------------------------------ */
typedef bit<48> mac_addr_t;
typedef bit<32> ipv4_addr_t;
typedef bit<16> l4_port_t;
typedef bit<48> timestamp_t;   /* switch clock, microseconds */
typedef bit<32> node_id_t;
typedef bit<16> next_id_t;
typedef bit<16> watch_id_t;
typedef bit<16> tenant_id_t;
typedef bit<32> flow_hash_t;
typedef bit<8>  drop_reason_t;

/* ---- protocol numbers ---------------------------------------------------------------- */
const bit<16> ETHERTYPE_IPV4  = 0x0800;
const bit<16> ETHERTYPE_PROBE = PROBE_ETHERTYPE;
const bit<8>  IP_PROTO_UDP    = 17;
const bit<16> UDP_PORT_ROCEV2 = 4791;
const bit<16> UDP_PORT_SEM    = SEM_UDP_PORT;
const bit<16> UDP_PORT_FN     = FN_UDP_PORT;
const ipv4_addr_t IPV4_LIMITED_BROADCAST = 0xffffffff;
const mac_addr_t  MAC_BROADCAST          = 0xffffffffffff;

/* ---- IPv4 ECN codepoints (RFC 3168; Ecn) -------------------------------------------- */
const bit<2> ECN_NOT_ECT = 0;
const bit<2> ECN_ECT1    = 1;
const bit<2> ECN_ECT0    = 2;
const bit<2> ECN_CE      = 3;

/* ---- header versions and lengths ----------------------------------------------------- */
const bit<4> SEM_VERSION   = 1;
const bit<4> FN_VERSION    = 1;
const bit<4> PROBE_VERSION = 1;
const bit<16> SEM_FIXED_LEN = 28;
const bit<16> SEM_MOE_LEN   = 24;
const bit<8>  SEM_MOE_MAX_CANDIDATES = 4;
const bit<16> ETH_HDR_LEN  = 14;
const bit<16> PACKET_IN_LEN = 3;   /* packet_in_h */
const bit<16> IPV4_HDR_LEN = 20;
const bit<16> UDP_HDR_LEN  = 8;
const bit<16> FN_FIXED_LEN = 40;
const bit<16> FN_FIVE_TUPLE_LEN = 16;
const bit<16> FN_QP_LEN    = 4;
const bit<8>  FN_TTL       = 64;

/* ---- SEM traffic classes (TrafficClass) ---------------------------------------------- */
const bit<4> TCLASS_OTHER       = 0;
const bit<4> TCLASS_ACTIVATION  = 1;
const bit<4> TCLASS_GRADIENT    = 2;
const bit<4> TCLASS_KV_CACHE    = 3;
const bit<4> TCLASS_PARAMETER   = 4;
const bit<4> TCLASS_STATE_SYNC  = 5;
const bit<4> TCLASS_SAMPLE_DATA = 6;
const bit<4> TCLASS_MAX         = TCLASS_SAMPLE_DATA;

/* ---- SEM token hints (TokenHint) ----------------------------------------------------- */
const bit<2> TOKEN_NONE  = 0;
const bit<2> TOKEN_EARLY = 1;
const bit<2> TOKEN_LATE  = 2;

/* ---- SEM element formats (ElemFormat) ------------------------------------------------ */
const bit<4> ELEM_OPAQUE   = 0;
const bit<4> ELEM_FP32     = 1;
const bit<4> ELEM_BF16     = 2;
const bit<4> ELEM_FP16     = 3;
const bit<4> ELEM_FP8_E4M3 = 4;
const bit<4> ELEM_INT8     = 5;

/* ---- SEM compute affinity (AffinityKind) --------------------------------------------- */
const bit<4> AFFINITY_ANY      = 0;
const bit<4> AFFINITY_GPU      = 1;
const bit<4> AFFINITY_FPGA     = 2;
const bit<4> AFFINITY_CPU      = 3;
const bit<4> AFFINITY_NPU      = 4;
const bit<4> AFFINITY_SPECIFIC = 5;

/* ---- FN types (FnType) ---------------------------------------------------------------- */
const bit<8> FN_TYPE_CONGESTION_DETECTED = 1;
const bit<8> FN_TYPE_CONGESTION_CLEARED  = 2;
const bit<8> FN_TYPE_FAILURE_DETECTED    = 3;
const bit<8> FN_TYPE_FAILURE_RECOVERED   = 4;
const bit<8> FN_TYPE_STATUS              = 5;
const bit<8> FN_TYPE_AUTH_FAILURE        = 6;
const bit<8> FN_TYPE_MAX                 = FN_TYPE_AUTH_FAILURE;

/* ---- FN affected objects (ObjectKind) ------------------------------------------------ */
const bit<8> FN_OBJ_PORT = 1;
const bit<8> FN_OBJ_LINK = 2;
const bit<8> FN_OBJ_NODE = 3;
const bit<8> FN_OBJ_PATH = 4;
const bit<8> FN_OBJ_FLOW = 5;

/* ---- FN metrics (MetricKind) --------------------------------------------------------- */
const bit<8> FN_METRIC_NONE         = 0;
const bit<8> FN_METRIC_QUEUE_DEPTH  = 1;
const bit<8> FN_METRIC_SOJOURN_TIME = 2;
const bit<8> FN_METRIC_LOAD         = 3;
const bit<8> FN_METRIC_SILENCE_TIME = 4;

/* ---- FN parameter bitmap (FnParam) --------------------------------------------------- */
const bit<8> FN_PARAM_FIVE_TUPLE = 0x01;
const bit<8> FN_PARAM_ROCE_QP    = 0x02;
const bit<8> FN_PARAM_PATH_ID    = 0x04;
const bit<8> FN_PARAM_RESERVED_MASK = 0xf8;

/* ---- probe kinds (ProbeKind) --------------------------------------------------------- */
const bit<4> PROBE_KIND_HELLO = 1;

/* ---- port roles (PortType) ----------------------------------------------------------- */
const bit<2> PORT_TYPE_UNKNOWN = 0;
const bit<2> PORT_TYPE_HOST    = 1;
const bit<2> PORT_TYPE_INFRA   = 2;

/* ---- packet-in reasons (PacketInReason) ---------------------------------------------- */
const bit<8> PKT_IN_REASON_FN = 1;

/* ---- drop reasons: index of the filtering drop counter (DropReason) ------------------- */
const drop_reason_t DROP_REASON_NONE             = 0;
const drop_reason_t DROP_REASON_IPV4_CHECKSUM    = 1;
const drop_reason_t DROP_REASON_SEM_BAD_VERSION  = 2;
const drop_reason_t DROP_REASON_SEM_BAD_CLASS    = 3;
const drop_reason_t DROP_REASON_SEM_BAD_MOE      = 4;
const drop_reason_t DROP_REASON_FN_BAD_VERSION   = 5;
const drop_reason_t DROP_REASON_FN_BAD_TYPE      = 6;
const drop_reason_t DROP_REASON_FN_BAD_PARAMS    = 7;
const drop_reason_t DROP_REASON_FN_FROM_HOST     = 8;
const drop_reason_t DROP_REASON_PROBE_FROM_HOST  = 9;
const drop_reason_t DROP_REASON_PARSER_OTHER     = 10;
const drop_reason_t DROP_REASON_FN_REPLAY        = 11;
const drop_reason_t DROP_REASON_MAX              = DROP_REASON_FN_REPLAY;

/* ---- status levels reported by digest and status FN (StatusLevel) --------------------- */
const bit<8> STATUS_LEVEL_NORMAL = 0;
const bit<8> STATUS_LEVEL_HIGH   = 1;

/* ---- authentication (controller/semantic.py AuthDomain, AuthResult) ------------------- */
const bit<8> AUTH_DOMAIN_SEM = 1;
const bit<8> AUTH_DOMAIN_FN  = 2;
const bit<8> AUTH_RESULT_OK           = 0;
const bit<8> AUTH_RESULT_NOT_REQUIRED = 1;
const bit<8> AUTH_RESULT_UNKNOWN_KEY  = 2;
const bit<8> AUTH_RESULT_BAD_TAG      = 3;
#define AUTH_RESULT_COUNT 4

/* ---- in-network quantization (docs/semantic-contract.md) ----------------------------- */
const bit<16> BTH_HDR_LEN  = 12;
const bit<16> ICRC_LEN     = 4;
const bit<16> QUANT_SAVED_PER_ELEM = 2;   /* FP32 -> BF16 */

/* ---- clone field lists (@field_list ids; v1model reads them, other targets ignore them) -- */
#define FL_FN 1

#endif  /* __FANTEL_DEFINE__ */
