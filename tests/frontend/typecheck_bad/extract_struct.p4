// expect: 6:19: extract needs a header, not S
#include <core.p4>
struct S { bit<8> f; }
parser p(packet_in b, out S s) {
    state start {
        b.extract(s);
        transition accept;
    }
}
parser Pr(packet_in b, out S s);
package P(Pr p);
P(p()) main;
