// expect: empty_table.p4:5:5: syntax error, unexpected "}", expecting a table property
control c(inout bit<8> x) {
    table t {

    }
    apply { t.apply(); }
}
