// expect: 5:13: cannot assign a list of 3 elements to s_t with 2 fields
struct s_t { bit<8> a; bit<8> b; }
control c(inout s_t s) {
    apply {
        s = { 1, 2, 3, ... };
    }
}
