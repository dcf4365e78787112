// An extern function returning an object is a factory usable as a constructor argument
// (p4c factory1.p4); an instance initializer may instantiate objects its abstract methods
// use (p4c virtual2.p4).
#include <core.p4>
extern widget { bit<8> poke(); }
extern widget make_widget<T>(T seed);
extern Store { Store(bit<16> size); bit<16> get(in bit<16> i); }
extern Hook { Hook(); abstract bit<16> f(in bit<16> i); void run(in bit<16> i); }
control user(inout bit<16> x)(widget w) {
    Hook() h = {
        Store(16w64) store;
        bit<16> f(in bit<16> i) { return store.get(i) + (bit<16>)w.poke(); }
    };
    apply { h.run(x); }
}
control outer(inout bit<16> x) {
    user(make_widget(8w1)) u;
    apply { u.apply(x); }
}
control C(inout bit<16> x);
package P(C c);
P(outer()) main;
