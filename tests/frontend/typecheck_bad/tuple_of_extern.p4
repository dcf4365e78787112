// expect: 4:15: a tuple cannot hold values of type E
#include <core.p4>
extern E { E(); }
typedef tuple<E> T;
