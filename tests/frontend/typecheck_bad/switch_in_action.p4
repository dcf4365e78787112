// expect: 3:18: 'switch' cannot be used in an action
control c(inout bit<8> x) {
    action a() { switch (x) { 1: {} } }
    table t { actions = { a; } }
    apply { t.apply(); }
}
control C(inout bit<8> x);
package P(C c);
P(c()) main;
