// expect: 6:7: header field 'inner' cannot have type S
#include <core.p4>
header H { bit<8> x; }
struct S { H h; }
header Outer {
    S inner;
}
