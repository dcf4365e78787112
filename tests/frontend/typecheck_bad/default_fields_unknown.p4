// expect: 5:26: s_t has no field 'c'
struct s_t { bit<8> a; bit<8> b; }
control c(inout s_t s) {
    apply {
        s = { a = 1, c = 2, ... };
    }
}
