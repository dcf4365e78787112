// expect: 4:13: default values {...} cannot be used in a '==' comparison
control c(inout bit<8> x) {
    apply {
        if ({1, ...} == {1, 2}) { x = 1; }
    }
}
