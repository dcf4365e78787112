"""Frames of the traffic tools: RoCEv2 (optionally with SEM) and plain UDP, built once with scapy
as a template and then patched per packet, because building each packet with scapy costs more
than the whole send budget at the rates the testbed runs.

Application payload (inside BTH, before the ICRC), big-endian:

    magic "FTL1" (4) | flow id (4) | sequence (8) | sender time, ns since the epoch (8) | padding

The ICRC is the RoCEv2 invariant CRC of the *plain* view of the packet (docs/wire-format.md 1.1):
CRC-32 over 8 bytes of 0xff, the IPv4 header with TOS/TTL/checksum masked to ones, the UDP
header with the checksum masked, BTH with its FECN/BECN/resv6 byte masked, and the payload;
appended least significant byte first (what scapy's `BTH.compute_icrc` produces).

Quantizable payload (flows whose SEM allows FP32 -> BF16 in the network,
docs/semantic-contract.md 2): QUANT_ELEMS FP32 elements; the 16 bytes
`"FQ" | flow id (2) | sequence (4) | tx ns (8)` ride one per element in the element's second
byte, so they survive truncation to the high 16 bits (stride 4 before, stride 2 after, with
flag Q set) and no element is ever a NaN (its exponent is at most 1). The other
QUANT_VALUE_ELEMS elements are data: normal FP32 values derived from (flow id, sequence)
(`reference_values`), so the receiver can check what the network did to each of them
(`check_values`: exact without Q, within the BF16 truncation bound with Q).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from scapy.contrib.roce import BTH
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether

from controller.wire import (
    SEM,
    SEM_FIXED_LEN,
    SEM_MOE_LEN,
    ElemFormat,
    SemMoe,
    TrafficClass,
    UdpPorts,
    insert_sem,
)

MAGIC = b"FTL1"
APP_HEADER = struct.Struct("!4sIQQ")  # magic, flow id, sequence, tx time (ns)
ETH_LEN, UDP_LEN, BTH_LEN, ICRC_LEN = 14, 8, 12, 4
BTH_OPCODE_RC_SEND_ONLY = 0x04
#: UDP destination port of the plain-UDP (non-RDMA) background flows.
PLAIN_UDP_PORT = 5001
QUANT_MAGIC = b"FQ"
QUANT_HEADER = struct.Struct("!2sHIQ")  # magic, flow id (16 bits), sequence (32), tx ns
QUANT_ELEMS = 32  # QUANT_MAX_ELEMS of the P4 parser: 128 bytes of FP32
QUANT_HEADER_ELEMS = QUANT_HEADER.size  # one header byte per element
QUANT_VALUE_ELEMS = QUANT_ELEMS - QUANT_HEADER_ELEMS
#: docs/semantic-contract.md 2: for normal x, the BF16 truncation q has |x - q| < 2^-7 |x|.
BF16_RELATIVE_BOUND = 2.0**-7
_MASK32 = 0xFFFFFFFF
SEM_FLAG_QUANTIZED = 0x40  # SEM byte 2
SEM_FLAG_PROMOTED = 0x20
SEM_FLAG_MOE = 0x80
BTH_OPCODE_CNP = 0x81


@dataclass(frozen=True)
class FlowEndpoints:
    """Addresses of one unidirectional flow; `gateway_mac` is the first-hop switch's MAC."""

    src_mac: str
    gateway_mac: str
    src_ip: str
    dst_ip: str
    sport: int
    dport: int = UdpPorts.ROCEV2
    dest_qp: int = 0x000100


@dataclass(frozen=True)
class SemFields:
    """The SEM fields a sender sets (the rest stay zero)."""

    tclass: TrafficClass = TrafficClass.OTHER
    urgency: int = 0
    tenant_id: int = 0
    task_id: int = 0
    stage: int = 0
    layer_id: int = 0
    token_hint: int = 0
    loss_ok: int = 0
    buffer_ok: int = 0
    max_delay: int = 0
    keep: int = 0  # flag K: the receiver is SEM-aware
    quant_ok: int = 0  # FP32 elements, BF16 accepted
    experts: tuple[int, ...] = ()  # MoE candidates, best first (descending gate weight)

    def layer(self) -> SEM:
        moe = None
        if self.experts:
            moe = SemMoe(cand_count=len(self.experts))
            for slot, expert in enumerate(self.experts):
                setattr(moe, f"expert{slot}", expert)
                setattr(moe, f"weight{slot}", 0xFFFF >> slot)  # descending gate weights
        return SEM(
            tclass=int(self.tclass),
            urgency=self.urgency,
            tenant_id=self.tenant_id,
            task_id=self.task_id,
            stage=self.stage,
            layer_id=self.layer_id,
            token_hint=self.token_hint,
            loss_ok=self.loss_ok,
            buffer_ok=self.buffer_ok,
            max_delay=self.max_delay,
            flag_keep=self.keep,
            quant_ok=self.quant_ok,
            elem_format=ElemFormat.FP32 if self.quant_ok else ElemFormat.OPAQUE,
            target_precision=ElemFormat.BF16 if self.quant_ok else ElemFormat.OPAQUE,
            moe=moe,
        )


