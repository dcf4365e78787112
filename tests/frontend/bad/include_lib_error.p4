// expect: include_lib_error.p4:3:14: syntax error, unexpected "{", expecting a type
// Included by included_error.p4: the error must point into this file.
header h_t { {
