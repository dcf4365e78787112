// expect: missing_semicolon.p4:4:1: syntax error, unexpected "const", expecting ";"
#include <core.p4>
const bit<8> a = 1
const bit<8> b = 2;
