// Constructs p4c accepts that a stricter reading of the spec might reject.
#include <core.p4>
// A header may hold a struct of fixed-width fields, even an empty one (p4c header2_e.p4).
struct empty_t {}
struct pair_t { bit<4> a; bool b; }
header h_t { empty_t e; pair_t p; bit<8> x; }
// lpm and ternary keys of a 'type' over bit<W>, even a chain of them (p4c issue1739-bmv2.p4).
type bit<32> addr_t;
type addr_t addr2_t;
// A serializable enum key matched by a mask of its underlying type (table-entries-ser-enum-bmv2).
enum bit<16> kind_t { A = 1, B = 0x200 }
struct m_t { addr_t dst; addr2_t src; kind_t kind; }
// A header stack indexed by an int<W> (p4c runtime-index-bmv2.p4).
header idx_t { int<8> i; }
struct stack_t { idx_t idx; h_t[3] hs; }
control c(inout h_t h, inout m_t m, inout stack_t s) {
    action a() {}
    table t {
        // Names p4c derives without @name: fields, constant index, slice, mask, isValid().
        key = {
            m.dst : lpm;
            m.src : ternary;
            s.hs[1].x[3:0] : exact;
            h.x & 0x0f : ternary;
            s.idx.isValid() : exact;
            h.x + 1 : exact @name("x_plus_1");
        }
        actions = { a; }
    }
    table by_kind {
        key = { m.kind : ternary; }
        actions = { a; }
        const entries = {
            ((bit<16>)kind_t.B) &&& 0xff00 : a();
            kind_t.A &&& 0xffff : a();
        }
    }
    apply { h.x = (bit<8>)h.p.a; t.apply(); by_kind.apply(); s.hs[s.idx.i].x = 1; }
}
control C(inout h_t h, inout m_t m, inout stack_t s);
package P(C c);
P(c()) main;
