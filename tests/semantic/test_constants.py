"""controller.semantic mirrors p4src constants and sizes; the P4Info names it programs exist."""

from __future__ import annotations

import re

import pytest

from controller.readiness import FN_REPLAY_SLOTS
from controller.semantic import EXPERT_SLOTS, QUANT_MAX_ELEMS, AuthDomain, AuthResult
from softswitch.switch import Switch
from tests.semantic.target import ROOT
from tests.test_wire import p4_constants


def _size(name: str) -> int:
    text = (ROOT / "p4src/include/size.p4").read_text()
    match = re.search(rf"#define\s+{name}\s+(\d+)", text)
    assert match is not None
    return int(match.group(1))


@pytest.mark.parametrize(
    ("enum", "prefix"), [(AuthDomain, "AUTH_DOMAIN_"), (AuthResult, "AUTH_RESULT_")]
)
def test_auth_codes_match_define_p4(enum: type[AuthDomain] | type[AuthResult], prefix: str) -> None:
    in_p4 = {
        k: v for k, v in p4_constants().items() if k.startswith(prefix) and k != "AUTH_RESULT_COUNT"
    }
    assert in_p4 == {f"{prefix}{m.name}": int(m.value) for m in enum}
    assert p4_constants()["AUTH_RESULT_COUNT"] == len(AuthResult)


def test_sizes_match_size_p4() -> None:
    assert _size("QUANT_MAX_ELEMS") == QUANT_MAX_ELEMS
    assert _size("EXPERT_SLOTS") == EXPERT_SLOTS
    assert _size("FN_REPLAY_SLOTS") == FN_REPLAY_SLOTS
    # quantize.p4 unrolls one QUANTIZE_BF16(i) per stack slot
    unrolled = re.findall(
        r"QUANTIZE_BF16\((\d+)\)", (ROOT / "p4src/include/control/quantize.p4").read_text()
    )
    assert sorted(map(int, unrolled)) == list(range(QUANT_MAX_ELEMS))


def test_programmed_names_exist(sw: Switch) -> None:
    for table in (
        "auth_policy",
        "auth_keys",
        "fn_signing",
        "quantize_thresholds",
        "buffer_policy",
        "affinity_pools",
        "pool_endpoints",
        "expert_endpoints",
    ):
        assert sw.table(table) is not None
    for register in ("expert_load", "expert_enabled", "quant_bytes_saved"):
        assert sw.register(register) is not None
    assert sw.profile("endpoint_selector") is not None
