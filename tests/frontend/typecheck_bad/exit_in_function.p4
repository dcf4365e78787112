// expect: 3:19: 'exit' cannot be used in a function
bit<8> f(in bit<8> a) {
    if (a == 0) { exit; }
    return a;
}
control c(inout bit<8> x) { apply { x = f(x); } }
control C(inout bit<8> x);
package P(C c);
P(c()) main;
