// A header stack indexed at run time in a parser select and in a table key. Out of range
// in the select, the parser rejects with StackOutOfBounds (p4c ParserUnroll's
// out-of-bound state); ingress still runs, with parser_error set.
#include <core.p4>
#include <v1model.p4>
header h_t { bit<8> v; }
header i_t { bit<8> idx; bit<8> err; }
struct headers { i_t i; h_t[3] hs; }
struct metadata { }
parser P(packet_in pkt, out headers hdr, inout metadata meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.i);
        pkt.extract(hdr.hs.next);
        pkt.extract(hdr.hs.next);
        pkt.extract(hdr.hs.next);
        transition select(hdr.hs[hdr.i.idx].v) {
            0x42: accept;
            default: reject;
        }
    }
}
control VC(inout headers hdr, inout metadata meta) { apply { } }
control I(inout headers hdr, inout metadata meta, inout standard_metadata_t sm) {
    action set(bit<9> p) { sm.egress_spec = p; }
    table t {
        key = { hdr.hs[hdr.i.idx].v : exact @name("v"); }
        actions = { set; NoAction; }
        default_action = NoAction;
    }
    apply {
        sm.egress_spec = 1;
        if (sm.parser_error == error.NoMatch) { hdr.i.err = 2; }
        if (sm.parser_error == error.StackOutOfBounds) { hdr.i.err = 3; }
        if (sm.parser_error == error.NoError) { t.apply(); }
    }
}
control E(inout headers hdr, inout metadata meta, inout standard_metadata_t sm) { apply { } }
control CC(inout headers hdr, inout metadata meta) { apply { } }
control D(packet_out pkt, in headers hdr) { apply { pkt.emit(hdr); } }
V1Switch(P(), VC(), I(), E(), CC(), D()) main;
