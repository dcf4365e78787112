"""Filtering: notifications and probes only from infrastructure ports; malformed SEM/FN
headers dropped and counted in drop_counter[DropReason]."""

from __future__ import annotations

import pytest
from scapy.layers.l2 import Ether

from controller.wire import SEM, DropReason, FnType, SemMoe, TrafficClass, insert_sem
from softswitch.switch import Switch
from tests.dataplane.fabric import (
    DROP_COUNTER,
    FN_RX_COUNTER,
    HOST_A_PORT,
    PROBE_LAST_RX,
    fn_neighbour,
    neighbour_probe,
    roce,
)


def test_fn_from_a_host_port_is_dropped_and_counted(sw: Switch) -> None:
    forged = bytes(fn_neighbour(FnType.FAILURE_DETECTED, originator=9, sequence=1))
    sw.inject(HOST_A_PORT, forged)
    assert sw.take_outputs() == []
    assert sw.counter_read(DROP_COUNTER, DropReason.FN_FROM_HOST) == (1, len(forged))
    assert sw.counter_read(FN_RX_COUNTER, FnType.FAILURE_DETECTED)[0] == 0


def test_probe_from_a_host_port_is_dropped_and_does_not_arm_liveness(sw: Switch) -> None:
    probe = neighbour_probe(3, 1, 0)
    sw.inject(HOST_A_PORT, probe)
    assert sw.take_outputs() == []
    assert sw.counter_read(DROP_COUNTER, DropReason.PROBE_FROM_HOST) == (1, len(probe))
    assert sw.register_read(PROBE_LAST_RX, HOST_A_PORT) == 0


def test_unknown_ports_are_untrusted(sw: Switch) -> None:
    sw.inject(9, bytes(fn_neighbour(FnType.STATUS, originator=9, sequence=1)))
    assert sw.take_outputs() == []
    assert sw.counter_read(DROP_COUNTER, DropReason.FN_FROM_HOST)[0] == 1


def _sem(**fields: int) -> bytes:
    moe = SemMoe(cand_count=fields.pop("cand_count")) if "cand_count" in fields else None
    sem = SEM(tclass=TrafficClass.GRADIENT, moe=moe)
    for name, value in fields.items():
        setattr(sem, name, value)
    return bytes(insert_sem(roce(), sem))


def _fn(**fields: int) -> bytes:
    pkt = fn_neighbour(FnType.FAILURE_DETECTED, originator=9, sequence=1)
    for name, value in fields.items():
        setattr(pkt["FN"], name, value)
    return bytes(Ether(bytes(pkt)))


MALFORMED = {
    "sem-version-0": (lambda: _sem(version=0), DropReason.SEM_BAD_VERSION),
    "sem-version-2": (lambda: _sem(version=2), DropReason.SEM_BAD_VERSION),
    "sem-class-7": (lambda: _sem(tclass=7), DropReason.SEM_BAD_CLASS),
    "sem-class-15": (lambda: _sem(tclass=15), DropReason.SEM_BAD_CLASS),
    "sem-moe-count-5": (lambda: _sem(cand_count=5), DropReason.SEM_BAD_MOE),
    "fn-version-2": (lambda: _fn(version=2), DropReason.FN_BAD_VERSION),
    "fn-type-0": (lambda: _fn(fn_type=0), DropReason.FN_BAD_TYPE),
    "fn-type-7": (lambda: _fn(fn_type=7), DropReason.FN_BAD_TYPE),
    "fn-params-reserved": (lambda: _fn(params=0x08), DropReason.FN_BAD_PARAMS),
}


@pytest.mark.parametrize("port", [HOST_A_PORT, 3], ids=["host", "infra"])
@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_headers_are_dropped_and_counted(sw: Switch, case: str, port: int) -> None:
    build, reason = MALFORMED[case]
    data = build()
    sw.inject(port, data)
    assert sw.take_outputs() == []
    assert sw.counter_read(DROP_COUNTER, reason) == (1, len(data))
    others = [r for r in DropReason if r not in (reason, DropReason.NONE)]
    assert all(sw.counter_read(DROP_COUNTER, r) == (0, 0) for r in others)


def test_well_formed_counterparts_pass(sw: Switch) -> None:
    sw.inject(3, _sem(cand_count=4))
    sw.inject(3, _fn(fn_type=FnType.STATUS, hop_limit=1))
    assert len(sw.take_outputs()) == 2  # forwarded SEM; FN punted to the controller
    assert all(sw.counter_read(DROP_COUNTER, r) == (0, 0) for r in DropReason)