def _masked_ipv4(ip_header: bytes) -> bytes:
    masked = bytearray(ip_header)
    masked[1] = 0xFF  # TOS (DSCP/ECN)
    masked[8] = 0xFF  # TTL
    masked[10:12] = b"\xff\xff"  # header checksum
    return bytes(masked)


class RoceFrameBuilder:
    """Per-packet RoCEv2 frames for one flow: patch sequence, time and PSN, recompute ICRC."""

    def __init__(self, ends: FlowEndpoints, payload_len: int, sem: SemFields | None) -> None:
        self.quantizable = sem is not None and bool(sem.quant_ok)
        if self.quantizable:
            payload_len = QUANT_ELEMS * 4
        if payload_len < APP_HEADER.size:
            raise ValueError(f"payload must be at least {APP_HEADER.size} bytes")
        self.payload_len = payload_len
        plain = (
            Ether(src=ends.src_mac, dst=ends.gateway_mac)
            / IP(src=ends.src_ip, dst=ends.dst_ip, ttl=64, id=0, flags="DF")
            / UDP(sport=ends.sport, dport=UdpPorts.ROCEV2, chksum=0)
            / BTH(opcode=BTH_OPCODE_RC_SEND_ONLY, dqpn=ends.dest_qp, psn=0)
            / (b"\x00" * payload_len)
        )
        plain_bytes = bytes(plain)
        ip_len = (plain_bytes[ETH_LEN] & 0x0F) * 4
        l4 = ETH_LEN + ip_len
        bth_at = l4 + UDP_LEN
        # CRC state over the constant masked prefix (pseudo-LRH, IPv4, UDP) of the plain view.
        prefix = b"\xff" * 8 + _masked_ipv4(plain_bytes[ETH_LEN:l4]) + plain_bytes[l4 : l4 + 6]
        self._crc_prefix = zlib.crc32(prefix + b"\xff\xff")
        self._bth = bytearray(plain_bytes[bth_at : bth_at + BTH_LEN])
        self._bth_masked = bytearray(self._bth)
        self._bth_masked[4] = 0xFF
        wire = insert_sem(plain, sem.layer()) if sem is not None else plain
        wire_bytes = bytes(wire)
        self._headers = wire_bytes[: len(wire_bytes) - payload_len - ICRC_LEN - BTH_LEN]
        self.frame_len = len(wire_bytes)

    def frame(self, flow_id: int, seq: int, tx_ns: int) -> bytes:
        psn = (seq & 0xFFFFFF).to_bytes(3, "big")
        self._bth[9:12] = psn
        self._bth_masked[9:12] = psn
        if self.quantizable:
            payload = quantizable_payload(flow_id, seq, tx_ns)
        else:
            payload = APP_HEADER.pack(MAGIC, flow_id, seq, tx_ns).ljust(self.payload_len, b"\x00")
        crc = zlib.crc32(payload, zlib.crc32(bytes(self._bth_masked), self._crc_prefix))
        return b"".join((self._headers, self._bth, payload, crc.to_bytes(4, "little")))


class UdpFrameBuilder:
    """Plain UDP frames (background elephants that carry no RDMA semantics)."""

    def __init__(self, ends: FlowEndpoints, payload_len: int) -> None:
        if payload_len < APP_HEADER.size:
            raise ValueError(f"payload must be at least {APP_HEADER.size} bytes")
        self.payload_len = payload_len
        template = bytes(
            Ether(src=ends.src_mac, dst=ends.gateway_mac)
            / IP(src=ends.src_ip, dst=ends.dst_ip, ttl=64, id=0, flags="DF")
            / UDP(sport=ends.sport, dport=ends.dport, chksum=0)
            / (b"\x00" * payload_len)
        )
        self._headers = template[: len(template) - payload_len]
        self.frame_len = len(template)

    def frame(self, flow_id: int, seq: int, tx_ns: int) -> bytes:
        payload = APP_HEADER.pack(MAGIC, flow_id, seq, tx_ns).ljust(self.payload_len, b"\x00")
        return self._headers + payload


