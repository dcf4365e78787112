// expect: 4:17: division by zero
control c(inout bit<8> a) {
    apply {
        a = a % 8w0;
    }
}
control C(inout bit<8> a);
package P(C c);
P(c()) main;
