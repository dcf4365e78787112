// expect: 4:34: bit<8>[4] has no method 'push_front'
#include <core.p4>
struct s_t { bit<8>[4] a; }
control c(inout s_t s) { apply { s.a.push_front(1); } }
control C(inout s_t s);
package P(C c);
P(c()) main;
