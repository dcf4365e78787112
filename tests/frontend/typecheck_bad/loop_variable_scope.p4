// expect: 5:13: undeclared identifier 'i'
control c(inout bit<8> x) {
    apply {
        for (bit<8> i = 0; i < 4; i = i + 1) { x = x + i; }
        x = i;
    }
}
