// expect: 6:13: 'break' can only be used in a 'for' loop
control c(inout bit<8> x) {
    apply {
        for (bit<8> i = 0; i < 4; i = i + 1) { x = x + i; }
        if (x == 3) {
            break;
        }
    }
}
