"""The semantic contract's actions: references the tests hold the P4 program to, and the
controller's programming of the entities behind them (docs/semantic-contract.md).

References (independent of the P4 code):
- SEM and FN authentication tags (`sem_tag`, `fn_tag`, `sign_sem`, `sign_fn`) over the bytes
  that docs/wire-format.md names, with `controller.halfsiphash`;
- in-network quantization FP32 -> BF16 (`fp32_to_bf16`, `quantize_payload`, `quantizable`);
- MoE expert choice (`select_expert`).

Programming: every function below returns finsy entities (P4 names are the P4Info aliases of
p4src/v1model/fantel_v1model.p4) for a switch's desired state; nothing else in the controller
needs to know these tables, registers and action profiles.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence
from enum import IntEnum

import finsy as fy
from scapy.packet import Packet

from controller.halfsiphash import halfsiphash64, key_words
from controller.wire import FN, SEM, ElemFormat, TrafficClass

__all__ = [
    "AFFINITY_MEMBER_STRIDE",
    "EXPERT_SLOTS",
    "QUANT_MAX_ELEMS",
    "QUANT_OPCODES",
    "AuthDomain",
    "AuthResult",
    "MoeOutcome",
    "affinity_pool_entities",
    "auth_counter_index",
    "auth_key_entry",
    "auth_policy_entry",
    "bf16_to_float",
    "buffer_policy_entry",
    "expert_entities",
    "expert_load_entry",
    "fn_signing_entry",
    "fn_tag",
    "fp32_to_bf16",
    "quantizable",
    "quantize_payload",
    "quantize_threshold_entry",
    "select_expert",
    "sem_tag",
    "sign_fn",
    "sign_sem",
]

# Mirrors of p4src/include/size.p4 and define.p4 (tests/semantic compares them).
QUANT_MAX_ELEMS = 32
EXPERT_SLOTS = 4096
# BTH opcodes whose payload starts right after BTH (RC SEND first/middle/last/only, RDMA WRITE
# middle/last): the only ones the switch quantizes.
QUANT_OPCODES = frozenset({0x00, 0x01, 0x02, 0x04, 0x07, 0x08})
# ElemFormat targets at or below BF16 precision: FP32 -> BF16 stays within what they accept.
_BF16_OR_LOWER = frozenset({ElemFormat.BF16, ElemFormat.FP8_E4M3, ElemFormat.INT8})
# Member ids of affinity pool p are p * AFFINITY_MEMBER_STRIDE + endpoint index.
AFFINITY_MEMBER_STRIDE = 256

_SEM_TAGGED_LEN = 20
_FN_TAGGED_LEN = 32
_FN_FIXED_LEN = 40
_KEY_LEN = 8


class AuthDomain(IntEnum):
    """What a key and a policy belong to (`domain` key of `auth_policy` / `auth_keys`)."""

    SEM = 1
    FN = 2


class AuthResult(IntEnum):
    """Outcome of a tag check: `auth_counter[domain * 4 + result]`, digest `result`."""

    OK = 0
    NOT_REQUIRED = 1
    UNKNOWN_KEY = 2
    BAD_TAG = 3


class MoeOutcome(IntEnum):
    """Index of `moe_counter`."""

    PLACED = 0
    PLACED_LOWER_RANKED = 1
    NO_ELIGIBLE = 2
    NO_ENDPOINT = 3


def auth_counter_index(domain: AuthDomain, result: AuthResult) -> int:
    return int(domain) * len(AuthResult) + int(result)


# ---- authentication tags -------------------------------------------------------------------


def _tag_int(key: bytes, message: bytes) -> int:
    return int.from_bytes(halfsiphash64(key, message), "big")


def sem_tag(sem: Packet, key: bytes) -> int:
    """The SEM `auth_tag` value: HalfSipHash-2-4 over SEM bytes 0..19 with flags Q and P as 0."""
    raw = bytearray(bytes(sem[SEM])[:_SEM_TAGGED_LEN])
    raw[2] &= ~0x60 & 0xFF  # Q = 0x40, P = 0x20 of byte 2
    return _tag_int(key, bytes(raw))


def sign_sem(sem: Packet, key: bytes, key_id: int) -> SEM:
    """A copy of `sem` (SEM layer and whatever follows) with `key_id` and its tag filled in."""
    signed: SEM = sem[SEM].copy()
    signed.key_id = key_id
    signed.auth_tag = sem_tag(signed, key)
    return signed


def fn_tag(fn: Packet, key: bytes) -> int:
    """The FN `auth_tag` value: bytes 0..31 with hop_limit 0, then the optional fields."""
    raw = bytes(fn[FN])
    fixed = bytearray(raw[:_FN_TAGGED_LEN])
    fixed[2] = 0
    return _tag_int(key, bytes(fixed) + raw[_FN_FIXED_LEN:])


def sign_fn(fn: Packet, key: bytes, key_id: int) -> FN:
    """A copy of `fn` with `key_id` and its tag filled in."""
    signed: FN = fn[FN].copy()
    signed.key_id = key_id
    signed.auth_tag = fn_tag(signed, key)
    return signed


# ---- quantization --------------------------------------------------------------------------


def fp32_to_bf16(bits: int) -> int:
    """FP32 bit pattern -> BF16 bit pattern by truncation (round towards zero): the high 16 bits.

    NaNs are quieted (bit 6 of the BF16 set) so a NaN whose payload sat only in the low 16 bits
    cannot become an infinity. For normal x the result q satisfies |x - q| < 2**-7 * |x| (one
    BF16 unit in the last place: 7 stored significand bits); for subnormal x, |x - q| < 2**-133;
    always |q| <= |x|, and infinities, zeros and signs are exact.
    """
    if not 0 <= bits <= 0xFFFFFFFF:
        raise ValueError(f"not a 32-bit pattern: {bits:#x}")
    high = bits >> 16
    if (bits >> 23) & 0xFF == 0xFF and bits & 0x7FFFFF:
        high |= 0x0040
    return high


def bf16_to_float(bits: int) -> float:
    """The value of a BF16 bit pattern."""
    value: float = struct.unpack(">f", struct.pack(">I", bits << 16))[0]
    return value


def quantize_payload(payload: bytes) -> bytes:
    """The switch's rewrite of a payload of big-endian FP32 elements into BF16 elements."""
    if len(payload) % 4:
        raise ValueError(f"payload of {len(payload)} bytes is not whole FP32 elements")
    words = struct.unpack(f">{len(payload) // 4}I", payload)
    return struct.pack(f">{len(words)}H", *(fp32_to_bf16(w) for w in words))


