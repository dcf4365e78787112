// An extern instantiated at the top level of the program is one object shared by every
// control that uses it (here ingress and egress).
#include <core.p4>
#include <v1model.p4>

header h_t {
    bit<8> x;
    bit<8> y;
    bit<8> z;
}

struct headers_t {
    h_t h;
}

struct meta_t {}

register<bit<8>>(2) last_x;

parser P(packet_in pkt, out headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    state start {
        pkt.extract(h.h);
        transition accept;
    }
}

control Ing(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    apply {
        last_x.read(h.h.y, 1);  // the previous packet's x
        last_x.write(1, h.h.x);
        sm.egress_spec = 1;
    }
}

control Eg(inout headers_t h, inout meta_t m, inout standard_metadata_t sm) {
    apply {
        last_x.read(h.h.z, 1);  // this packet's x, written by ingress
    }
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
