// One table per match kind (exact, lpm, ternary, range, optional), an indexed counter,
// a register, a meter and a direct counter; results are written into the packet.
#include <core.p4>
#include <v1model.p4>

header eth_t { bit<48> dst; bit<48> src; bit<16> type; }
header data_t {
    bit<8> k8; bit<16> k16; bit<32> k32;
    bit<8> out1; bit<8> out2; bit<8> out3; bit<8> out4; bit<8> out5;
}
struct headers { eth_t eth; data_t d; }
struct metadata { }

parser P(packet_in pkt, out headers hdr, inout metadata meta, inout standard_metadata_t sm) {
    state start { pkt.extract(hdr.eth); pkt.extract(hdr.d); transition accept; }
}

control VC(inout headers hdr, inout metadata meta) { apply { } }

control I(inout headers hdr, inout metadata meta, inout standard_metadata_t sm) {
    direct_counter(CounterType.packets_and_bytes) dc;
    counter(4, CounterType.packets) cnt;
    register<bit<16>>(4) reg;
    meter(2, MeterType.packets) mtr;

    action set1(bit<8> v) { hdr.d.out1 = v; }
    action set2(bit<8> v) { hdr.d.out2 = v; }
    action set3(bit<8> v) { hdr.d.out3 = v; }
    action set4(bit<8> v) { hdr.d.out4 = v; }
    action set5(bit<8> v) { hdr.d.out5 = v; }

    table t_exact {
        key = { hdr.d.k8: exact; }
        actions = { set1; NoAction; }
        counters = dc;
        default_action = set1(0xEE);
    }
    table t_lpm { key = { hdr.d.k32: lpm; } actions = { set2; NoAction; } }
    table t_ternary { key = { hdr.d.k16: ternary; hdr.d.k8: exact; } actions = { set3; NoAction; } }
    table t_range { key = { hdr.d.k16: range; } actions = { set4; NoAction; } }
    table t_optional { key = { hdr.d.k8: optional; hdr.d.k16: exact; } actions = { set5; NoAction; } }

    apply {
        t_exact.apply();
        t_lpm.apply();
        t_ternary.apply();
        t_range.apply();
        t_optional.apply();
        bit<32> index = (bit<32>) hdr.d.k8[1:0];
        cnt.count(index);
        bit<16> r;
        reg.read(r, index);
        r = r + hdr.d.k16;
        reg.write(index, r);
        bit<2> color;
        mtr.execute_meter(0, color);
        hdr.eth.src = 0;
        hdr.eth.src[15:0] = r;
        hdr.eth.src[23:16] = (bit<8>) color;
        sm.egress_spec = 1;
    }
}

control E(inout headers hdr, inout metadata meta, inout standard_metadata_t sm) { apply { } }
control CC(inout headers hdr, inout metadata meta) { apply { } }
control D(packet_out pkt, in headers hdr) { apply { pkt.emit(hdr); } }

V1Switch(P(), VC(), I(), E(), CC(), D()) main;
