// expect: 6:23: cannot iterate over h_t[2] with a variable of type g_t
header h_t { bit<8> f; }
header g_t { bit<8> f; }
control c(inout h_t[2] hs, inout bit<8> x) {
    apply {
        for (g_t g in hs) { x = x + g.f; }
    }
}
