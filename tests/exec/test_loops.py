"""A ``for`` loop that never ends cannot hang the switch: after ``LOOP_LIMIT`` iterations
the packet is dropped and the error kept (BMv2 would spin on it forever)."""

from __future__ import annotations

from pathlib import Path

import pytest

from softswitch.codegen import rt
from softswitch.switch import Switch

PROGRAM = """
#include <core.p4>
#include <v1model.p4>
header h_t { bit<8> n; bit<8> steps; }
struct headers { h_t h; }
struct metadata { }
parser P(packet_in pkt, out headers hdr, inout metadata meta, inout standard_metadata_t sm) {
    state start { pkt.extract(hdr.h); transition accept; }
}
control I(inout headers hdr, inout metadata meta, inout standard_metadata_t sm) {
    apply {
        sm.egress_spec = 1;
        // bit<8> wraps: with n = 255 the condition always holds.
        for (bit<8> i = 0; i <= hdr.h.n; i = i + 1) {
            if (i > 200) {
                continue;
            }
            hdr.h.steps = hdr.h.steps + 1;
        }
    }
}
control E(inout headers hdr, inout metadata meta, inout standard_metadata_t sm) { apply {} }
control VC(inout headers hdr, inout metadata meta) { apply {} }
control CC(inout headers hdr, inout metadata meta) { apply {} }
control D(packet_out pkt, in headers hdr) { apply { pkt.emit(hdr); } }
V1Switch(P(), VC(), I(), E(), CC(), D()) main;
"""


@pytest.fixture
def switch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Switch:
    monkeypatch.setattr(rt, "LOOP_LIMIT", 1000)
    program = tmp_path / "endless.p4"
    program.write_text(PROGRAM)
    return Switch.from_file(program)


def test_a_bounded_loop_runs_to_its_end(switch: Switch) -> None:
    switch.inject(0, bytes([230, 0]))
    assert switch.take_outputs() == [(1, bytes([230, 201]))]  # continue skips i > 200
    assert switch.errors == []


def test_an_endless_loop_drops_the_packet_and_reports_where(switch: Switch) -> None:
    switch.inject(0, bytes([255, 0]))
    assert switch.take_outputs() == []
    (error,) = switch.errors
    assert "LoopLimitExceeded" in error and error.endswith("endless.p4:14:9: endless for loop")
    # The switch keeps working.
    switch.inject(0, bytes([3, 0]))
    assert switch.take_outputs() == [(1, bytes([3, 4]))]
