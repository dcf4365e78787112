// expect: 4:12: action parameter 'e' cannot have type E
#include <core.p4>
extern E { E(); }
action a(E e) {}
