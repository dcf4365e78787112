// expect: 2:14: the program has no 'main' package instance
const bit<8> k = 1;
