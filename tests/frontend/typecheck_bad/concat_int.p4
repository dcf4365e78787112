// expect: 5:20: '++' needs bit<W> or int<W> operands, not int
control c() {
    bit<16> v = 0;
    apply {
        v = 8w1 ++ 1;
    }
}
control C();
package P(C c);
P(c()) main;
