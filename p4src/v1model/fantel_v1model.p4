/*
 * fantel for BMv2 simple_switch_grpc (v1model): includes, instances and the apply chains only.
 * The shared controls see fantel_intr_md_t, filled from standard_metadata at the start of
 * FantelIngress/FantelEgress and turned back into it (and into v1model externs) at the end;
 * include/ holds the rest of the per-architecture layer (define_v1model.p4 names and extern
 * declarations, arch_*.p4 stateful controls, glue.p4 parser, checksums and deparser).
 * Build: p4c-bm2-ss --arch v1model --p4runtime-files fantel.p4info.txt \
 *        -I p4src p4src/v1model/fantel_v1model.p4
 * Run simple_switch_grpc with --cpu-port 255 (CPU_PORT_NUMBER) and --priority-queues 8.
 */
#include <core.p4>
#include <v1model.p4>

#include "include/define_v1model.p4"
#include "../include/define.p4"
#include "../include/size.p4"
#include "../include/headers.p4"
#include "include/arch_md.p4"
#include "../include/intr_md.p4"
#include "include/arch_forwarding.p4"
#include "include/arch_sequence.p4"
#include "include/arch_fast_reroute.p4"
#include "include/arch_congestion.p4"
#include "include/arch_status.p4"
#include "include/arch_semantic.p4"
#include "../include/parser.p4"
#include "include/glue.p4"
#include "../include/control/lookup_md_init.p4"
#include "../include/control/packet_io.p4"
#include "../include/control/filtering.p4"
#include "../include/control/halfsiphash.p4"
#include "../include/control/auth.p4"
#include "../include/control/semantic.p4"
#include "../include/control/buffering.p4"
#include "../include/control/steering.p4"
#include "../include/control/moe.p4"
#include "../include/control/quantize.p4"
#include "../include/control/forwarding.p4"
#include "../include/control/fast_reroute.p4"
#include "../include/control/reservation.p4"
#include "../include/control/status.p4"
#include "../include/control/congestion.p4"
#include "../include/control/notify.p4"

control FantelIngress(inout headers_t hdr,
                      inout local_md_t md,
                      inout standard_metadata_t standard_md) {
    LookupMdInit() lookup_md_init;
    PacketIoIngress() packet_io;
    Filtering() filtering;
    Auth() auth;
    SemanticIngress() semantic;
    Buffering() buffering;
    Steering() steering;
    MoeSelect() moe;
    Forwarding() forwarding;
    FastReroute() fast_reroute;
    ReservationMeters() reservations;
    Status() status;
    NotifyIngress() notify;
    fantel_intr_md_t intr;

    apply {
        /* standard_metadata -> what the shared controls read (include/intr_md.p4) */
        intr.ingress_port = standard_md.ingress_port;
        intr.ingress_ts = standard_md.ingress_global_timestamp;
        intr.packet_length = standard_md.packet_length;
        intr.checksum_error = standard_md.checksum_error == 1;
        intr.parser_error = standard_md.parser_error;
        intr.egress_spec = standard_md.egress_spec;
        intr.priority = standard_md.priority;
        intr.drop = false;
        intr.clone = false;
        intr.clone_session = 0;

        lookup_md_init.apply(hdr, md, intr);
        packet_io.apply(hdr, md, intr);
        filtering.apply(hdr, md, intr);
        if (!md.bypass) {
            auth.apply(hdr, md, intr);
        }
        if (!md.bypass && !md.to_local) {
            semantic.apply(hdr, md, intr);
            buffering.apply(hdr, md, intr);
            steering.apply(hdr, md, intr);
            moe.apply(hdr, md, intr);
            forwarding.apply(hdr, md, intr);
        }
        fast_reroute.apply(hdr, md, intr);
        if (!md.bypass && !md.to_local) {
            reservations.apply(hdr, md, intr);
            status.apply(hdr, md, intr);
        }
        notify.apply(md);

        /* Requests -> v1model, in simple_switch's order of effects: clone, then drop or port. */
        if (intr.clone) {
            clone_preserving_field_list(CloneType.I2E, (bit<32>)intr.clone_session, FL_FN);
        }
        standard_md.egress_spec = intr.egress_spec;
        standard_md.priority = intr.priority;
        if (intr.drop) {
            mark_to_drop(standard_md);
        }
    }
}

control FantelEgress(inout headers_t hdr,
                     inout local_md_t md,
                     inout standard_metadata_t standard_md) {
    PacketIoEgress() packet_io;
    SemanticEgress() semantic;
    Quantize() quantize;
    Congestion() congestion;
    NotifyEgress() notify;
    fantel_intr_md_t intr;

    apply {
        intr.ingress_port = standard_md.ingress_port;
        intr.is_clone = standard_md.instance_type == PKT_INSTANCE_TYPE_INGRESS_CLONE
                        || standard_md.instance_type == PKT_INSTANCE_TYPE_EGRESS_CLONE;
        intr.egress_port = standard_md.egress_port;
        intr.egress_ts = standard_md.egress_global_timestamp;
        intr.deq_qdepth = standard_md.deq_qdepth;
        intr.deq_timedelta = standard_md.deq_timedelta;
        intr.drop = false;
        intr.clone = false;
        intr.clone_session = 0;
        intr.truncate_len = 0;

        if (intr.is_clone) {
            notify.apply(hdr, md, intr);
        } else {
            semantic.apply(hdr, md, intr);
            quantize.apply(hdr, md, intr);
            congestion.apply(hdr, md, intr);
        }
        packet_io.apply(hdr, md, intr);

        if (intr.clone) {
            clone_preserving_field_list(CloneType.E2E, (bit<32>)intr.clone_session, FL_FN);
        }
        if (intr.truncate_len != 0) {
            truncate(intr.truncate_len);
        }
        if (intr.drop) {
            mark_to_drop(standard_md);
        }
    }
}

V1Switch(FantelParser(),
         FantelVerifyChecksum(),
         FantelIngress(),
         FantelEgress(),
         FantelComputeChecksum(),
         FantelDeparser()) main;
