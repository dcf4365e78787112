// A table with idle timeouts (support_timeout = true).
#include <core.p4>
#include <v1model.p4>
header h_t { bit<8> k; }
struct headers { h_t h; }
struct meta {}
parser p(packet_in pk, out headers hdr, inout meta m, inout standard_metadata_t sm) {
    state start { pk.extract(hdr.h); transition accept; }
}
control vc(inout headers hdr, inout meta m) { apply {} }
control ig(inout headers hdr, inout meta m, inout standard_metadata_t sm) {
    table t { key = { hdr.h.k : exact; } actions = { NoAction; } support_timeout = true; }
    apply { t.apply(); }
}
control eg(inout headers hdr, inout meta m, inout standard_metadata_t sm) { apply {} }
control ck(inout headers hdr, inout meta m) { apply {} }
control dp(packet_out pk, in headers hdr) { apply { pk.emit(hdr.h); } }
V1Switch(p(), vc(), ig(), eg(), ck(), dp()) main;
