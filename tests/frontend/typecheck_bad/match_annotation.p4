// expect: 4:12: @match needs a match_kind
#include <core.p4>
struct S {
    @match(1+1) bit<16> f16;
}
