// expect: 7:28: argument for 'b' of 'a' does not match the one in the actions list
control c(inout bit<8> x) {
    bit<8> y = 0;
    action a(inout bit<8> b, bit<8> d) { b = d; }
    table t {
        actions = { a(x); }
        default_action = a(y, 0);
    }
    apply { t.apply(); }
}
control C(inout bit<8> x);
package P(C c);
P(c()) main;
