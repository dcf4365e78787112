/* TNA sequence counters: one RegisterAction that counts up and returns the new number. */
#ifndef __FANTEL_ARCH_SEQUENCE_TNA__
#define __FANTEL_ARCH_SEQUENCE_TNA__

#define FANTEL_SEQUENCE(CONTROL, REGISTER_NAME, CELLS)                 \
control CONTROL(in bit<32> index, out bit<32> sequence) {              \
    @name(REGISTER_NAME) Register<bit<32>, bit<32>>(CELLS, 0) cells;   \
    RegisterAction<bit<32>, bit<32>, bit<32>>(cells) next = {          \
        void apply(inout bit<32> value, out bit<32> rv) {              \
            value = value + 1;                                         \
            rv = value;                                                \
        }                                                              \
    };                                                                 \
    apply {                                                            \
        sequence = next.execute(index);                                \
    }                                                                  \
}

FANTEL_SEQUENCE(ProbeTxSequence, ".FantelIngress.fast_reroute.probe_tx_seq", PORT_COUNT)
FANTEL_SEQUENCE(NotifyFnSequence, ".FantelIngress.notify.fn_sequence", 1)
FANTEL_SEQUENCE(CongestionFnSequence, ".FantelEgress.congestion.sender_fn_sequence", 1)

#endif  /* __FANTEL_ARCH_SEQUENCE_TNA__ */
