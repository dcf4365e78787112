// expect: 4:9: cannot assign to 'x': it is an 'in' parameter
control c(in bit<8> x) {
    apply {
        x = 1;
    }
}
control C(in bit<8> x);
package P(C c);
P(c()) main;
