// expect: 5:15: slice [8:0] out of bounds for bit<8>
control c() {
    bit<8> a = 0;
    apply {
        a = a[8:0];
    }
}
control C();
package P(C c);
P(c()) main;
