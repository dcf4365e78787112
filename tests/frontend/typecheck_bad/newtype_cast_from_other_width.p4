// expect: 6:12: cannot cast bit<2> to t1
#include <core.p4>
typedef bit<1> b1;
type b1 t1;
t1 func(bit<2> a) {
    return (t1)a;
}
