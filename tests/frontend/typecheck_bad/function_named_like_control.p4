// expect: 4:6: duplicate declaration of 'foo'
#include <core.p4>
control foo (in bit<8> x, out bit<8> y) { apply { y = x + 7; } }
bool foo() { return true; }
