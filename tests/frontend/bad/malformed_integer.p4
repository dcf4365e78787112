// expect: malformed_integer.p4:2:18: malformed integer literal 8w0xZZ
const bit<8> a = 8w0xZZ;
