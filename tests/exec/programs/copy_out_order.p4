// Copy-out writes to the l-values the out/inout arguments designated at the call (P4_16
// spec, "Calling convention"), even when the callee changes a run-time stack index they
// read.
#include <core.p4>
#include <v1model.p4>

header sel_t {
    bit<8> idx;
    bit<8> ret;
}

header slot_t {
    bit<8> v;
}

struct headers_t {
    sel_t     sel;
    slot_t[4] slots;
}

struct meta_t {}

void bump_fn(inout bit<8> idx, inout bit<8> v) {
    idx = idx + 1;
    v = 8w0xaa;
}

bit<8> bump_value(inout bit<8> idx, out bit<8> v) {
    idx = idx + 1;
    v = 8w0xcc;
    return idx;
}

parser P(packet_in pkt, out headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    state start {
        pkt.extract(h.sel);
        pkt.extract(h.slots.next);
        pkt.extract(h.slots.next);
        pkt.extract(h.slots.next);
        pkt.extract(h.slots.next);
        transition accept;
    }
}

control Ing(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    action bump_action(inout bit<8> idx, inout bit<8> v) {
        idx = idx + 1;
        v = 8w0xbb;
    }

    apply {
        bump_fn(h.sel.idx, h.slots[h.sel.idx].v);      // slots[i] = aa, idx = i + 1
        bump_action(h.sel.idx, h.slots[h.sel.idx].v);  // slots[i + 1] = bb, idx = i + 2
        // A call inside an expression: slots[i + 2] = cc, idx = i + 3, ret = i + 3.
        h.sel.ret = h.sel.idx == 8w0xff ? 8w0 : bump_value(h.sel.idx, h.slots[h.sel.idx].v);
        sm.egress_spec = 1;
    }
}

control Eg(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    apply { }
}

control Vrfy(inout headers_t h, inout meta_t m) {
    apply { }
}

control Upd(inout headers_t h, inout meta_t m) {
    apply { }
}

control Dep(packet_out pkt, in headers_t h) {
    apply {
        pkt.emit(h);
    }
}

V1Switch(P(), Vrfy(), Ing(), Eg(), Upd(), Dep()) main;