def quantizable_payload(flow_id: int, seq: int, tx_ns: int) -> bytes:
    """QUANT_ELEMS FP32 elements: the app header one byte per element, then the reference
    values of (flow id, sequence) (module doc)."""
    data = QUANT_HEADER.pack(QUANT_MAGIC, flow_id & 0xFFFF, seq & 0xFFFFFFFF, tx_ns)
    header = b"".join(bytes((0, b, 0, 0)) for b in data)
    values = reference_values(flow_id, seq)
    return header + struct.pack(f"!{QUANT_VALUE_ELEMS}I", *values)


def reference_values(flow_id: int, seq: int) -> list[int]:
    """QUANT_VALUE_ELEMS FP32 bit patterns, a hash of (flow id, sequence, index): any sign,
    exponents 100..163 (normal numbers from ~1e-8 to ~1e11), any significand; never zero,
    subnormal, infinite or NaN, so one relative bound applies to every element."""
    values = []
    for index in range(QUANT_VALUE_ELEMS):
        h = ((flow_id & 0xFFFF) * 0x9E3779B1 + (seq & _MASK32) * 0x85EBCA77) & _MASK32
        h = (h + index * 0xC2B2AE3D) & _MASK32
        h ^= h >> 15
        h = (h * 0x2C1B3C6D) & _MASK32
        h ^= h >> 12
        exponent = 100 + ((h >> 23) & 0x3F)
        values.append((h & 0x80000000) | exponent << 23 | (h & 0x7FFFFF))
    return values


@dataclass(frozen=True)
class ValueCheck:
    """What the receiver found in the data elements of one quantizable packet."""

    checked: int
    errors: int  # elements outside the rule: changed without Q, beyond the bound with Q
    max_relative_error: float


def _fp32(bits: int) -> float:
    value: float = struct.unpack("!f", struct.pack("!I", bits))[0]
    return value


def check_values(elements: bytes, flow_id: int, seq: int, quantized: bool) -> ValueCheck:
    """Compare the data elements (FP32, or BF16 with Q) with `reference_values`: without Q
    every bit must be intact; with Q each q must keep the sign, |q| <= |x| and
    |x - q| < BF16_RELATIVE_BOUND * |x| (truncation toward zero, docs/semantic-contract.md 2)."""
    expected = reference_values(flow_id, seq)
    width = 2 if quantized else 4
    if len(elements) < QUANT_VALUE_ELEMS * width:
        return ValueCheck(QUANT_VALUE_ELEMS, QUANT_VALUE_ELEMS, float("inf"))
    got = struct.unpack(
        f"!{QUANT_VALUE_ELEMS}{'H' if quantized else 'I'}", elements[: QUANT_VALUE_ELEMS * width]
    )
    errors, worst = 0, 0.0
    for sent, received in zip(expected, got, strict=True):
        if not quantized:
            errors += sent != received
            continue
        x, q = _fp32(sent), _fp32(received << 16)
        relative = abs(x - q) / abs(x)
        worst = max(worst, relative)
        errors += not (relative < BF16_RELATIVE_BOUND and abs(q) <= abs(x) and (q < 0) == (x < 0))
    return ValueCheck(QUANT_VALUE_ELEMS, errors, worst)


def _quantizable_header(frame: bytes, at: int, stride: int) -> tuple[int, int, int] | None:
    data = frame[at + 1 : at + 1 + QUANT_HEADER.size * stride : stride]
    if len(data) < QUANT_HEADER.size or data[:2] != QUANT_MAGIC:
        return None
    _, flow_id, seq, tx_ns = QUANT_HEADER.unpack(data)
    return flow_id, seq, tx_ns


@dataclass(frozen=True)
class AppPacket:
    flow_id: int
    seq: int
    tx_ns: int
    src_ip: bytes
    had_sem: bool
    quantized: bool = False
    promoted: bool = False  # SEM flag P: promoted after its buffering budget
    values: ValueCheck | None = None  # quantizable payloads only


