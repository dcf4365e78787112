// expect: 2:8: function 'f' does not return a value on every path
bit<8> f(in bit<8> x) {
    if (x == 0) {
        return 1;
    }
}
