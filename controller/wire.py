"""fantel wire formats as scapy layers: SEM (semantic header in RoCEv2), FN (fast notification)
and Probe (neighbour liveness hello).

This module is the single source of truth for code points: `p4src/include/define.p4` mirrors the
enums below and `tests/test_wire.py` checks that they agree. The byte layouts are specified in
`docs/wire-format.md`.
"""

from __future__ import annotations

from enum import IntEnum, IntFlag

from scapy.contrib.roce import BTH
from scapy.fields import (
    BitEnumField,
    BitField,
    ByteEnumField,
    ByteField,
    ConditionalField,
    IntField,
    IPField,
    PacketField,
    ShortField,
    XBitField,
    XByteField,
    XIntField,
    XLongField,
)
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether
from scapy.packet import Packet, bind_layers

__all__ = [
    "FN",
    "SEM",
    "SEM_FIXED_LEN",
    "SEM_MOE_LEN",
    "SEM_MOE_MAX_CANDIDATES",
    "AffinityKind",
    "DropReason",
    "ElemFormat",
    "EtherTypes",
    "FnFiveTuple",
    "FnParam",
    "FnPath",
    "FnQp",
    "FnType",
    "MetricKind",
    "ObjectKind",
    "PacketInReason",
    "PortType",
    "Probe",
    "ProbeKind",
    "SemMoe",
    "StatusLevel",
    "TokenHint",
    "TrafficClass",
    "UdpPorts",
    "Versions",
    "WireFormatError",
    "insert_sem",
    "strip_sem",
]


class WireFormatError(ValueError):
    """A packet does not have the shape an operation on it requires."""


class UdpPorts(IntEnum):
    """UDP destination ports that select a fantel header (RoCEv2 itself is IANA's 4791)."""

    ROCEV2 = 4791
    SEM = 4792
    FN = 4793


class EtherTypes(IntEnum):
    """EtherTypes the fantel pipeline parses."""

    IPV4 = 0x0800
    PROBE = 0x88B5  # IEEE 802 local experimental EtherType 1


class Versions(IntEnum):
    """Current version of each fantel header; other values are malformed."""

    SEM = 1
    FN = 1
    PROBE = 1


class TrafficClass(IntEnum):
    """SEM `tclass`: what kind of AI traffic a packet carries."""

    OTHER = 0
    ACTIVATION = 1
    GRADIENT = 2
    KV_CACHE = 3
    PARAMETER = 4
    STATE_SYNC = 5
    SAMPLE_DATA = 6


class TokenHint(IntEnum):
    """SEM `token_hint`: where in a generation the data sits (dependency hint)."""

    NONE = 0
    EARLY = 1
    LATE = 2


class ElemFormat(IntEnum):
    """SEM `elem_format` / `target_precision`: numeric format of payload elements."""

    OPAQUE = 0
    FP32 = 1
    BF16 = 2
    FP16 = 3
    FP8_E4M3 = 4
    INT8 = 5


class AffinityKind(IntEnum):
    """SEM `affinity_kind`: which compute the data should reach."""

    ANY = 0
    GPU = 1
    FPGA = 2
    CPU = 3
    NPU = 4
    SPECIFIC = 5


class FnType(IntEnum):
    """FN `fn_type` (event split of the ARN drafts plus status and auth reports)."""

    CONGESTION_DETECTED = 1
    CONGESTION_CLEARED = 2
    FAILURE_DETECTED = 3
    FAILURE_RECOVERED = 4
    STATUS = 5
    AUTH_FAILURE = 6


class ObjectKind(IntEnum):
    """FN `object_kind`: what the notification is about."""

    PORT = 1
    LINK = 2
    NODE = 3
    PATH = 4
    FLOW = 5


