#include <core.p4>
#include <v1model.p4>
header h_t { bit<8> f; bit<16> g; }
header_union u_t { h_t a; h_t b; }
struct headers_t { h_t h; h_t[3] hs; u_t u; }
struct meta_t { bit<8> m; bit<32> color; }
struct digest_t { bit<8> m; bit<16> g; }
parser Sub(packet_in p, inout headers_t hdr) {
    state start { p.extract(hdr.u.a); transition accept; }
}
parser P(packet_in p, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    value_set<bit<16>>(4) pvs;
    Sub() sub;
    state start {
        bit<8> peek = p.lookahead<bit<8>>();
        p.extract(hdr.h);
        verify(hdr.h.f != 0, error.NoMatch);
        transition select(hdr.h.g) {
            pvs: stack;
            0x1 &&& 0xf: parse_sub;
            default: accept;
        }
    }
    state parse_sub { sub.apply(p, hdr); transition accept; }
    state stack {
        p.extract(hdr.hs.next);
        transition select(hdr.hs.last.f) { 0: stack; default: accept; }
    }
}
control VC(inout headers_t hdr, inout meta_t meta) { apply {} }
control I(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    meter(32w16, MeterType.bytes) mtr;
    direct_meter<bit<32>>(MeterType.packets) dm;
    counter(32w4, CounterType.packets_and_bytes) ctr;
    action a(bit<8> v) { meta.m = v; dm.read(meta.color); }
    table t { key = { hdr.h.f : range; meta.m : optional; } actions = { a; } meters = dm; }
    apply {
        mtr.execute_meter(32w1, meta.color);
        ctr.count((bit<32>)meta.m);
        random(meta.m, 0, 100);
        log_msg("x");
        log_msg("m={}", {meta.m});
        meta.m = hdr.h.isValid() ? 8w1 : 8w0;
        if (hdr.u.isValid()) { hdr.u.a.setInvalid(); }
        digest<digest_t>(1, {meta.m, hdr.h.g});
        t.apply();
        bit<8> i = 0;
        hdr.hs[i].f = 1;
        truncate(64);
        clone(CloneType.I2E, 32w1);
    }
}
control E(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply {} }
control CC(inout headers_t hdr, inout meta_t meta) { apply {} }
control D(packet_out pkt, in headers_t hdr) { apply { pkt.emit(hdr.h); pkt.emit(hdr.hs); pkt.emit(hdr.u); } }
V1Switch(P(), VC(), I(), E(), CC(), D()) main;
