// expect: 4:48: an action can only instantiate extern objects, not Sub
#include <core.p4>
control Sub(inout bit<8> x) { apply {} }
control c(inout bit<8> x) { action a() { Sub() s; } apply { a(); } }
control C(inout bit<8> x);
package P(C c);
P(c()) main;
