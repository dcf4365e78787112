// expect: 3:12: duplicate key 'a' in an annotation
#include <core.p4>
@Anno[a=1, a=2] const bit<8> x = 1;
