// expect: 4:26: declaration of 'x' shadows a parameter
#include <core.p4>
control c(inout bit<32> x) {
    action a() { bit<32> x = x; }
    apply { a(); }
}
