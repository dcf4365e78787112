// expect: control_without_apply.p4:4:1: syntax error, unexpected "}", expecting "apply"
control c(inout bit<8> x) {
    action a() { }
}
