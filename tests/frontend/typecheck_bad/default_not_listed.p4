// expect: 7:26: default action 'b' is not in the actions of table t
control c() {
    action a() {}
    action b() {}
    table t {
        actions = { a; }
        default_action = b();
    }
    apply { t.apply(); }
}
control C();
package P(C c);
P(c()) main;
