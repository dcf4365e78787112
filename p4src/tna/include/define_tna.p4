/*
 * TNA shim: the architecture-specific names the shared include files use (the v1model build
 * takes them from v1model/include/define_v1model.p4). tna.p4 already declares PortId_t
 * (bit<9> on Tofino 1), MirrorId_t, QueueId_t and DigestType_t.
 */
#ifndef __FANTEL_DEFINE_TNA__
#define __FANTEL_DEFINE_TNA__

typedef bit<3> QueuePriority_t;   /* becomes ig_intr_md_for_tm.qid (glue.p4) */

#ifndef CPU_PORT_NUMBER
#define CPU_PORT_NUMBER 192   /* Tofino 1 PCIe CPU port of pipe 0 */
#endif
const PortId_t CPU_PORT = CPU_PORT_NUMBER;
const QueuePriority_t QUEUE_PRIORITY_CONTROL = 7;  /* top queue for controller packet-outs */

/* Meter colours as DirectMeter.execute() gives them (MeterColor_t), cut to 2 bits. */
const bit<2> METER_COLOR_GREEN  = 0;
const bit<2> METER_COLOR_YELLOW = 1;
const bit<2> METER_COLOR_RED    = 3;

/* Declarations of the stateless externs the shared controls use (see define_v1model.p4). */
#define PACKET_COUNTER(size)            Counter<bit<64>, bit<32>>(size, CounterType_t.PACKETS)
#define PACKET_BYTE_COUNTER(size) \
    Counter<bit<64>, bit<32>>(size, CounterType_t.PACKETS_AND_BYTES)
#define DIRECT_PACKET_COUNTER           DirectCounter<bit<64>>(CounterType_t.PACKETS)
#define DIRECT_PACKET_BYTE_COUNTER      DirectCounter<bit<64>>(CounterType_t.PACKETS_AND_BYTES)
#define DIRECT_BYTE_METER               DirectMeter(MeterType_t.BYTES)
#define DIRECT_METER_READ(meter, color) color = (bit<2>)meter.execute()
/* `members` in an ActionProfile, `groups` of up to SELECTOR_MAX_GROUP_SIZE members; TNA
   hashes the selector keys itself, hash_width bits of CRC32. */
#define SELECTOR_MAX_GROUP_SIZE 64
#define CRC32_ACTION_SELECTOR(name, members, hash_width, groups)                   \
    Hash<bit<hash_width>>(HashAlgorithm_t.CRC32) name##_hash;                      \
    ActionProfile(members) name##_members;                                         \
    ActionSelector(name##_members, name##_hash, SelectorMode_t.FAIR,               \
                   SELECTOR_MAX_GROUP_SIZE, groups) name

/* Switch time in the SALU: 32 bits of ~1.024 us (ns >> 10); wraps after ~73 minutes. */
typedef bit<32> salu_time_t;

/* Mirror types (eg/ig_dprsr_md.mirror_type) and digest types (ig_dprsr_md.digest_type). */
const MirrorType_t MIRROR_TYPE_FN    = 1;
const DigestType_t DIGEST_TYPE_STATUS = 1;
const DigestType_t DIGEST_TYPE_AUTH   = 2;

#endif  /* __FANTEL_DEFINE_TNA__ */
