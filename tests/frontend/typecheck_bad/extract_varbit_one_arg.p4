// expect: 6:29: header h_t has a varbit field: extract needs its size in bits
#include <core.p4>
header h_t { bit<8> f; varbit<8> g; }
struct my_packet { h_t h; }
parser p(packet_in b, out my_packet m) {
    state start { b.extract(m.h); transition accept; }
}
