// expect: 10:13: entry has 2 keys but table t has 1
#include <core.p4>
control c() {
    bit<8> v = 0;
    action a() {}
    table t {
        key = { v : exact; }
        actions = { a; }
        const entries = {
            (1, 2) : a();
        }
    }
    apply { t.apply(); }
}
control C();
package P(C c);
P(c()) main;
