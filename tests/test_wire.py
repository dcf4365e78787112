"""Wire formats: scapy layers against the byte diagrams of docs/wire-format.md, and the P4
sources (define.p4 constants, headers.p4 field widths) against the Python single source."""

from __future__ import annotations

import re
from enum import Enum
from pathlib import Path

import pytest
from scapy.contrib.roce import BTH
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether
from scapy.packet import Packet, Raw

from controller import wire
from controller.wire import (
    FN,
    SEM,
    SEM_FIXED_LEN,
    SEM_MOE_LEN,
    AffinityKind,
    ElemFormat,
    FnFiveTuple,
    FnPath,
    FnQp,
    FnType,
    MetricKind,
    ObjectKind,
    Probe,
    SemMoe,
    TokenHint,
    TrafficClass,
    UdpPorts,
    WireFormatError,
    insert_sem,
    strip_sem,
)

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "wire-format.md").read_text()
P4_INCLUDE = ROOT / "p4src" / "include"

SEM_EXAMPLE = "12 c8 10 b0 12 0a 00 08 00 0c 03 01 10 00 00 07 01 02 03 04 11 22 33 44 55 66 77 88"
FN_EXAMPLE = (
    "10 01 01 03 0a 00 00 01 00 00 00 05 00 00 00 0f 42 40 01 01 00 01 00 03 00 00 00 2a"
    " 00 32 00 00 00 00 00 00 00 00 00 00"
    " 0a 00 00 01 0a 00 01 02 c0 00 12 b7 11 00 00 00"
    " 00 01 23 00"
)
PROBE_EXAMPLE = "11 00 00 04 00 00 00 02 00 00 00 09 00 00 00 00 13 88 03 e8"


def _doc_hex() -> str:
    """All hex byte runs of the document, whitespace-normalised, for 'is this example there'."""
    return " ".join(re.findall(r"\b[0-9a-f]{2}\b", DOC))


def example_sem() -> SEM:
    return SEM(
        tclass=TrafficClass.GRADIENT,
        urgency=200,
        flag_keep=1,
        quant_ok=1,
        buffer_ok=1,
        token_hint=TokenHint.LATE,
        elem_format=ElemFormat.FP32,
        target_precision=ElemFormat.BF16,
        loss_budget=10,
        max_delay=8,
        layer_id=12,
        stage=3,
        key_id=1,
        affinity_kind=AffinityKind.GPU,
        tenant_id=7,
        task_id=0x01020304,
        auth_tag=0x1122334455667788,
    )


def example_fn() -> FN:
    return FN(
        fn_type=FnType.CONGESTION_DETECTED,
        hop_limit=1,
        originator=0x0A000001,
        sequence=5,
        timestamp=1_000_000,
        object_kind=ObjectKind.PORT,
        metric_kind=MetricKind.QUEUE_DEPTH,
        object_id=0x00010003,
        metric_value=42,
        lifetime=50,
        five_tuple=FnFiveTuple(
            src_addr="10.0.0.1", dst_addr="10.0.1.2", src_port=49152, dst_port=4791, protocol=17
        ),
        qp=FnQp(dest_qp=0x123),
    )


def plain_roce(payload: bytes = b"\x5a" * 32) -> Packet:
    """A plain RoCEv2 packet as an RDMA NIC sends it (UDP checksum 0, ICRC computed)."""
    pkt = (
        Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
        / IP(src="10.0.0.1", dst="10.0.1.2")
        / UDP(sport=49152, dport=UdpPorts.ROCEV2, chksum=0)
        / BTH(opcode=4, dqpn=0x123, psn=7)
        / Raw(payload)
    )
    return Ether(bytes(pkt))


# ---- SEM --------------------------------------------------------------------------------


def test_sem_example_bytes() -> None:
    assert bytes(example_sem()) == bytes.fromhex(SEM_EXAMPLE)
    assert SEM_EXAMPLE in _doc_hex()


def test_sem_round_trip_keeps_every_field() -> None:
    parsed = SEM(bytes.fromhex(SEM_EXAMPLE))
    expected = example_sem()
    for field in expected.fields_desc:
        if field.name not in {"moe", "flag_moe"}:  # flag_moe defaults to "derive"
            assert parsed.getfieldval(field.name) == expected.getfieldval(field.name), field.name
    assert parsed.flag_moe == 0
    assert parsed.moe is None
    assert parsed.header_len() == SEM_FIXED_LEN


