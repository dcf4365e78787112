// An assignment evaluates its left side first: the run-time stack index in the l-value is
// read before the right side's call changes it (P4_16 spec, "Order of evaluation").
#include <core.p4>
#include <v1model.p4>

header sel_t {
    bit<8> idx;
}

header slot_t {
    bit<8> v;
}

struct headers_t {
    sel_t     sel;
    slot_t[3] slots;
}

struct meta_t {}

// Changes the index the caller's l-value reads, and returns what to store.
bit<8> bump(inout bit<8> idx) {
    idx = idx + 1;
    return 8w0xaa;
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
    apply {
        // Stores into slots[idx as it was], then idx is one more.
        h.slots[h.sel.idx].v = bump(h.sel.idx);
        // A slice of an indexed field: the same index for the read and the write.
        h.slots[h.sel.idx].v[3:0] = bump(h.sel.idx)[3:0];
        // A whole element at a run-time index (out of range: nothing happens).
        h.slots[h.sel.idx - 3] = { 8w0x77 };
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
