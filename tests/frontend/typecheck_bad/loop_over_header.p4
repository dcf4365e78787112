// expect: 5:26: cannot iterate over a value of type h_t
header h_t { bit<8> f; }
control c(inout h_t h, inout bit<8> x) {
    apply {
        for (bit<8> v in h) { x = x + v; }
    }
}
