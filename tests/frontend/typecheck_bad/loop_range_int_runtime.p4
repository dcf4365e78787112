// expect: 4:28: a range over int needs compile-time known ends
control c(inout bit<8> x) {
    apply {
        for (int i in 0 .. (int)x) { x = x + 1; }
    }
}
