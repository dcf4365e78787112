// expect: 5:9: 'a' expects 1 arguments, got 2
control c() {
    action a(in bit<8> x) {}
    apply {
        a(1, 2);
    }
}
control C();
package P(C c);
P(c()) main;