def test_sem_moe_block_sets_flag_and_follows_fixed_part() -> None:
    moe = SemMoe(token_id=0xA1B2C3D4, token_pos=17, cand_count=2, expert0=5, weight0=40000)
    moe.expert1, moe.weight1 = 9, 25536
    raw = bytes(SEM(tclass=TrafficClass.ACTIVATION, moe=moe))
    assert len(raw) == SEM_FIXED_LEN + SEM_MOE_LEN
    assert raw[2] == 0x80  # M flag, nothing else
    assert raw[SEM_FIXED_LEN:] == bytes.fromhex(
        "a1b2c3d4 0011 02 00 0005 9c40 0009 63c0 0000 0000 0000 0000".replace(" ", "")
    )
    parsed = SEM(raw)
    assert parsed.flag_moe == 1
    assert (parsed.moe.cand_count, parsed.moe.expert1, parsed.moe.weight0) == (2, 9, 40000)
    assert parsed.header_len() == SEM_FIXED_LEN + SEM_MOE_LEN


def test_sem_without_moe_flag_ignores_trailing_bytes_as_moe() -> None:
    # M = 0: what follows is BTH, never an MoE block
    pkt = SEM(bytes(SEM(tclass=1)) + bytes(BTH(opcode=4)))
    assert pkt.moe is None
    assert BTH in pkt


# ---- SEM in RoCEv2: placement, insert and strip ------------------------------------------


def test_udp_port_4792_dissects_sem_then_bth() -> None:
    wire_pkt = insert_sem(plain_roce(), example_sem())
    assert wire_pkt[UDP].dport == UdpPorts.SEM
    assert wire_pkt[SEM].tenant_id == 7
    assert wire_pkt[BTH].dqpn == 0x123


def test_insert_sem_grows_lengths_and_zeroes_udp_checksum() -> None:
    plain = plain_roce()
    sem = SEM(tclass=TrafficClass.KV_CACHE, moe=SemMoe(cand_count=1, expert0=3))
    wire_pkt = insert_sem(plain, sem)
    added = SEM_FIXED_LEN + SEM_MOE_LEN
    assert len(wire_pkt) == len(plain) + added
    assert wire_pkt[IP].len == plain[IP].len + added
    assert wire_pkt[UDP].len == plain[UDP].len + added
    assert wire_pkt[UDP].chksum == 0
    # IPv4 header checksum is valid for the new length
    rebuilt = IP(bytes(wire_pkt[IP]))
    del rebuilt.chksum
    assert IP(bytes(rebuilt)).chksum == wire_pkt[IP].chksum
    # SEM bytes sit between UDP and BTH, BTH and payload unchanged
    udp_off = 14 + 20 + 8
    assert bytes(wire_pkt)[udp_off : udp_off + added] == bytes(sem)
    assert bytes(wire_pkt)[udp_off + added :] == bytes(plain)[udp_off:]


def test_strip_restores_the_exact_plain_packet_and_its_icrc() -> None:
    plain = plain_roce()
    for sem in (example_sem(), SEM(tclass=2, moe=SemMoe(cand_count=4))):
        restored = strip_sem(insert_sem(plain, sem))
        assert bytes(restored) == bytes(plain)
        # the ICRC carried end to end is the ICRC scapy computes for the plain view
        recomputed = restored.copy()
        recomputed[BTH].icrc = None
        assert bytes(Ether(bytes(recomputed))) == bytes(plain)


def test_insert_and_strip_refuse_packets_of_the_wrong_shape() -> None:
    with pytest.raises(WireFormatError, match="plain RoCEv2"):
        insert_sem(insert_sem(plain_roce(), SEM()), SEM())
    with pytest.raises(WireFormatError, match="IPv4/UDP"):
        insert_sem(Ether() / Probe(), SEM())
    with pytest.raises(WireFormatError, match="no SEM"):
        strip_sem(plain_roce())


