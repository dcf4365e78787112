// Arrays of any element type (p4c array1..5.p4): bit<8>[4] and C-style `a[4]` fields, arrays
// of structs holding arrays, arrays of arrays, indexing, .size and iteration.
#include <core.p4>
struct pair_t { bit<8>[2] v; bit<16> tag; }
header data_t { bit<8>[4] bytes; bit<4> x[2]; pair_t[2] pairs; bit<8>[2][3] grid; }
struct hs { data_t d; }
control c(inout hs h, out bit<32> n) {
    apply {
        bit<8>[4] copy = h.d.bytes;
        h.d.bytes[h.d.x[0]] = copy[3] + h.d.pairs[1].v[0];
        h.d.grid[2][1] = h.d.grid[0][h.d.x[1]];
        n = h.d.bytes.size + (bit<32>)h.d.grid[0].size;
        for (bit<8> b in copy) { n = n + (bit<32>)b; }
    }
}
control C(inout hs h, out bit<32> n);
package P(C c);
P(c()) main;
