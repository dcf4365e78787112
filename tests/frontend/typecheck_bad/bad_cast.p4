// expect: 6:13: cannot cast bit<16> to int<8>
control c() {
    int<8> a = 0;
    bit<16> b = 0;
    apply {
        a = (int<8>)b;
    }
}
control C();
package P(C c);
P(c()) main;
