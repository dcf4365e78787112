// expect: 6:23: control-plane name 'c.t1' is used by two tables
#include <core.p4>
control c(inout bit<8> x) {
    action a() {}
    table t1 { key = { x: exact; } actions = { a; } }
    @name("t1") table t2 { key = { x: exact; } actions = { a; } }
    apply { t1.apply(); t2.apply(); }
}
control C(inout bit<8> x);
package P(C c);
P(c()) main;
