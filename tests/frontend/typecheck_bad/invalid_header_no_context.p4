// expect: 5:20: cannot infer the type of '{#}' (an invalid header); add a cast
header h_t { bit<8> f; }
control c(inout h_t h) {
    apply {
        if ({#} == {#}) { h.f = 1; }
    }
}
