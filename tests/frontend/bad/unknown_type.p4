// expect: unknown_type.p4:4:9: syntax error, unexpected identifier "undeclared_t", which is not a type in scope
control c(inout bit<8> x) {
    apply {
        undeclared_t y;
    }
}
