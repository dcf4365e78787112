// expect: 7:9: duplicate table property 'key'
#include <core.p4>
control c(in bit<8> k) {
    action a() {}
    table t {
        key = { k : exact; }
        key = { k : exact; }
        actions = { a; }
    }
    apply { t.apply(); }
}
