"""Scenario (e) end to end on the small topology, headless: the semantic contract at work
(issue 8) in Mininet with P4 switches. Asserts on what was measured: the switches quantized
KV-cache payload under congestion and the receiver found every value within the BF16 bound
(and the switches' byte count agrees with the receiver's), the baseline quantized nothing,
early tokens kept below the baseline's latency, and the edge's expert choice balanced the
MoE load where always-top-1 did not."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.testbed.conftest import run_scenario
from topologies.scenarios.inference import BYTES_SAVED_PER_PACKET, MOE_BALANCED

pytestmark = [pytest.mark.root, pytest.mark.mininet, pytest.mark.slow]


@pytest.mark.timeout(120)
def test_inference_scenario_small_headless(tmp_path: Path) -> None:
    run = run_scenario(tmp_path, "inference", timeout_s=110)
    fantel, baseline = run.figures()
    # Quantization: happened, counted alike at both ends, values within the bound.
    assert fantel["kv_quantized"] > 0 and baseline["kv_quantized"] == 0
    assert fantel["switch_quantized"] >= fantel["kv_quantized"]
    assert fantel["switch_bytes_saved"] == fantel["switch_quantized"] * BYTES_SAVED_PER_PACKET
    assert fantel["values_checked"] > 0 and fantel["value_errors"] == 0
    assert 0 < fantel["max_relative_error"] < 2**-7
    assert baseline["value_errors"] == 0 and baseline["max_relative_error"] == 0
    # Token priorities.
    assert fantel["early_p99_ms"] * 2 <= baseline["early_p99_ms"]
    # MoE: the switch placed every token it saw and balanced the experts.
    assert fantel["moe_max_over_mean"] <= MOE_BALANCED < baseline["moe_max_over_mean"]
    loads = {int(k): v for k, v in fantel["switch_expert_load"].items()}
    assert sum(loads.values()) >= sum(fantel["moe_load"].values()) > 0
    run.assert_exited_ok()
    run.assert_reported_and_cleaned()
