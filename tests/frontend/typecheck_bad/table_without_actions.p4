// expect: 3:11: table t does not have an 'actions' property
control c(inout bit<8> x) {
    table t { key = { x: exact; } }
    apply { t.apply(); }
}
control C(inout bit<8> x);
package P(C c);
P(c()) main;
