// expect: 5:23: lookahead needs a fixed-width type, not H
#include <core.p4>
header H { varbit<120> x; }
parser p(packet_in b, out H h) {
    state start { h = b.lookahead<H>(); transition accept; }
}
