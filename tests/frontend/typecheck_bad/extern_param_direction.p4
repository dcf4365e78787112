// expect: 4:41: parameter 'b' of type packet_in cannot have a direction
#include <core.p4>
header h_t { bit<8> x; }
parser p(inout h_t hdr, inout packet_in b) { state start { transition accept; } }
