// expect: 4:11: undeclared parser state 'nowhere'
#include <core.p4>
parser p(packet_in b) {
    state start {
        b.advance(8);
        transition nowhere;
    }
}
parser Pr(packet_in b);
package P(Pr p);
P(p()) main;
