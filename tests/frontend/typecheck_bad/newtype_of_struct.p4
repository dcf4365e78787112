// expect: 3:8: 'type' can only be applied to base types
struct S { bit<8> a; }
type S NS;
type bit<8> B8;
type B8 B8b;
type bool Flag;
typedef int<4> I4;
type I4 NI4;
control c() { apply {} }
control C();
package P(C c);
P(c()) main;
