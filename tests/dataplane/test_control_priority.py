"""Packet-outs from the controller (probes) never wait behind a data backlog.

Liveness is judged by probe silence: a probe stuck behind a full best-effort queue would make a
healthy link look dead. So packet-outs take the top priority queue (QUEUE_PRIORITY_CONTROL).
"""

from __future__ import annotations

from scapy.layers.l2 import Ether

from controller.wire import Probe
from softswitch.switch import Switch
from tests.dataplane.fabric import CPU_PORT, HOST_B_PORT, packet_out, probe_frame, roce

BACKLOG = 10


def test_packet_out_probe_overtakes_a_best_effort_backlog(sw: Switch) -> None:
    sw.set_queue_rate(HOST_B_PORT, 1000)  # 1 ms per packet, per priority queue (BMv2 PriRL)
    for psn in range(BACKLOG):
        sw.inject(1, bytes(roce(psn=psn)))
    sw.inject(CPU_PORT, packet_out(HOST_B_PORT, probe_frame()))
    sw.run_until_idle()
    order = [
        "probe" if Probe in Ether(frame) else "data"
        for port, frame in sw.take_outputs()
        if port == HOST_B_PORT
    ]
    # The first data packet leaves at once (its queue was idle); the probe comes right after,
    # ahead of the nine data packets still queued.
    assert order == ["data", "probe"] + ["data"] * (BACKLOG - 1)
