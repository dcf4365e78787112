// expect: 4:5: @name needs exactly one string literal
#include <core.p4>
control c() {
    @name(5) action a() {}
    apply { a(); }
}
