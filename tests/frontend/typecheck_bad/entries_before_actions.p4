// expect: 7:27: table t: entries precede 'actions'
#include <core.p4>
control c(in bit<8> x) {
    action a() {}
    table t {
        key = { x : exact; }
        const entries = { 1 : a(); }
        actions = { a; }
    }
    apply { t.apply(); }
}
