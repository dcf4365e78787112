// expect: 3:12: duplicate structured annotation @Anno
#include <core.p4>
@Anno[a=1] @Anno[b=1] const bit<8> x = 1;
