// Type widths given by unparenthesized constant expressions (p4c cfoldBitTypedefs.p4).
const bit<8> W = 4;
typedef bit<8> t1_t;
const t1_t V = 18;
typedef bit<V[7:0] - W> t6_t;
typedef bit<4 + 4> t7_t;
// A comparison and a mux inside the angle brackets; only '>' closes them (p4c bitexpr1.p4).
typedef bit<W < 3 ? 5 : 4> t8_t;
extern T pass<T>(T arg);
// A directionless argument of an extern may be an action's data parameter (p4c bitexpr1.p4).
action widths(bit<4> x) { t8_t y = pass<t8_t>(x); }
typedef tuple<bit<W>> T1;
typedef tuple<bit<W + 4>> T2;
struct S { bit<W> a; int<W * 2> b; varbit<W> c; bit<8> d; }
control c() { apply { T1 t1 = { 1 }; bit<8> x = 2; bit<W> y = 3; if (y < (bit<W>)x) { y = (bit<W>) 0; } } }
control C();
package P(C c);
P(c()) main;
