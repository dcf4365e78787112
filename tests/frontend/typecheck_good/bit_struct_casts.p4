// A struct of bit fields casts to and from bit<W> of its total width, fields in order
// (p4c bitvec_cast.p4, bitvec_hdr.p4); nested bit structs and bool fields count.
#include <core.p4>
struct inner_t { bit<4> lo; bool flag; bit<3> pad; }
struct outer_t { bit<8> hi; inner_t inner; }
control c(inout bit<16> x) {
    apply {
        outer_t o = (outer_t)x;
        o.inner.flag = true;
        x = (bit<16>)o;
        inner_t i = (inner_t)x[7:0];
    }
}
control C(inout bit<16> x);
package P(C c);
P(c()) main;
