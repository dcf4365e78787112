// expect: 4:21: default values {...} cannot be used in a return statement
#include <core.p4>
struct s_t { bit<8> a; bit<8> b; }
s_t make() { return { 1, ... }; }
control c(inout s_t s) { apply { s = make(); } }
control C(inout s_t s);
package P(C c);
P(c()) main;
