// expect: 4:7: constructor argument 'size' must be compile-time known
extern R { R(bit<32> size); }
control c(in bit<32> n) {
    R(n) r;
    apply {}
}
control C(in bit<32> n);
package P(C c);
P(c()) main;
