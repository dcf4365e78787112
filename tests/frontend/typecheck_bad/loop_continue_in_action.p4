// expect: 3:32: 'continue' can only be used in a 'for' loop
control c(inout bit<8> x) {
    action a() { if (x == 0) { continue; } }
    apply {
        for (bit<8> i = 0; i < 4; i = i + 1) { a(); }
    }
}
