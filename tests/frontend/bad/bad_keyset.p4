// expect: bad_keyset.p4:6:21: syntax error, unexpected identifier "accept", expecting ":"
#include <core.p4>
parser p(packet_in pkt, out bit<8> x) {
    state start {
        transition select(x) {
            1 &&& 2 accept;
        }
    }
}
