"""SEM and FN authentication on the embedded target, tags checked against controller.halfsiphash
via controller.semantic (independent of the P4 HalfSipHash)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether

from controller.lab import HOST_PORT, OUT_PORT, apply, sem_packet, two_port_switch
from controller.readiness import replay_slot
from controller.semantic import (
    AuthDomain,
    AuthResult,
    auth_counter_index,
    auth_key_entry,
    auth_policy_entry,
    fn_signing_entry,
    fn_tag,
    sem_tag,
    sign_fn,
    sign_sem,
)
from controller.wire import FN, SEM, FnType, ObjectKind, TrafficClass, UdpPorts
from softswitch.switch import Switch
from tests.semantic.target import expected_forwarded

KEY_1 = bytes.fromhex("0011223344556677")
KEY_2 = bytes.fromhex("8899aabbccddeeff")
TENANT = 7


def auth_count(sw: Switch, domain: AuthDomain, result: AuthResult) -> int:
    return sw.counter_read("auth_counter", auth_counter_index(domain, result))[0]


def secured(sw: Switch, *, downgrade: bool = False) -> Switch:
    apply(
        sw,
        [
            auth_policy_entry(AuthDomain.SEM, TENANT, downgrade=downgrade),
            auth_key_entry(AuthDomain.SEM, TENANT, 1, KEY_1),
        ],
    )
    return sw


def gradient(**fields: Any) -> SEM:
    return SEM(
        tclass=TrafficClass.GRADIENT, urgency=200, tenant_id=TENANT, task_id=0x01020304, **fields
    )


def send(sw: Switch, pkt: object) -> list[bytes]:
    sw.inject(HOST_PORT, bytes(pkt))  # type: ignore[call-overload]
    sw.run_until_idle()
    return sw.take_output(OUT_PORT)


def test_valid_tag_is_forwarded_unchanged_and_counted(sw: Switch) -> None:
    secured(sw)
    pkt = sem_packet(sign_sem(gradient(), KEY_1, 1))
    assert send(sw, pkt) == [bytes(expected_forwarded(pkt))]
    assert auth_count(sw, AuthDomain.SEM, AuthResult.OK) == 1
    assert sw.take_digests() == []


def test_bad_tag_is_dropped_counted_and_reported(sw: Switch) -> None:
    secured(sw)
    sem = sign_sem(gradient(), KEY_1, 1)
    sem.auth_tag ^= 1
    assert send(sw, sem_packet(sem)) == []
    assert auth_count(sw, AuthDomain.SEM, AuthResult.BAD_TAG) == 1
    [digest] = sw.take_digests()
    assert digest.name == "auth_digest_t"
    assert digest.values["domain"] == AuthDomain.SEM
    assert digest.values["result"] == AuthResult.BAD_TAG
    assert digest.values["tenant_id"] == TENANT
    assert digest.values["key_id"] == 1
    assert digest.values["subject"] == 0x01020304
    assert digest.values["port"] == HOST_PORT


def test_claimed_urgency_is_what_the_tag_covers(sw: Switch) -> None:
    secured(sw)
    sem = sign_sem(gradient(), KEY_1, 1)
    sem.urgency = 255  # raised after signing: a spoofing attempt
    assert send(sw, sem_packet(sem)) == []
    assert auth_count(sw, AuthDomain.SEM, AuthResult.BAD_TAG) == 1


def test_switch_flags_q_and_p_are_not_covered(sw: Switch) -> None:
    secured(sw)
    sem = sign_sem(gradient(), KEY_1, 1)
    sem.flag_quantized = 1
    sem.flag_promoted = 1
    assert sem_tag(sem, KEY_1) == sem.auth_tag
    assert len(send(sw, sem_packet(sem))) == 1


def test_downgrade_forwards_best_effort_with_urgency_zero(sw: Switch) -> None:
    secured(sw, downgrade=True)
    sem = gradient(key_id=1, auth_tag=0xBAD, buffer_ok=1)
    pkt = sem_packet(sem)
    expected = expected_forwarded(pkt)
    expected[SEM].urgency = 0
    expected[SEM].buffer_ok = 0
    assert send(sw, pkt) == [bytes(expected)]
    assert auth_count(sw, AuthDomain.SEM, AuthResult.BAD_TAG) == 1
    assert len(sw.take_digests()) == 1


def test_unknown_key_id_fails(sw: Switch) -> None:
    secured(sw)
    assert send(sw, sem_packet(sign_sem(gradient(), KEY_2, 2))) == []
    assert auth_count(sw, AuthDomain.SEM, AuthResult.UNKNOWN_KEY) == 1


def test_key_rotation_loses_nothing(sw: Switch) -> None:
    secured(sw)
    old = sem_packet(sign_sem(gradient(), KEY_1, 1))
    new = sem_packet(sign_sem(gradient(), KEY_2, 2))
    apply(sw, [auth_key_entry(AuthDomain.SEM, TENANT, 2, KEY_2)])  # step 1: add the new key
    assert len(send(sw, old)) == 1 and len(send(sw, new)) == 1
    sw.table_delete("auth_keys", {"domain": AuthDomain.SEM, "tenant_id": TENANT, "key_id": 1})
    assert send(sw, old) == [] and len(send(sw, new)) == 1  # step 3: old key retired
    assert auth_count(sw, AuthDomain.SEM, AuthResult.OK) == 3


def test_tenant_without_policy_is_not_checked(sw: Switch) -> None:
    pkt = sem_packet(gradient(auth_tag=0))
    assert send(sw, pkt) == [bytes(expected_forwarded(pkt))]
    assert auth_count(sw, AuthDomain.SEM, AuthResult.NOT_REQUIRED) == 1


def test_sem_from_infrastructure_port_is_not_rechecked(sw: Switch) -> None:
    secured(sw)
    sw.inject(OUT_PORT, bytes(sem_packet(gradient(key_id=1, auth_tag=5))))
    sw.run_until_idle()
    assert len(sw.take_outputs()) == 1
    assert auth_count(sw, AuthDomain.SEM, AuthResult.BAD_TAG) == 0


SWITCH = two_port_switch()
secured(SWITCH)

sem_fields = st.fixed_dictionaries(
    {
        "tclass": st.integers(0, 6),
        "urgency": st.integers(0, 255),
        "flag_keep": st.integers(0, 1),
        "flags_rsv": st.integers(0, 15),
        "quant_ok": st.integers(0, 1),
        "loss_ok": st.integers(0, 1),
        "buffer_ok": st.integers(0, 1),
        "token_hint": st.integers(0, 3),
        "tol_rsv": st.integers(0, 7),
        "elem_format": st.integers(0, 15),
        "target_precision": st.integers(0, 15),
        "loss_budget": st.integers(0, 255),
        "max_delay": st.integers(0, 0xFFFF),
        "layer_id": st.integers(0, 0xFFFF),
        "stage": st.integers(0, 255),
        "affinity_kind": st.integers(0, 15),
        "affinity_id": st.integers(0, 0xFFF),
        "task_id": st.integers(0, 0xFFFFFFFF),
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fields=sem_fields, flip=st.integers(0, 63))
def test_fuzz_switch_tag_equals_reference(fields: dict[str, Any], flip: int) -> None:
    """Random SEM values: the reference tag is accepted (and forwarded byte for byte with only
    urgency clamping absent), the same tag with one bit flipped is rejected."""
    sem = sign_sem(SEM(tenant_id=TENANT, **fields), KEY_1, 1)
    ok_before = auth_count(SWITCH, AuthDomain.SEM, AuthResult.OK)
    bad_before = auth_count(SWITCH, AuthDomain.SEM, AuthResult.BAD_TAG)
    out = send(SWITCH, sem_packet(sem))
    assert len(out) == 1
    assert Ether(out[0])[SEM].auth_tag == sem.auth_tag
    assert auth_count(SWITCH, AuthDomain.SEM, AuthResult.OK) == ok_before + 1
    sem.auth_tag ^= 1 << flip
    assert send(SWITCH, sem_packet(sem)) == []
    assert auth_count(SWITCH, AuthDomain.SEM, AuthResult.BAD_TAG) == bad_before + 1


# ---- FNs ------------------------------------------------------------------------------------

FN_KEY = bytes.fromhex("a5a5a5a55a5a5a5a")


def failure_fn(sequence: int, **fields: Any) -> FN:
    return FN(
        fn_type=FnType.FAILURE_DETECTED,
        hop_limit=1,
        originator=0x0A000009,
        sequence=sequence,
        timestamp=1000,
        object_id=0x00090001,
        lifetime=50,
        **fields,
    )


#: The replay cell of failure_fn's (originator, object) (controller.readiness).
FAILURE_FN_SLOT = replay_slot(0x0A000009, ObjectKind.PORT, 0x00090001)


def fn_frame(fn: FN) -> Ether:
    return (
        Ether(src="02:00:00:00:00:09", dst="ff:ff:ff:ff:ff:ff")
        / IP(src="10.255.0.9", dst="255.255.255.255", ttl=1)
        / UDP(sport=UdpPorts.FN, dport=UdpPorts.FN, chksum=0)
        / fn
    )


def fn_secured(sw: Switch) -> Switch:
    apply(
        sw,
        [
            auth_policy_entry(AuthDomain.FN, 0, downgrade=False),
            auth_key_entry(AuthDomain.FN, 0, 3, FN_KEY),
        ],
    )
    return sw


def receive_fn(sw: Switch, fn: FN, port: int = OUT_PORT) -> list[bytes]:
    """Inject an FN; the controller's packet-ins are what an accepted FN produces."""
    sw.inject(port, bytes(fn_frame(fn)))
    sw.run_until_idle()
    return sw.take_cpu_packets()


