// Parser constructs: masked, range and default select cases, a header stack filled with
// .next in a loop, lookahead, advance, verify, and the parser_error reported to ingress.
#include <core.p4>
#include <v1model.p4>

header eth_t { bit<48> dst; bit<48> src; bit<16> type; }
header tag_t { bit<8> kind; bit<8> val; }

struct headers { eth_t eth; tag_t[3] tags; }
struct metadata { bit<8> path; }

error { BadValue }

parser P(packet_in pkt, out headers hdr, inout metadata meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.eth);
        transition select(hdr.eth.type) {
            0x1000 &&& 0xF000: tags;
            0x2000 .. 0x20FF: skip;
            0x3000: look;
            0x4000: check;
            default: accept;
        }
    }
    state tags {
        meta.path = 1;
        pkt.extract(hdr.tags.next);
        transition select(hdr.tags.last.kind) {
            0: accept;
            default: tags;
        }
    }
    state skip {
        meta.path = 2;
        pkt.advance(16);
        transition accept;
    }
    state look {
        meta.path = 3;
        transition select(pkt.lookahead<bit<8>>()) {
            0xAA: one_tag;
            default: accept;
        }
    }
    state one_tag {
        meta.path = 4;
        pkt.extract(hdr.tags.next);
        transition accept;
    }
    state check {
        meta.path = 5;
        pkt.extract(hdr.tags.next);
        verify(hdr.tags[0].val == 1, error.BadValue);
        transition accept;
    }
}

control VC(inout headers hdr, inout metadata meta) { apply { } }

control I(inout headers hdr, inout metadata meta, inout standard_metadata_t sm) {
    apply {
        bit<8> code = 0xFF;
        if (sm.parser_error == error.NoError) { code = 0; }
        else if (sm.parser_error == error.PacketTooShort) { code = 1; }
        else if (sm.parser_error == error.StackOutOfBounds) { code = 3; }
        else if (sm.parser_error == error.BadValue) { code = 9; }
        // The parser result is reported in the source MAC: path, error code.
        hdr.eth.src = 0;
        hdr.eth.src[15:8] = meta.path;
        hdr.eth.src[7:0] = code;
        sm.egress_spec = 1;
    }
}

control E(inout headers hdr, inout metadata meta, inout standard_metadata_t sm) { apply { } }
control CC(inout headers hdr, inout metadata meta) { apply { } }
control D(packet_out pkt, in headers hdr) { apply { pkt.emit(hdr.eth); pkt.emit(hdr.tags); } }

V1Switch(P(), VC(), I(), E(), CC(), D()) main;
