/*
 * v1model shim: architecture-specific names used by the shared include files. Included before
 * include/define.p4; the TNA build provides the same names from tna/include/define_tna.p4.
 */
#ifndef __FANTEL_DEFINE_V1MODEL__
#define __FANTEL_DEFINE_V1MODEL__

typedef bit<9>  PortId_t;
typedef bit<3>  QueuePriority_t;

/* simple_switch_grpc --cpu-port; packet-in/out use this port. */
#ifndef CPU_PORT_NUMBER
#define CPU_PORT_NUMBER 255
#endif
const PortId_t CPU_PORT = CPU_PORT_NUMBER;

/* The highest of simple_switch's --priority-queues 8: controller packet-outs (probes) use it. */
const QueuePriority_t QUEUE_PRIORITY_CONTROL = 7;

/* Meter colours as direct_meter.read() gives them. */
const bit<2> METER_COLOR_GREEN  = 0;
const bit<2> METER_COLOR_YELLOW = 1;
const bit<2> METER_COLOR_RED    = 2;

/* BMv2 simple_switch instance types (docs/simple_switch.md). */
const bit<32> PKT_INSTANCE_TYPE_NORMAL        = 0;
const bit<32> PKT_INSTANCE_TYPE_INGRESS_CLONE = 1;
const bit<32> PKT_INSTANCE_TYPE_EGRESS_CLONE  = 2;

/*
 * Stateless externs the shared controls declare: the instance declarations differ by
 * architecture, their use (count(), tables' counters/meters/implementation) does not.
 */
#define PACKET_COUNTER(size)            counter(size, CounterType.packets)
#define PACKET_BYTE_COUNTER(size)       counter(size, CounterType.packets_and_bytes)
#define DIRECT_PACKET_COUNTER           direct_counter(CounterType.packets)
#define DIRECT_PACKET_BYTE_COUNTER      direct_counter(CounterType.packets_and_bytes)
#define DIRECT_BYTE_METER               direct_meter<bit<2>>(MeterType.bytes)
#define DIRECT_METER_READ(meter, color) meter.read(color)
/* A weighted group selector over `members` members hashing its selector keys with CRC32 to
   hash_width bits (see forwarding.p4); v1model sizes groups at run time, TNA needs `groups`. */
#define CRC32_ACTION_SELECTOR(name, members, hash_width, groups) \
    action_selector(HashAlgorithm.crc32, members, hash_width) name

#endif  /* __FANTEL_DEFINE_V1MODEL__ */
