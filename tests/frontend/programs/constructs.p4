/* Exercises most P4_16 syntax the front-end must accept (parsing only). */
#include <core.p4>
#include <v1model.p4>

#define WIDTH 16
const bit<8> W = 8;
typedef bit<48> mac_t;
type bit<32> ip_t;
enum bit<8> Color { RED = 1, GREEN = 2, }
enum Mode { A, B }
error { MyError }
match_kind { custom_kind }

header eth_t { mac_t dst; mac_t src; bit<16> type_; }
header opt_t { bit<8> len; varbit<256> data; }
header_union ip_u { eth_t a; opt_t b; }
struct Pair<T> { T first; T second; }
@name("hdrs") struct headers { eth_t eth; eth_t[4] stack; ip_u u; }
struct meta_t { bit<(WIDTH)> w; int<8> s; bool flag; Pair<bit<8>> p; tuple<bit<8>, bool> tup; ip_t ip; }

extern Gen<T, I> {
    Gen(bit<32> size, @optional T init);
    T get(in I index, in T fallback = 0);
    abstract void update(inout T value);
}
extern T pick<T>(in T a, in T b);
extern Fwd;

bit<8> add1(in bit<8> x) { return x + 1; }
T identity<T>(in T x) { return x; }

parser P(packet_in pkt, out headers hdr, inout meta_t meta, inout standard_metadata_t sm) {
    value_set<bit<16>>(4) vs;
    bit<8> tmp = 8w0xFF;
    state start {
        pkt.extract(hdr.eth);
        pkt.extract(hdr.stack.next);
        tmp = pkt.lookahead<bit<8>>();
        verify(tmp != 0, error.MyError);
        transition select(hdr.eth.type_, tmp) {
            (0x800 &&& 0xF00, 1..5): s2;
            (vs, _): s2;
            (default, 4s3 == 4s3 ? 1 : 2): accept;
            default: reject;
        }
    }
    state s2 {
        if (hdr.stack.last.type_ == 1) { hdr.stack[0].setInvalid(); }
        transition accept;
    }
}

control Sub(inout bit<8> v)(bit<8> inc) {
    apply { v = v + inc; }
}

control I(inout headers hdr, inout meta_t meta, inout standard_metadata_t sm) {
    register<bit<32>>(1_000) reg;
    counter(32w1024, CounterType.packets) ctr;
    Sub(8w1) sub;
    Gen<bit<8>, bit<4>>(10) gen = {
        void update(inout bit<8> value) { value = value |+| 1; }
    };
    action fwd(bit<9> port, @optional bit<8> tag) { sm.egress_spec = port; }
    action nop() {}
    @name(".drop") action drop() { mark_to_drop(sm); exit; }
    table t {
        key = {
            hdr.eth.dst : exact @name("dst");
            hdr.eth.src : ternary;
            meta.w      : range;
        }
        actions = { fwd; @defaultonly nop; drop; }
        const default_action = nop();
        size = 1024;
        @my_prop[a = 1, b = "x"] implementation = action_profile(32w64);
        entries = {
            priority = 10: (48w1, 48w0x0 &&& 48w0xFF, 1..2) : fwd(1, 2);
            const (48w0, _, default) : drop();
        }
    }
    apply {
        bit<8> x = 0b101 + 0o7;
        int y = -1;
        x[3:0] = 4w3;
        x = (bit<8>)meta.w >> 2 << 1;
        meta.flag = x < W && W > x || !(x == 1) && true == false;
        meta.s = (int<8>)x;
        meta.p = { first = 1, second = 2 };
        meta.tup = { x, true };
        meta.ip = (ip_t)32w5;
        hdr.stack[0].type_ = (bit<4>)hdr.stack.size ++ 4w1 ++ (bit<8>)Color.RED;
        switch (t.apply().action_run) {
            fwd:
            nop: { reg.write(0, 1); }
            default: { ctr.count(index = 1); }
        }
        switch (x) { 1: 2: {} 3: { return; } default: {} }
        if (t.apply().hit) { sub.apply(x); } else if (!hdr.u.isValid()) { sub.apply(x); }
        x = identity<bit<8>>(pick(x, add1(x)));
        x = .add1(x);
        @atomic { x = gen.get(1); }
        log_msg("value {}", {x});
    }
}

control E(inout headers hdr, inout meta_t meta, inout standard_metadata_t sm) { apply { } }
control VC(inout headers hdr, inout meta_t meta) { apply { } }
control CC(inout headers hdr, inout meta_t meta) { apply { } }
control D(packet_out pkt, in headers hdr) { apply { pkt.emit(hdr); } }

V1Switch(P(), VC(), I(), E(), CC(), D()) main;
