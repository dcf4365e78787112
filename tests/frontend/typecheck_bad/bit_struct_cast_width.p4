// expect: 4:49: cannot cast bit<12> to pair_t
#include <core.p4>
struct pair_t { bit<8> hi; bit<8> lo; }
control c(inout bit<12> x) { apply { pair_t p = (pair_t)x; } }
control C(inout bit<12> x);
package P(C c);
P(c()) main;
