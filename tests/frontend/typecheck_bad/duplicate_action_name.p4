// expect: 5:26: control-plane name 'foo' is used by two actions
#include <core.p4>
action foo() {}
control c(inout bit<8> x) {
    @name(".foo") action a() {}
    table t { key = { x: exact; } actions = { a; foo; } }
    apply { t.apply(); }
}
control C(inout bit<8> x);
package P(C c);
P(c()) main;
