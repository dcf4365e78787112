// expect: include_lib_error.p4:3:14: syntax error, unexpected "{", expecting a type
#include <core.p4>
#include "include_lib_error.p4"
const bit<8> fine = 1;
