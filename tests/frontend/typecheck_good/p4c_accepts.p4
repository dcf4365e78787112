// Constructs p4c accepts that a stricter reading of the spec might reject.
#include <core.p4>
// A header may hold a struct of fixed-width fields, even an empty one (p4c header2_e.p4).
struct empty_t {}
struct pair_t { bit<4> a; bool b; }
header h_t { empty_t e; pair_t p; bit<8> x; }
control c(inout h_t h) { apply { h.x = (bit<8>)h.p.a; } }
control C(inout h_t h);
package P(C c);
P(c()) main;
