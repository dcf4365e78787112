// expect: 7:17: 'fuzzy' is not a declared match_kind
#include <core.p4>
control c() {
    bit<8> v = 0;
    action a() {}
    table t {
        key = { v : fuzzy; }
        actions = { a; }
    }
    apply { t.apply(); }
}
control C();
package P(C c);
P(c()) main;