class MetricKind(IntEnum):
    """FN `metric_kind`: unit of `metric_value`."""

    NONE = 0
    QUEUE_DEPTH = 1  # packets
    SOJOURN_TIME = 2  # microseconds
    LOAD = 3  # bytes per status window, moving average
    SILENCE_TIME = 4  # microseconds since the last probe


class FnParam(IntFlag):
    """FN `params` bitmap: which optional fields follow, in ascending bit order."""

    FIVE_TUPLE = 0x01
    ROCE_QP = 0x02
    PATH_ID = 0x04


class ProbeKind(IntEnum):
    """Probe `kind`."""

    HELLO = 1


class PortType(IntEnum):
    """Role of a switch port (`ingress_port_type` table); unknown ports are untrusted."""

    UNKNOWN = 0
    HOST = 1
    INFRA = 2


class PacketInReason(IntEnum):
    """`reason` of the packet-in controller header."""

    FN = 1


class Ecn(IntEnum):
    """IPv4 ECN codepoints (RFC 3168); switches mark ECT packets CE above the queue threshold."""

    NOT_ECT = 0
    ECT1 = 1
    ECT0 = 2
    CE = 3


class StatusLevel(IntEnum):
    """`level` of the status digest: which side of the load thresholds a port is on."""

    NORMAL = 0
    HIGH = 1


class DropReason(IntEnum):
    """Index of the filtering drop counter (and of `fn_drop_counter`)."""

    NONE = 0
    IPV4_CHECKSUM = 1
    SEM_BAD_VERSION = 2
    SEM_BAD_CLASS = 3
    SEM_BAD_MOE = 4
    FN_BAD_VERSION = 5
    FN_BAD_TYPE = 6
    FN_BAD_PARAMS = 7
    FN_FROM_HOST = 8
    PROBE_FROM_HOST = 9
    PARSER_OTHER = 10
    FN_REPLAY = 11


SEM_FIXED_LEN = 28
SEM_MOE_LEN = 24
SEM_MOE_MAX_CANDIDATES = 4


class SemMoe(Packet):
    """SEM MoE block: token and up to four candidate experts with gate weights."""

    name = "SEM-MoE"
    fields_desc = [
        XIntField("token_id", 0),
        ShortField("token_pos", 0),
        ByteField("cand_count", 0),
        XByteField("moe_rsv", 0),
        ShortField("expert0", 0),
        ShortField("weight0", 0),
        ShortField("expert1", 0),
        ShortField("weight1", 0),
        ShortField("expert2", 0),
        ShortField("weight2", 0),
        ShortField("expert3", 0),
        ShortField("weight3", 0),
    ]

    def extract_padding(self, s: bytes) -> tuple[bytes, bytes]:
        return b"", s


def _moe_present(sem: Packet) -> bool:
    if sem.flag_moe is None:  # while building with the default: derive from the attached block
        return sem.getfieldval("moe") is not None
    return bool(sem.flag_moe)


