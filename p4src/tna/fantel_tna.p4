/*
 * fantel for Tofino 1 (TNA): includes, instances and the apply chains only, like
 * ../v1model/fantel_v1model.p4. The shared controls (../include/control/) are the same; what
 * differs sits in include/: define_tna.p4 (names and extern declarations), arch_*.p4 (the
 * stateful controls as Register + RegisterAction), glue.p4 (parsers, deparsers with Checksum,
 * Mirror and Digest, bridged and mirror headers, intrinsic metadata translation).
 * Build (not done here, no bf-p4c): bf-p4c --arch tna -I p4src p4src/tna/fantel_tna.p4
 * What remains before it runs on hardware: README.md.
 */
#include <core.p4>
#include <tna.p4>

/* Type-checked against tna.p4 (tests/dataplane/test_arch_layer.py), never compiled with bf-p4c
   nor run on a Tofino: README.md lists what bf-p4c will likely refuse. Define
   FANTEL_TNA_UNVERIFIED to build it anyway. */
#ifndef FANTEL_TNA_UNVERIFIED
#error "fantel_tna.p4 is not verified with bf-p4c yet (p4src/tna/README.md); -DFANTEL_TNA_UNVERIFIED to try"
#endif

#include "include/define_tna.p4"
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

control FantelIngress(inout tna_headers_t hdr,
                      inout tna_md_t ig_md,
                      in ingress_intrinsic_metadata_t ig_intr_md,
                      in ingress_intrinsic_metadata_from_parser_t ig_prsr_md,
                      inout ingress_intrinsic_metadata_for_deparser_t ig_dprsr_md,
                      inout ingress_intrinsic_metadata_for_tm_t ig_tm_md) {
    IngressIntrMdIn() intr_md_in;
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
    IngressIntrMdOut() intr_md_out;

    apply {
        intr_md_in.apply(hdr, ig_md, ig_intr_md, ig_prsr_md);
        lookup_md_init.apply(hdr.fantel, ig_md.md, ig_md.intr);
        packet_io.apply(hdr.fantel, ig_md.md, ig_md.intr);
        filtering.apply(hdr.fantel, ig_md.md, ig_md.intr);
        if (!ig_md.md.bypass) {
            auth.apply(hdr.fantel, ig_md.md, ig_md.intr);
        }
        if (!ig_md.md.bypass && !ig_md.md.to_local) {
            semantic.apply(hdr.fantel, ig_md.md, ig_md.intr);
            buffering.apply(hdr.fantel, ig_md.md, ig_md.intr);
            steering.apply(hdr.fantel, ig_md.md, ig_md.intr);
            moe.apply(hdr.fantel, ig_md.md, ig_md.intr);
            forwarding.apply(hdr.fantel, ig_md.md, ig_md.intr);
        }
        fast_reroute.apply(hdr.fantel, ig_md.md, ig_md.intr);
        if (!ig_md.md.bypass && !ig_md.md.to_local) {
            reservations.apply(hdr.fantel, ig_md.md, ig_md.intr);
            status.apply(hdr.fantel, ig_md.md, ig_md.intr);
        }
        notify.apply(ig_md.md);
        intr_md_out.apply(hdr, ig_md, ig_dprsr_md, ig_tm_md);
    }
}

control FantelEgress(inout tna_headers_t hdr,
                     inout tna_md_t eg_md,
                     in egress_intrinsic_metadata_t eg_intr_md,
                     in egress_intrinsic_metadata_from_parser_t eg_prsr_md,
                     inout egress_intrinsic_metadata_for_deparser_t eg_dprsr_md,
                     inout egress_intrinsic_metadata_for_output_port_t eg_oport_md) {
    EgressIntrMdIn() intr_md_in;
    PacketIoEgress() packet_io;
    SemanticEgress() semantic;
    Quantize() quantize;
    Congestion() congestion;
    NotifyEgress() notify;
    EgressIntrMdOut() intr_md_out;

    apply {
        intr_md_in.apply(hdr, eg_md, eg_intr_md, eg_prsr_md);
        if (eg_md.intr.is_clone) {
            notify.apply(hdr.fantel, eg_md.md, eg_md.intr);
        } else {
            semantic.apply(hdr.fantel, eg_md.md, eg_md.intr);
            quantize.apply(hdr.fantel, eg_md.md, eg_md.intr);
            congestion.apply(hdr.fantel, eg_md.md, eg_md.intr);
        }
        packet_io.apply(hdr.fantel, eg_md.md, eg_md.intr);
        intr_md_out.apply(eg_md, eg_dprsr_md);
    }
}

Pipeline(FantelIngressParser(),
         FantelIngress(),
         FantelIngressDeparser(),
         FantelEgressParser(),
         FantelEgress(),
         FantelEgressDeparser()) pipe;

Switch(pipe) main;
