// expect: 4:20: '{#}' (an invalid header) cannot have type bit<8>
control c(inout bit<8> x) {
    apply {
        bit<8> y = {#};
        x = y;
    }
}
