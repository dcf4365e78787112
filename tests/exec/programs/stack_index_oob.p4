// A run-time header stack index past the end, as p4c's HSIndexSimplifier rewrites it for
// BMv2: an if's condition is false (else branch), a table key reading hs[i] is 0 and the
// table still applies, an assignment (or initializer, or a function's return) reading hs[i]
// gives 0, and with a negative index such an assignment does nothing.
#include <core.p4>
#include <v1model.p4>

header sel_t {
    bit<8> idx;
    int<8> sidx;
    bit<8> x;
    bit<8> y;
    bit<8> z;
    bit<8> w;
    bit<8> u;
}

header slot_t {
    bit<8> v;
}

struct headers_t {
    sel_t     sel;
    slot_t[3] slots;
}

struct meta_t {}

bit<8> slot_value(in headers_t h) {
    return h.slots[h.sel.idx].v;
}

parser P(packet_in pkt, out headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    state start {
        pkt.extract(h.sel);
        pkt.extract(h.slots.next);
        pkt.extract(h.slots.next);
        pkt.extract(h.slots.next);
        transition accept;
    }
}

control Ing(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    action key_was_zero() {
        h.sel.w = 8w0xee;
    }

    table t {
        key = { h.slots[h.sel.idx].v : exact; }
        actions = { key_was_zero; NoAction; }
        const entries = { 8w0 : key_was_zero(); }
        default_action = NoAction();
    }

    apply {
        if (h.slots[h.sel.idx].v == 8w0x22) {
            h.sel.x = 1;
        } else {
            h.sel.x = 2;
        }
        t.apply();
        h.sel.y = h.slots[h.sel.idx].v;
        h.sel.z = h.slots[h.sel.sidx].v;
        bit<8> copy = h.slots[h.sel.idx].v;
        h.sel.u = copy + slot_value(h);
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
