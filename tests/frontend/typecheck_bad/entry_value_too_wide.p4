// expect: 9:27: 0x100 has 1 bits outside the key's bit<8>
#include <core.p4>
header h_t { bit<8> x; }
control c(in h_t h) {
    action a(bit<8> v) {}
    table t {
        key = { h.x : exact; }
        actions = { a; }
        const entries = { 0x100 : a(15); }
    }
    apply { t.apply(); }
}
