// expect: 4:28: a condition must be bool, not bit<8>
control c(inout bit<8> x) {
    apply {
        for (bit<8> i = 0; i; i = i + 1) { x = x + i; }
    }
}
