// expect: 4:37: verify can only be called from a parser
#include <core.p4>
error { Oops }
control c(inout bit<8> x) { apply { verify(x == 1, error.Oops); } }
control C(inout bit<8> x);
package P(C c);
P(c()) main;
