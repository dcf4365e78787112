// expect: 3:1: @hidden should not have any arguments
#include <core.p4>
@hidden("x") action a() {}
