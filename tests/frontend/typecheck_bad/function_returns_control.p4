// expect: 4:8: 'f' cannot return a value of type X
#include <core.p4>
control X();
extern X f();