def quantizable(sem: SEM, bth_opcode: int, payload_len: int) -> bool:
    """Whether the switch may quantize this packet once congested (parser.p4 conditions plus
    flag K: only SEM-aware receivers get reduced payloads). `payload_len` excludes the ICRC."""
    return (
        sem.quant_ok == 1
        and sem.flag_quantized == 0
        and sem.flag_keep == 1
        and sem.elem_format == ElemFormat.FP32
        and sem.target_precision in _BF16_OR_LOWER
        and bth_opcode in QUANT_OPCODES
        and 0 < payload_len <= 4 * QUANT_MAX_ELEMS
        and payload_len % 4 == 0
    )


# ---- MoE expert choice ---------------------------------------------------------------------


def select_expert(
    candidates: Sequence[int], loads: Mapping[int, int], enabled: Mapping[int, bool]
) -> int | None:
    """The expert the switch picks: the least loaded enabled candidate, ties to the earlier
    candidate (senders rank candidates by gate weight); None when none is enabled."""
    best: int | None = None
    for expert in candidates[:4]:
        if not enabled.get(expert, False):
            continue
        if best is None or loads.get(expert, 0) < loads.get(best, 0):
            best = expert
    return best


# ---- programming (finsy entities for a switch's desired state) ------------------------------


def _check_key(key: bytes) -> tuple[int, int]:
    if len(key) != _KEY_LEN:
        raise ValueError(f"authentication keys are {_KEY_LEN} bytes, got {len(key)}")
    return key_words(key)


def _check_range(name: str, value: int, bits: int) -> int:
    if not 0 <= value < 1 << bits:
        raise ValueError(f"{name} {value} outside [0, {(1 << bits) - 1}]")
    return value


def auth_policy_entry(domain: AuthDomain, tenant_id: int, *, downgrade: bool) -> fy.P4TableEntry:
    """Require tags from `tenant_id` (0 for FNs). A failing SEM is forwarded best effort when
    `downgrade`, dropped otherwise; a failing FN is always dropped."""
    _check_range("tenant id", tenant_id, 16)
    return fy.P4TableEntry(
        "auth_policy",
        match=fy.P4TableMatch(domain=int(domain), tenant_id=tenant_id),
        action=fy.P4TableAction("require_tag", downgrade_on_failure=int(downgrade)),
    )


def auth_key_entry(domain: AuthDomain, tenant_id: int, key_id: int, key: bytes) -> fy.P4TableEntry:
    """One key of a tenant. Rotation without loss: add the new key id, move senders to it,
    then remove the old entry; both verify in between."""
    k0, k1 = _check_key(key)
    _check_range("tenant id", tenant_id, 16)
    _check_range("key id", key_id, 8)
    return fy.P4TableEntry(
        "auth_keys",
        match=fy.P4TableMatch(domain=int(domain), tenant_id=tenant_id, key_id=key_id),
        action=fy.P4TableAction("set_key", k0=k0, k1=k1),
    )


def fn_signing_entry(key_id: int, key: bytes) -> fy.P4TableEntry:
    """The key this switch tags its own FNs with (default action of `fn_signing`)."""
    k0, k1 = _check_key(key)
    if not 1 <= key_id <= 255:
        raise ValueError(f"FN signing key id {key_id} outside [1, 255] (0 means unsigned)")
    return fy.P4TableEntry(
        "fn_signing",
        action=fy.P4TableAction("set_fn_signing_key", key_id=key_id, k0=k0, k1=k1),
        is_default_action=True,
    )


