// expect: 3:30: variable 's' cannot have type string
#include <core.p4>
control c() { apply { string s; } }
