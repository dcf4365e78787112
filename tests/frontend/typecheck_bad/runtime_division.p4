// expect: 5:13: '%' could not be evaluated at compile time
control c(inout bit<8> x) {
    apply {
        x = x / 8;   // a power of 2: a shift
        x = x % 3;
    }
}
control C(inout bit<8> x);
package P(C c);
P(c()) main;
