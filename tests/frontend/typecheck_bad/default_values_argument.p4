// expect: 5:38: default values {...} cannot be used in an argument of 'use'
#include <core.p4>
struct s_t { bit<8> a; bit<8> b; }
extern void use(in s_t s);
control c(inout s_t s) { apply { use({ a = 1, ... }); } }
control C(inout s_t s);
package P(C c);
P(c()) main;
