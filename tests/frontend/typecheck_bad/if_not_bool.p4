// expect: 5:13: a condition must be bool, not bit<8>
control c() {
    bit<8> v = 0;
    apply {
        if (v) {}
    }
}
control C();
package P(C c);
P(c()) main;
