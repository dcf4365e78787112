// expect: 6:19: 'push_front' of a header stack cannot be used in a parser
#include <core.p4>
header h_t { bit<8> x; }
struct s_t { h_t[3] hs; }
parser p(inout s_t s) {
    state start { s.hs.push_front(1); transition accept; }
}
