// expect: 6:30: 'lastIndex' of a header stack can only be used in a parser
#include <core.p4>
header h_t { bit<8> f; }
struct s { h_t[2] field; }
control c(in s v) {
    action a() { bit<32> t = v.field.lastIndex; }
    apply { a(); }
}
