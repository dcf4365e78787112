// expect: return_in_parser.p4:5:9: syntax error, unexpected "return", expecting a statement
#include <core.p4>
parser p(packet_in pkt, out bit<8> x) {
    state start {
        return;
    }
}