class SEM(Packet):
    """Semantic header, between UDP (dport 4792) and BTH."""

    name = "SEM"
    fields_desc = [
        BitField("version", Versions.SEM, 4),
        BitEnumField("tclass", TrafficClass.OTHER, 4, {c.value: c.name for c in TrafficClass}),
        ByteField("urgency", 0),
        BitField("flag_moe", None, 1),
        BitField("flag_quantized", 0, 1),
        BitField("flag_promoted", 0, 1),
        BitField("flag_keep", 0, 1),
        BitField("flags_rsv", 0, 4),
        BitField("quant_ok", 0, 1),
        BitField("loss_ok", 0, 1),
        BitField("buffer_ok", 0, 1),
        BitEnumField("token_hint", TokenHint.NONE, 2, {h.value: h.name for h in TokenHint}),
        BitField("tol_rsv", 0, 3),
        BitEnumField("elem_format", ElemFormat.OPAQUE, 4, {f.value: f.name for f in ElemFormat}),
        BitEnumField(
            "target_precision", ElemFormat.OPAQUE, 4, {f.value: f.name for f in ElemFormat}
        ),
        ByteField("loss_budget", 0),
        ShortField("max_delay", 0),
        ShortField("layer_id", 0),
        ByteField("stage", 0),
        ByteField("key_id", 0),
        BitEnumField("affinity_kind", AffinityKind.ANY, 4, {a.value: a.name for a in AffinityKind}),
        BitField("affinity_id", 0, 12),
        ShortField("tenant_id", 0),
        XIntField("task_id", 0),
        XLongField("auth_tag", 0),
        ConditionalField(PacketField("moe", None, SemMoe), lambda pkt: _moe_present(pkt)),
    ]

    def post_build(self, pkt: bytes, pay: bytes) -> bytes:
        # flag_moe defaults to "is a MoE block attached?" so callers cannot get it inconsistent.
        if self.flag_moe is None and self.moe is not None:
            pkt = pkt[:2] + bytes([pkt[2] | 0x80]) + pkt[3:]
        return pkt + pay

    def header_len(self) -> int:
        """Bytes this SEM occupies on the wire (fixed part plus MoE block when present)."""
        return SEM_FIXED_LEN + (SEM_MOE_LEN if self.moe is not None else 0)


class FnFiveTuple(Packet):
    """FN optional field T: the flow's IPv4 5-tuple."""

    name = "FN-5tuple"
    fields_desc = [
        IPField("src_addr", "0.0.0.0"),
        IPField("dst_addr", "0.0.0.0"),
        ShortField("src_port", 0),
        ShortField("dst_port", 0),
        ByteField("protocol", 0),
        XBitField("tuple_rsv", 0, 24),
    ]

    def extract_padding(self, s: bytes) -> tuple[bytes, bytes]:
        return b"", s


class FnQp(Packet):
    """FN optional field Q: RoCEv2 destination queue pair."""

    name = "FN-QP"
    fields_desc = [XBitField("dest_qp", 0, 24), XByteField("qp_rsv", 0)]

    def extract_padding(self, s: bytes) -> tuple[bytes, bytes]:
        return b"", s


class FnPath(Packet):
    """FN optional field P: path id."""

    name = "FN-path"
    fields_desc = [XIntField("path_id", 0)]

    def extract_padding(self, s: bytes) -> tuple[bytes, bytes]:
        return b"", s


def _param_present(flag: FnParam, field: str) -> ConditionalField:
    """An optional FN field that is on the wire iff its bit is set in `params`."""
    return ConditionalField(
        PacketField(field, None, _FN_OPTIONALS[flag]), lambda pkt: _has(pkt, flag)
    )


def _has(pkt: Packet, flag: FnParam) -> bool:
    params = pkt.params
    if params is None:  # while building with the default: derive from the attached fields
        return pkt.getfieldval(_FN_OPTIONAL_NAMES[flag]) is not None
    return bool(params & flag)


_FN_OPTIONALS: dict[FnParam, type[Packet]] = {
    FnParam.FIVE_TUPLE: FnFiveTuple,
    FnParam.ROCE_QP: FnQp,
    FnParam.PATH_ID: FnPath,
}
_FN_OPTIONAL_NAMES: dict[FnParam, str] = {
    FnParam.FIVE_TUPLE: "five_tuple",
    FnParam.ROCE_QP: "qp",
    FnParam.PATH_ID: "path",
}


