// expect: 2:27: out parameter 'x' cannot have a default
extern void f(out bit<32> x = 0);
control c() { apply { } }
control C();
package P(C c);
P(c()) main;
