// expect: 3:37: control type declarations cannot have parameters with default values ('n')
#include <core.p4>
control C(inout bit<8> x, in bit<8> n = 1);
package P(C c);
control c(inout bit<8> x, in bit<8> n) { apply { x = n; } }
P(c()) main;