class FN(Packet):
    """Fast notification, carried in UDP dport 4793."""

    name = "FN"
    fields_desc = [
        BitField("version", Versions.FN, 4),
        BitField("fn_rsv", 0, 4),
        ByteEnumField("fn_type", FnType.STATUS, {t.value: t.name for t in FnType}),
        ByteField("hop_limit", 1),
        XByteField("params", None),
        XIntField("originator", 0),
        IntField("sequence", 0),
        BitField("timestamp", 0, 48),
        ByteEnumField("object_kind", ObjectKind.PORT, {k.value: k.name for k in ObjectKind}),
        ByteEnumField("metric_kind", MetricKind.NONE, {k.value: k.name for k in MetricKind}),
        XIntField("object_id", 0),
        XIntField("metric_value", 0),
        ShortField("lifetime", 0),
        ByteField("key_id", 0),
        XByteField("tail_rsv", 0),
        XLongField("auth_tag", 0),
        _param_present(FnParam.FIVE_TUPLE, "five_tuple"),
        _param_present(FnParam.ROCE_QP, "qp"),
        _param_present(FnParam.PATH_ID, "path"),
    ]

    def post_build(self, pkt: bytes, pay: bytes) -> bytes:
        if self.params is None:
            bitmap = 0
            for flag, field in _FN_OPTIONAL_NAMES.items():
                if self.getfieldval(field) is not None:
                    bitmap |= flag
            pkt = pkt[:3] + bytes([bitmap]) + pkt[4:]
        return pkt + pay


class Probe(Packet):
    """Neighbour liveness hello (EtherType 0x88B5)."""

    name = "Probe"
    fields_desc = [
        BitField("version", Versions.PROBE, 4),
        BitEnumField("kind", ProbeKind.HELLO, 4, {k.value: k.name for k in ProbeKind}),
        XByteField("probe_rsv", 0),
        ShortField("tx_port", 0),
        XIntField("node_id", 0),
        XIntField("sequence", 0),
        BitField("timestamp", 0, 48),
        ShortField("interval", 0),
    ]


bind_layers(UDP, SEM, dport=UdpPorts.SEM)
bind_layers(SEM, BTH)
bind_layers(UDP, FN, dport=UdpPorts.FN)
bind_layers(Ether, Probe, type=EtherTypes.PROBE)


def _l3_l4(pkt: Packet) -> tuple[IP, UDP]:
    if IP not in pkt or UDP not in pkt:
        raise WireFormatError(f"expected an IPv4/UDP packet, got {pkt.summary()}")
    return pkt[IP], pkt[UDP]


def insert_sem(plain: Packet, sem: SEM) -> Packet:
    """Return `plain` (Ether/IPv4/UDP 4791/BTH...) with `sem` inserted before BTH, as the ingress
    edge does: dport 4792, IPv4 and UDP lengths grown, UDP checksum 0, IPv4 checksum recomputed.

    The ICRC of `plain` is kept: by design it is always the ICRC of the plain RoCEv2 view.
    """
    pkt = plain.__class__(bytes(plain))
    ip, udp = _l3_l4(pkt)
    if udp.dport != UdpPorts.ROCEV2 or BTH not in pkt:
        raise WireFormatError("insert_sem needs a plain RoCEv2 packet (UDP dport 4791 + BTH)")
    sem = sem.__class__(bytes(sem))
    added = sem.header_len()
    bth_bytes = bytes(udp.payload)
    udp.remove_payload()
    udp.dport = UdpPorts.SEM
    udp.len = udp.len + added
    udp.chksum = 0
    ip.len = ip.len + added
    ip.chksum = None
    return pkt.__class__(bytes(pkt) + bytes(sem) + bth_bytes)


def strip_sem(pkt: Packet) -> Packet:
    """Return `pkt` without its SEM, as the egress edge does (inverse of `insert_sem`)."""
    pkt = pkt.__class__(bytes(pkt))
    ip, udp = _l3_l4(pkt)
    if SEM not in pkt:
        raise WireFormatError(f"no SEM to strip in {pkt.summary()}")
    sem = pkt[SEM]
    removed = sem.header_len()
    rest = bytes(sem.payload)
    udp.remove_payload()
    udp.dport = UdpPorts.ROCEV2
    udp.len = udp.len - removed
    udp.chksum = 0
    ip.len = ip.len - removed
    ip.chksum = None
    return pkt.__class__(bytes(pkt) + rest)
