/*
 * What the shared controls know of the architecture (docs/p4-design.md, "Per-architecture
 * layer"). Each top file fills the "from the architecture" fields before the controls run and
 * carries out the requests afterwards: v1model in FantelIngress/FantelEgress of
 * fantel_v1model.p4 (standard_metadata, mark_to_drop, clone_preserving_field_list, truncate),
 * TNA in tna/include/glue.p4 (ig_intr_md, ig_intr_md_for_tm, drop_ctl, mirror_type).
 * Requests act at the end of the pipeline, as v1model's externs do: a later write of
 * egress_spec does not cancel a drop. arch_md_t is the architecture's own part (arch_md.p4 of
 * each architecture); shared controls never touch it, only the arch_*.p4 controls do.
 */
#ifndef __FANTEL_INTR_MD__
#define __FANTEL_INTR_MD__

struct fantel_intr_md_t {
    /* from the architecture */
    PortId_t        ingress_port;
    timestamp_t     ingress_ts;       /* ingress: switch clock, us */
    bit<32>         packet_length;    /* ingress: bytes */
    bool            checksum_error;   /* ingress: IPv4 header checksum wrong */
    error           parser_error;     /* ingress */
    bool            is_clone;         /* egress: an FN copy (clone / mirror), not a packet */
    PortId_t        egress_port;      /* egress */
    timestamp_t     egress_ts;        /* egress: switch clock, us */
    bit<19>         deq_qdepth;       /* egress: backlog left behind the packet */
    bit<32>         deq_timedelta;    /* egress: sojourn time, us */
    /* requests to the architecture */
    PortId_t        egress_spec;      /* ingress: output port */
    QueuePriority_t priority;         /* ingress: output queue */
    bool            drop;
    bool            clone;            /* one copy carrying md.fn to clone_session */
    bit<16>         clone_session;
    bit<32>         truncate_len;     /* egress: bytes of the packet to keep; 0 = all */
    arch_md_t       arch;
}

#endif  /* __FANTEL_INTR_MD__ */