# ---- FN ---------------------------------------------------------------------------------


def test_fn_example_bytes() -> None:
    assert bytes(example_fn()) == bytes.fromhex(FN_EXAMPLE)
    assert FN_EXAMPLE in _doc_hex()


def test_fn_bitmap_follows_attached_optional_fields() -> None:
    assert bytes(FN())[3] == 0
    assert len(bytes(FN())) == 40
    with_path = FN(path=FnPath(path_id=0xDEADBEEF))
    raw = bytes(with_path)
    assert raw[3] == 0x04
    assert raw[40:] == bytes.fromhex("deadbeef")
    all_three = FN(five_tuple=FnFiveTuple(), qp=FnQp(dest_qp=1), path=FnPath(path_id=2))
    assert bytes(all_three)[3] == 0x07
    assert len(bytes(all_three)) == 40 + 16 + 4 + 4


def test_fn_parse_uses_bitmap_for_optional_fields() -> None:
    parsed = FN(bytes.fromhex(FN_EXAMPLE))
    assert parsed.fn_type == FnType.CONGESTION_DETECTED
    assert parsed.five_tuple.src_addr == "10.0.0.1"
    assert parsed.five_tuple.dst_port == 4791
    assert parsed.qp.dest_qp == 0x123
    assert parsed.path is None
    # only the path bit: the 4 bytes after the fixed part are a path id, not a 5-tuple
    only_path = FN(bytes(FN(params=0x04)) + bytes.fromhex("00000009"))
    assert only_path.five_tuple is None
    assert only_path.path.path_id == 9


def test_fn_is_bound_to_udp_port_4793() -> None:
    pkt = Ether(bytes(Ether() / IP() / UDP(sport=4793, dport=UdpPorts.FN) / example_fn()))
    assert pkt[FN].originator == 0x0A000001
    assert pkt[FN].qp.dest_qp == 0x123


# ---- probe ------------------------------------------------------------------------------


def test_probe_example_bytes_and_ethertype() -> None:
    probe = Probe(tx_port=4, node_id=2, sequence=9, timestamp=5000, interval=1000)
    assert bytes(probe) == bytes.fromhex(PROBE_EXAMPLE)
    assert PROBE_EXAMPLE in _doc_hex()
    frame = Ether(bytes(Ether(dst="ff:ff:ff:ff:ff:ff") / probe))
    assert frame.type == 0x88B5
    assert frame[Probe].sequence == 9


# ---- P4 sources agree with the Python single source ---------------------------------------

P4_PREFIXES: dict[type[Enum], str] = {
    wire.TrafficClass: "TCLASS_",
    wire.TokenHint: "TOKEN_",
    wire.ElemFormat: "ELEM_",
    wire.AffinityKind: "AFFINITY_",
    wire.FnType: "FN_TYPE_",
    wire.ObjectKind: "FN_OBJ_",
    wire.MetricKind: "FN_METRIC_",
    wire.FnParam: "FN_PARAM_",
    wire.ProbeKind: "PROBE_KIND_",
    wire.PortType: "PORT_TYPE_",
    wire.PacketInReason: "PKT_IN_REASON_",
    wire.DropReason: "DROP_REASON_",
    wire.StatusLevel: "STATUS_LEVEL_",
    wire.Ecn: "ECN_",
    wire.UdpPorts: "UDP_PORT_",
    wire.EtherTypes: "ETHERTYPE_",
}
# P4 constants with a prefix above that are derived bounds, not code points.
P4_NON_CODES = {"TCLASS_MAX", "FN_TYPE_MAX", "FN_PARAM_RESERVED_MASK", "DROP_REASON_MAX"}


def _p4_int(text: str, known: dict[str, int]) -> int:
    text = text.strip().strip("()")
    if text in known:
        return known[text]
    literal = re.fullmatch(r"(?:\d+[ws])?(0[xX][0-9a-fA-F]+|\d+)", text)
    if literal is None:
        raise AssertionError(f"cannot evaluate P4 constant expression {text!r}")
    return int(literal.group(1), 0)