def _udp_header_at(frame: bytes, payload_min: int) -> int | None:
    """Offset of the UDP header of an IPv4/UDP frame with room for `payload_min` bytes after
    it (counted from a 20-byte IPv4 header), else None."""
    if len(frame) < ETH_LEN + 20 + UDP_LEN + payload_min or frame[12:14] != b"\x08\x00":
        return None
    if frame[ETH_LEN + 9] != 17:
        return None
    return ETH_LEN + (frame[ETH_LEN] & 0x0F) * 4


def _udp_dport(frame: bytes, l4: int) -> int:
    return int.from_bytes(frame[l4 + 2 : l4 + 4], "big")


def parse_app_packet(frame: bytes) -> AppPacket | None:
    """The application header of a testbed data frame (RoCEv2 with or without SEM, or plain
    UDP), or None for anything else. Pure `struct` slicing: this runs for every packet."""
    l4 = _udp_header_at(frame, APP_HEADER.size)
    if l4 is None:
        return None
    dport = _udp_dport(frame, l4)
    at = l4 + UDP_LEN
    had_sem = quantized = promoted = False
    if dport == UdpPorts.SEM:
        if len(frame) < at + SEM_FIXED_LEN:
            return None
        flags = frame[at + 2]
        quantized = bool(flags & SEM_FLAG_QUANTIZED)
        promoted = bool(flags & SEM_FLAG_PROMOTED)
        at += SEM_FIXED_LEN + (SEM_MOE_LEN if flags & SEM_FLAG_MOE else 0) + BTH_LEN
        had_sem = True
    elif dport == UdpPorts.ROCEV2:
        at += BTH_LEN
    elif dport != PLAIN_UDP_PORT:
        return None
    src_ip = frame[ETH_LEN + 12 : ETH_LEN + 16]
    if frame[at + 1 : at + 2] == QUANT_MAGIC[:1]:
        stride = 2 if quantized else 4
        fields = _quantizable_header(frame, at, stride)
        if fields is None:
            return None
        flow_id, seq, _ = fields
        data_at = at + QUANT_HEADER_ELEMS * stride
        values = check_values(frame[data_at : len(frame) - ICRC_LEN], flow_id, seq, quantized)
        return AppPacket(*fields, src_ip, had_sem, quantized, promoted, values)
    if frame[at : at + 4] != MAGIC or len(frame) < at + APP_HEADER.size:
        return None
    _, flow_id, seq, tx_ns = APP_HEADER.unpack_from(frame, at)
    return AppPacket(flow_id, seq, tx_ns, src_ip, had_sem, promoted=promoted)


def cnp_frame(src_mac: str, gateway_mac: str, src_ip: str, dst_ip: str, dest_qp: int) -> bytes:
    """A RoCEv2 CNP (BTH opcode 0x81, 16 reserved bytes): the end-to-end ECN echo a receiver
    sends to the sender of a flow whose packets arrived congestion-marked."""
    return bytes(
        Ether(src=src_mac, dst=gateway_mac)
        / IP(src=src_ip, dst=dst_ip, ttl=64, id=0, flags="DF")
        / UDP(sport=49151, dport=UdpPorts.ROCEV2, chksum=0)
        / BTH(opcode=BTH_OPCODE_CNP, dqpn=dest_qp, psn=0)
        / (b"\x00" * 16)
    )


def parse_cnp(frame: bytes) -> tuple[str, int] | None:
    """(source IPv4, destination QP) of a RoCEv2 CNP frame, else None."""
    l4 = _udp_header_at(frame, BTH_LEN)
    if l4 is None or _udp_dport(frame, l4) != UdpPorts.ROCEV2:
        return None
    bth = l4 + UDP_LEN
    if len(frame) < bth + BTH_LEN or frame[bth] != BTH_OPCODE_CNP:
        return None
    src = ".".join(str(b) for b in frame[ETH_LEN + 12 : ETH_LEN + 16])
    return src, int.from_bytes(frame[bth + 5 : bth + 8], "big")


def is_fn_frame(frame: bytes) -> bool:
    """An IPv4/UDP frame to the FN port (cheap test before scapy parses it)."""
    l4 = _udp_header_at(frame, 0)
    return l4 is not None and _udp_dport(frame, l4) == UdpPorts.FN
