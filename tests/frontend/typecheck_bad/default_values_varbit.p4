// expect: 5:38: '...' cannot give a default value to a varbit<8> field
#include <core.p4>
header v_t { bit<8> len; varbit<8> data; }
struct s_t { v_t v; bit<8> x; }
control c(inout s_t s) { apply { s = { x = 1, ... }; } }
control C(inout s_t s);
package P(C c);
P(c()) main;
