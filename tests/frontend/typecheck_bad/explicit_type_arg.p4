// expect: 11:24: cannot pass H to bit<8>
extern packet_out {
    void emit<T>(in T hdr);
}
header H {
    bit<32> a;
    bit<32> b;
}
control c(packet_out p)() {
    apply {
        p.emit<bit<8>>((H) { 0, 1 });
    }
}
control C(packet_out p);
package P(C c);
P(c()) main;
