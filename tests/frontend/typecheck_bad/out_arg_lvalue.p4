// expect: 5:11: not an l-value
control c() {
    action a(out bit<8> y) { y = 1; }
    apply {
        a(8w1);
    }
}
control C();
package P(C c);
P(c()) main;
