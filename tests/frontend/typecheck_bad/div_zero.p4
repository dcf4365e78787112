// expect: 2:18: division by zero
const bit<8> k = 8w1 / 0;
