// expect: 4:22: constructor calls are not allowed in actions
extern Ext { Ext(); bit<8> get(); }
control c(inout bit<8> x) {
    action a() { x = Ext().get(); }
    table t { actions = { a; } }
    apply { t.apply(); }
}
control C(inout bit<8> x);
package P(C c);
P(c()) main;
