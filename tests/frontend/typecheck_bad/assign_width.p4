// expect: 6:13: cannot assign bit<16> to bit<8>
control c() {
    bit<8> a = 0;
    bit<16> b = 0;
    apply {
        a = b;
    }
}
control C();
package P(C c);
P(c()) main;
