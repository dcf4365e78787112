/*
 * fantel for BMv2 simple_switch_grpc (v1model): includes, instances and the apply chains only.
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
#include "../include/parser.p4"
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

    apply {
        lookup_md_init.apply(hdr, md, standard_md);
        packet_io.apply(hdr, md, standard_md);
        filtering.apply(hdr, md, standard_md);
        if (!md.bypass) {
            auth.apply(hdr, md, standard_md);
        }
        if (!md.bypass && !md.to_local) {
            semantic.apply(hdr, md, standard_md);
            buffering.apply(hdr, md, standard_md);
            steering.apply(hdr, md, standard_md);
            moe.apply(hdr, md, standard_md);
            forwarding.apply(hdr, md, standard_md);
        }
        fast_reroute.apply(hdr, md, standard_md);
        if (!md.bypass && !md.to_local) {
            reservations.apply(hdr, md, standard_md);
            status.apply(hdr, md, standard_md);
        }
        notify.apply(md);
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

    apply {
        if (standard_md.instance_type == PKT_INSTANCE_TYPE_INGRESS_CLONE
                || standard_md.instance_type == PKT_INSTANCE_TYPE_EGRESS_CLONE) {
            notify.apply(hdr, md, standard_md);
        } else {
            semantic.apply(hdr, md, standard_md);
            quantize.apply(hdr, md, standard_md);
            congestion.apply(hdr, md, standard_md);
        }
        packet_io.apply(hdr, md, standard_md);
    }
}

V1Switch(FantelParser(),
         FantelVerifyChecksum(),
         FantelIngress(),
         FantelEgress(),
         FantelComputeChecksum(),
         FantelDeparser()) main;
