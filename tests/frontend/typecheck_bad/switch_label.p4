// expect: 9:13: 'b' is not an action of table t
control c() {
    action a() {}
    action b() {}
    table t { actions = { a; } }
    apply {
        switch (t.apply().action_run) {
            a: {}
            b: {}
        }
    }
}
control C();
package P(C c);
P(c()) main;
