// expect: 4:13: cannot infer the type of a list with '...'; add a cast
control c(inout bit<8> x) {
    apply {
        if ({1, ...} == {1, 2}) { x = 1; }
    }
}
