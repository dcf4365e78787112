// expect: 6:13: '+' needs operands of the same type, not bit<8> and bit<16>
control c() {
    bit<8> a = 0;
    bit<16> b = 0;
    apply {
        a = a + b;
    }
}
control C();
package P(C c);
P(c()) main;
