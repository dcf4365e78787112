// expect: unexpected_eof.p4:4:15: syntax error, unexpected end of file, expecting a statement
control c(inout bit<8> x) {
    apply {
        x = 1;
