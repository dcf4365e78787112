// expect: 4:12: type parameter 'D' shadows the one at
#include <core.p4>
extern X<D> {
    void f<D>(in D d);
}
