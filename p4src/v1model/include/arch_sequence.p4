/*
 * v1model sequence counters: register cells that count up, one number per apply. One control
 * per series so each register keeps its control-plane name (absolute @name).
 */
#ifndef __FANTEL_ARCH_SEQUENCE_V1MODEL__
#define __FANTEL_ARCH_SEQUENCE_V1MODEL__

#define FANTEL_SEQUENCE(CONTROL, REGISTER_NAME, CELLS)                 \
control CONTROL(in bit<32> index, out bit<32> sequence) {              \
    @name(REGISTER_NAME) register<bit<32>>(CELLS) cells;               \
    apply {                                                            \
        cells.read(sequence, index);                                   \
        sequence = sequence + 1;                                       \
        cells.write(index, sequence);                                  \
    }                                                                  \
}

/* Probes sent per port (fast_reroute.p4). */
FANTEL_SEQUENCE(ProbeTxSequence, ".FantelIngress.fast_reroute.probe_tx_seq", PORT_COUNT)
/* FNs originated by ingress: failure, recovery, status (notify.p4). */
FANTEL_SEQUENCE(NotifyFnSequence, ".FantelIngress.notify.fn_sequence", 1)
/* Congestion FNs, originated by egress (congestion.p4). */
FANTEL_SEQUENCE(CongestionFnSequence, ".FantelEgress.congestion.sender_fn_sequence", 1)

#endif  /* __FANTEL_ARCH_SEQUENCE_V1MODEL__ */
