// expect: 4:12: duplicate declaration of 'a'
control c() {
    bit<8> a;
    bit<8> a;
    apply {}
}
control C();
package P(C c);
P(c()) main;
