// expect: 3:17: cannot compare two untyped expressions
#include <core.p4>
const bool b1 = { 1, 2 } == { 1, 2 };