def p4_constants() -> dict[str, int]:
    """`#define NAME value` and `const T NAME = value;` from define.p4, macros resolved."""
    known: dict[str, int] = {}
    for line in (P4_INCLUDE / "define.p4").read_text().splitlines():
        define = re.match(r"\s*#define\s+(\w+)\s+(\S+)\s*$", line)
        const = re.match(r"\s*const\s+[\w<>]+\s+(\w+)\s*=\s*([^;]+);", line)
        match = define or const
        if match and not match.group(1).startswith("__"):
            known[match.group(1)] = _p4_int(match.group(2), known)
    return known


@pytest.mark.parametrize("enum", list(P4_PREFIXES), ids=lambda e: e.__name__)
def test_p4_define_matches_python_enum(enum: type[Enum]) -> None:
    constants = p4_constants()
    prefix = P4_PREFIXES[enum]
    members = {f"{prefix}{m.name}": int(m.value) for m in enum}
    in_p4 = {
        name: value
        for name, value in constants.items()
        if name.startswith(prefix) and name not in P4_NON_CODES
    }
    assert in_p4 == members


def test_p4_versions_and_lengths_match_python() -> None:
    constants = p4_constants()
    assert constants["SEM_VERSION"] == wire.Versions.SEM
    assert constants["FN_VERSION"] == wire.Versions.FN
    assert constants["PROBE_VERSION"] == wire.Versions.PROBE
    assert constants["SEM_FIXED_LEN"] == len(bytes(SEM())) == SEM_FIXED_LEN
    assert constants["SEM_MOE_LEN"] == len(bytes(SemMoe())) == SEM_MOE_LEN
    assert constants["SEM_MOE_MAX_CANDIDATES"] == wire.SEM_MOE_MAX_CANDIDATES
    assert constants["FN_FIXED_LEN"] == len(bytes(FN()))
    assert constants["FN_FIVE_TUPLE_LEN"] == len(bytes(FnFiveTuple()))
    assert constants["FN_QP_LEN"] == len(bytes(FnQp()))
    assert constants["SEM_UDP_PORT"] == UdpPorts.SEM
    assert constants["FN_UDP_PORT"] == UdpPorts.FN
    assert constants["PROBE_ETHERTYPE"] == wire.EtherTypes.PROBE


def _p4_typedef_widths() -> dict[str, int]:
    widths: dict[str, int] = {}
    sources = [P4_INCLUDE / "define.p4", ROOT / "p4src/v1model/include/define_v1model.p4"]
    for path in sources:
        for name_width in re.findall(r"typedef\s+bit<(\d+)>\s+(\w+);", path.read_text()):
            widths[name_width[1]] = int(name_width[0])
    return widths


def p4_header_fields(header: str) -> list[tuple[str, int]]:
    text = (P4_INCLUDE / "headers.p4").read_text()
    body = re.search(rf"header\s+{header}\s*\{{(.*?)\}}", text, re.S)
    assert body is not None, f"header {header} not in headers.p4"
    typedefs = _p4_typedef_widths()
    fields = []
    for type_name, field in re.findall(r"(bit<\d+>|\w+)\s+(\w+);", body.group(1)):
        width = re.fullmatch(r"bit<(\d+)>", type_name)
        fields.append((field, int(width.group(1)) if width else typedefs[type_name]))
    return fields


def scapy_fields(layer: type[Packet]) -> list[tuple[str, int]]:
    fields = []
    for field in layer.fields_desc:
        if field.name in {"moe", "five_tuple", "qp", "path", "icrc"}:
            continue  # sub-headers and trailers are separate P4 headers
        bits = field.size if hasattr(field, "size") else field.sz * 8  # BitField vs bytes
        fields.append((field.name, bits))
    return fields


@pytest.mark.parametrize(
    ("p4_header", "layer"),
    [
        ("sem_h", SEM),
        ("sem_moe_h", SemMoe),
        ("fn_h", FN),
        ("fn_five_tuple_h", FnFiveTuple),
        ("fn_qp_h", FnQp),
        ("fn_path_h", FnPath),
        ("probe_h", Probe),
        ("bth_h", BTH),
    ],
)
def test_p4_header_fields_match_scapy_layer(p4_header: str, layer: type[Packet]) -> None:
    assert p4_header_fields(p4_header) == scapy_fields(layer)