def _ternary(value: int | None, bits: int) -> int | tuple[int, int] | None:
    return None if value is None else (value, (1 << bits) - 1)


def _match(**fields: int | tuple[int, int] | None) -> fy.P4TableMatch:
    return fy.P4TableMatch({k: v for k, v in fields.items() if v is not None})


def quantize_threshold_entry(
    egress_port: int, tclass: TrafficClass | None, qdepth: int, *, priority: int = 1
) -> fy.P4TableEntry:
    """Quantize eligible packets of `tclass` (None: any) leaving `egress_port` while at least
    `qdepth` packets are queued behind them."""
    _check_range("egress port", egress_port, 9)
    _check_range("queue depth", qdepth, 19)
    return fy.P4TableEntry(
        "quantize_thresholds",
        match=_match(egress_port=egress_port, tclass=_ternary(tclass, 4)),
        action=fy.P4TableAction("set_quant_threshold", qdepth=qdepth),
        priority=priority,
    )


def buffer_policy_entry(
    tenant_id: int | None,
    tclass: TrafficClass | None,
    *,
    bulk_priority: int,
    promoted_priority: int,
    idle_gap_us: int,
    priority: int = 1,
) -> fy.P4TableEntry:
    """Delay-tolerant (buffer_ok) packets of (tenant, class) go to `bulk_priority` until their
    flow's burst is older than its SEM max_delay, then to `promoted_priority` with flag P."""
    for name, prio in (("bulk", bulk_priority), ("promoted", promoted_priority)):
        _check_range(f"{name} priority", prio, 3)
    if promoted_priority <= bulk_priority:
        raise ValueError("the promoted priority must be above the bulk priority")
    _check_range("idle gap", idle_gap_us, 32)
    return fy.P4TableEntry(
        "buffer_policy",
        match=_match(tenant_id=_ternary(tenant_id, 16), tclass=_ternary(tclass, 4)),
        action=fy.P4TableAction(
            "set_bulk_class",
            bulk_priority=bulk_priority,
            promoted_priority=promoted_priority,
            idle_gap_us=idle_gap_us,
        ),
        priority=priority,
    )


def affinity_pool_entities(
    pool_id: int,
    *,
    tenant_id: int,
    affinity_kind: int,
    healthy_endpoints: Sequence[str],
    task_id: int | None = None,
    affinity_id: int | None = None,
    priority: int = 1,
) -> list[fy.p4entity.P4Entity]:
    """(tenant, task, affinity) -> pool, and the pool's selector group over its healthy
    endpoints (IPv4 addresses). Re-issue with the new healthy set when health changes."""
    _check_range("pool id", pool_id, 16)
    if not 1 <= len(healthy_endpoints) < AFFINITY_MEMBER_STRIDE:
        raise ValueError(f"a pool needs 1..{AFFINITY_MEMBER_STRIDE - 1} healthy endpoints")
    members = [
        fy.P4ActionProfileMember(
            "endpoint_selector",
            member_id=pool_id * AFFINITY_MEMBER_STRIDE + i,
            action=fy.P4TableAction("set_endpoint", addr=address),
        )
        for i, address in enumerate(healthy_endpoints)
    ]
    group = fy.P4ActionProfileGroup(
        "endpoint_selector",
        group_id=pool_id,
        members=[fy.P4Member(m.member_id, weight=1) for m in members],
    )
    return [
        *members,
        group,
        fy.P4TableEntry(
            "affinity_pools",
            match=_match(
                tenant_id=tenant_id,
                task_id=_ternary(task_id, 32),
                affinity_kind=affinity_kind,
                affinity_id=_ternary(affinity_id, 12),
            ),
            action=fy.P4TableAction("set_pool", pool=pool_id),
            priority=priority,
        ),
        fy.P4TableEntry(
            "pool_endpoints",
            match=fy.P4TableMatch(pool_id=pool_id),
            action=fy.P4IndirectAction(group_id=pool_id),
        ),
    ]


def expert_entities(expert_id: int, address: str, *, enabled: bool) -> list[fy.p4entity.P4Entity]:
    """Register expert `expert_id` at `address`; `enabled` makes it eligible for selection."""
    _check_range("expert id", expert_id, 12)
    return [
        fy.P4TableEntry(
            "expert_endpoints",
            match=fy.P4TableMatch(expert_id=expert_id),
            action=fy.P4TableAction("set_expert_endpoint", addr=address),
        ),
        fy.P4RegisterEntry("expert_enabled", index=expert_id, data=int(enabled)),
    ]


def expert_load_entry(expert_id: int, load: int) -> fy.P4RegisterEntry:
    """The load an expert reported (tokens queued); the switch adds one per token it places.
    A status update, not desired state: write it, never reconcile it."""
    _check_range("expert id", expert_id, 12)
    _check_range("load", load, 32)
    return fy.P4RegisterEntry("expert_load", index=expert_id, data=load)
