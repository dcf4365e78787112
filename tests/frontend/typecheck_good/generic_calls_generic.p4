// A generic function calls another generic function whose type parameter has the same name:
// the callee's T must not capture the caller's T (p4c: issue3324-derived samples).
void f<T>(inout T a) {}
void g<T>(inout T b) {
    f(b);
}
T id<T>(in T v) { return v; }
T twice<T>(in T v) { return id(id(v)); }
control c(inout bit<8> x) {
    apply {
        g(x);
        x = twice(x);
    }
}
control C(inout bit<8> x);
package P(C c);
P(c()) main;
