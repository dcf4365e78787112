// expect: 3:11: bit widths above 2048 are not supported
#include <core.p4>
const bit<12301923123132> tooLarge = 0;
