// expect: 4:55: default values {...} cannot be used in a '==' comparison
#include <core.p4>
struct s_t { bit<8> a; bit<8> b; }
control c(inout s_t s, out bool r) { apply { r = s == { a = 1, ... }; } }
control C(inout s_t s, out bool r);
package P(C c);
P(c()) main;
