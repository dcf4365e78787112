// expect: 7:17: complex key expression requires a @name annotation
#include <core.p4>
header hdr { bit<32> a; bit<32> b; }
control compute(inout hdr h) {
    action a() { h.b = h.a; }
    table t {
        key = { h.a + h.a : exact; }
        actions = { a; }
    }
    apply { t.apply(); }
}
control C(inout hdr h);
package P(C c);
P(compute()) main;
