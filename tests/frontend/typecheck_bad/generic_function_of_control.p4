// expect: 7:15: parameter 't' of 'f' cannot have type X
#include <core.p4>
control X() { apply {} }
void f<T>(T t) {}
control c() {
    X() x;
    apply { f(x); }
}
