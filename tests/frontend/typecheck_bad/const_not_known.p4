// expect: 3:22: constant 'k' needs a compile-time known value
control c(in bit<8> x) {
    const bit<8> k = x;
    apply {}
}
control C(in bit<8> x);
package P(C c);
P(c()) main;
