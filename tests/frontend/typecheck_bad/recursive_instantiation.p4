// expect: 4:9: c cannot instantiate itself
#include <core.p4>
control c() {
    c() x;
    apply { x.apply(); }
}
