// expect: 3:17: static assertion failed: too small
#include <core.p4>
const bool ok = static_assert(8w1 > 2, "too small");
