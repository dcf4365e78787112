// expect: 6:18: a shift amount must be unsigned, not int<8>
control c() {
    bit<8> a = 0;
    int<8> s = 1;
    apply {
        a = a << s;
    }
}
control C();
package P(C c);
P(c()) main;
