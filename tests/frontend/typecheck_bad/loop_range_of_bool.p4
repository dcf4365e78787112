// expect: 4:24: a range loop needs a bit<W> or int<W> variable, not bool
control c(inout bit<8> x) {
    apply {
        for (bool b in 0 .. 1) { x = x + 1; }
    }
}
