// expect: 10:22: 0xe1 is not a prefix mask for an lpm key of bit<8>
#include <core.p4>
header h_t { bit<8> x; }
control c(in h_t h) {
    action a(bit<8> v) {}
    table t {
        key = { h.x : lpm; }
        actions = { a; }
        const entries = {
            0x11 &&& 0xE1 : a(13);
        }
    }
    apply { t.apply(); }
}
