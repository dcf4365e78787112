// expect: 3:15: shift amount limited to 2048 at compile time
#include <core.p4>
const int y = 1 << 100000000000;
const bit<8> z = 8w1 << 100000000000;