def test_fn_replay_and_forgeries_are_ignored_and_counted(sw: Switch) -> None:
    fn_secured(sw)
    first = sign_fn(failure_fn(10), FN_KEY, 3)
    assert len(receive_fn(sw, first)) == 1
    assert sw.register_read("fn_last_seq", FAILURE_FN_SLOT) == 10
    # replay of the exact bytes: stale sequence
    assert receive_fn(sw, first) == []
    assert sw.counter_read("fn_drop_counter", 11)[0] == 1  # DropReason.FN_REPLAY
    # forged tag with a far-ahead sequence: dropped before the replay window can move
    forged = sign_fn(failure_fn(0xFFFFFFF0), FN_KEY, 3)
    forged.auth_tag ^= 0x8000
    assert receive_fn(sw, forged) == []
    assert auth_count(sw, AuthDomain.FN, AuthResult.BAD_TAG) == 1
    assert sw.register_read("fn_last_seq", FAILURE_FN_SLOT) == 10
    # unsigned FN while FN tags are required
    assert receive_fn(sw, failure_fn(11)) == []
    assert auth_count(sw, AuthDomain.FN, AuthResult.UNKNOWN_KEY) == 1
    # the wrong port: an FN from a host port never reaches the check
    assert receive_fn(sw, sign_fn(failure_fn(12), FN_KEY, 3), port=HOST_PORT) == []
    assert sw.counter_read("drop_counter", 8)[0] == 1  # DropReason.FN_FROM_HOST
    # the next genuine FN still goes through
    assert len(receive_fn(sw, sign_fn(failure_fn(12), FN_KEY, 3))) == 1
    assert auth_count(sw, AuthDomain.FN, AuthResult.OK) == 3  # the replay's tag is genuine
    assert [d.values["result"] for d in sw.take_digests()] == [
        AuthResult.BAD_TAG,
        AuthResult.UNKNOWN_KEY,
    ]


def test_switch_signs_its_own_fns(sw: Switch) -> None:
    apply(sw, [fn_signing_entry(5, FN_KEY)])
    sw.clone_session_set(99, port=3)
    sw.table_add("ingress_port_type", {"ingress_port": 3}, "set_port_type", {"port_type": 2})
    # port 2 was reported failed; its next probe makes the switch flood FAILURE_RECOVERED
    sw.register_write("port_reported_failed", OUT_PORT, 1)
    probe = (
        bytes.fromhex("020000000009ffffffffffff88b5")
        + bytes.fromhex("110000020000000900000001000000000001000003e8")
        + bytes(24)
    )
    sw.inject(OUT_PORT, probe)
    sw.run_until_idle()
    [out] = sw.take_output(3)
    fn = Ether(out)[FN]
    assert fn.fn_type == FnType.FAILURE_RECOVERED
    assert fn.key_id == 5
    assert fn.auth_tag == fn_tag(fn, FN_KEY) != 0
