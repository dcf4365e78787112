// expect: 4:31: cannot convert bit<16> to bit<8>
control c(inout bit<8> x, in bit<16> y) {
    apply {
        for (bit<8> i in 0 .. y) { x = x + i; }
    }
}
