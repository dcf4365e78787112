// An extern instantiated inside an action belongs to the enclosing control: one object,
// kept across packets, shared by every run of the action (p4c names it `I.regs`).
#include <core.p4>
#include <v1model.p4>

header h_t { bit<8> seen; }
struct headers { h_t h; }
struct metadata { }

parser P(packet_in pk, out headers hdr, inout metadata m, inout standard_metadata_t sm) {
    state start { pk.extract(hdr.h); transition accept; }
}

control V(inout headers hdr, inout metadata m) { apply {} }

control I(inout headers hdr, inout metadata m, inout standard_metadata_t sm) {
    action bump() {
        register<bit<8>>(1) regs;
        bit<8> v;
        regs.read(v, 0);
        v = v + 1;
        regs.write(0, v);
        hdr.h.seen = v;
    }
    table t {
        actions = { bump; }
        default_action = bump();
    }
    apply {
        sm.egress_spec = 1;
        t.apply();
    }
}

control E(inout headers hdr, inout metadata m, inout standard_metadata_t sm) { apply {} }
control C(inout headers hdr, inout metadata m) { apply {} }
control D(packet_out pk, in headers hdr) { apply { pk.emit(hdr); } }

V1Switch(P(), V(), I(), E(), C(), D()) main;
