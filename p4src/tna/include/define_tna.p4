/*
 * TNA shim: the architecture-specific names the shared include files use. tna.p4 already
 * declares PortId_t (bit<9>), MirrorId_t and QueueId_t.
 */
#ifndef __FANTEL_DEFINE_TNA__
#define __FANTEL_DEFINE_TNA__

typedef bit<3> QueuePriority_t;   /* mapped onto ig_intr_md_for_tm.qid by the TNA controls */

#ifndef CPU_PORT_NUMBER
#define CPU_PORT_NUMBER 192   /* Tofino 1 PCIe CPU port of pipe 0 */
#endif
const PortId_t CPU_PORT = CPU_PORT_NUMBER;
const QueuePriority_t QUEUE_PRIORITY_CONTROL = 7;  /* top queue for controller packet-outs */

#endif  /* __FANTEL_DEFINE_TNA__ */
