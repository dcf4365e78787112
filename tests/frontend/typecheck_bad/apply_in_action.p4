// expect: 5:18: tables cannot be applied from an action
control c() {
    action a() {}
    table t { actions = { a; } }
    action b() { t.apply(); }
    apply {}
}
control C();
package P(C c);
P(c()) main;
