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

#endif  /* __FANTEL_DEFINE_V1MODEL__ */
