// expect: 3:42: cannot switch on a value of type bool
#include <core.p4>
control c(in bit<8> x) { apply { switch (x == 1) { true: {} } } }
