// expect: 6:9: 'next' of a header stack can only be used in a parser
header H { bit<8> f; }
control c() {
    H[2] hs;
    apply {
        hs.next.f = 1;
    }
}
control C();
package P(C c);
P(c()) main;
