/* fantel table, register and counter sizes: the one place to scale the pipeline. */
#ifndef __FANTEL_SIZE__
#define __FANTEL_SIZE__

#define PORT_COUNT            512   /* 9-bit v1model port space */
#define PORT_TYPE_TABLE_SIZE  512
#define IPV4_ROUTE_TABLE_SIZE 4096
#define NEXT_HOP_GROUP_TABLE_SIZE 1024
#define NEXT_HOP_SELECTOR_SIZE    4096
#define NEXT_HOP_SELECTOR_WIDTH   16
#define BACKUP_TABLE_SIZE     1024
#define FLOWLET_SLOTS         8192
#define WATCH_SLOTS           1024   /* remote objects tracked from received failure FNs */
#define REMOTE_WATCH_TABLE_SIZE 1024
#define FN_REPLAY_SLOTS       8192   /* replay state: last sequence per FN (originator, object) */
#define TENANT_TABLE_SIZE     1024
#define SEM_POLICY_TABLE_SIZE 1024
#define SEM_CLASSIFIER_TABLE_SIZE 1024
#define TCLASS_COUNT          16
#define TENANT_COUNT          65536
#define CONGESTION_TABLE_SIZE 1024
#define CONGESTION_STATE_SLOTS 8192  /* per (egress port, class) */
#define FN_RATE_SLOTS         8192   /* per-flow rate limiting of congestion FNs */
#define STATUS_TABLE_SIZE     512
#define DROP_REASON_COUNT     16
/* issue 8: the semantic contract's actions */
#define AUTH_POLICY_TABLE_SIZE 1024
#define AUTH_KEY_TABLE_SIZE   2048   /* two keys per tenant during a rotation */
#define AUTH_COUNTER_SIZE     12     /* (domain 0..2) x AUTH_RESULT_COUNT */
#define QUANT_MAX_ELEMS       32     /* payload elements one packet may carry to be quantized */
#define QUANT_TABLE_SIZE      1024
#define BUFFER_POLICY_TABLE_SIZE 256
#define BULK_FLOW_SLOTS       8192   /* first/last-seen time of delay-tolerant flows */
#define AFFINITY_TABLE_SIZE   1024
#define ENDPOINT_GROUP_TABLE_SIZE 1024
#define ENDPOINT_SELECTOR_SIZE 4096
#define ENDPOINT_SELECTOR_WIDTH 16
#define RESERVATION_TABLE_SIZE 1024  /* edge meters of admitted reservations */
#define EXPERT_SLOTS          4096   /* expert ids 0 .. EXPERT_SLOTS-1 */

#endif  /* __FANTEL_SIZE__ */
