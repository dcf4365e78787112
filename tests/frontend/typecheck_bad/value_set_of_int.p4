// expect: 4:15: a value set cannot hold values of type int
#include <core.p4>
parser p() {
    value_set<int>(4) myvs;
    state start { transition select(8w1) { myvs: accept; default: reject; } }
}
