// expect: 3:14: action parameter 'x' cannot have type int
#include <core.p4>
action a(int x) {}
control c() { apply { a(1); } }
