"""Traffic tools over a veth pair between two namespaces: the receiver counts exactly what the
sender sent, and the sender agent halves its rate on a congestion FN about its flow."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether

from controller.wire import FN, FnFiveTuple, FnType
from topologies.cleanup import wait_until
from topologies.traffic.flows import FlowSpec, ReceiverJob, ResolvedFlow, SenderJob

from .conftest import NamespacePair

pytestmark = pytest.mark.root


def _flow(react: bool) -> ResolvedFlow:
    spec = FlowSpec("sync", "ha1", "hb1", 200, 1.0, tclass="parameter", urgency=2, react=react)
    return ResolvedFlow(
        5, spec, "02:00:00:00:02:01", "02:fa:00:00:00:04", "10.0.2.1", "10.0.3.1", 1
    )


def _congestion_fn(flow: ResolvedFlow) -> bytes:
    fn = FN(
        fn_type=FnType.CONGESTION_DETECTED,
        originator=4,
        sequence=1,
        five_tuple=FnFiveTuple(
            src_addr=flow.src_ip,
            dst_addr=flow.dst_ip,
            src_port=flow.spec.sport,
            dst_port=4792,
            protocol=17,
        ),
    )
    return bytes(
        Ether(dst=flow.src_mac)
        / IP(src="10.255.0.4", dst=flow.src_ip)
        / UDP(sport=4793, dport=4793, chksum=0)
        / fn
    )


def test_sender_to_receiver_and_fn_reaction(netns_pair: NamespacePair, tmp_path: Path) -> None:
    flow = _flow(react=True)
    epoch = time.time_ns() + int(0.3e9)
    recv_job = ReceiverJob(
        "b0", {5: "sync"}, str(tmp_path / "recv.json"), str(tmp_path / "ready"), epoch
    )
    send_job = SenderJob("a0", [flow], str(tmp_path / "send.json"), epoch)
    python = [sys.executable, "-m", "topologies.traffic"]
    receiver = subprocess.Popen(netns_pair.exec(netns_pair.b, *python, "recv", recv_job.to_json()))
    try:
        assert wait_until(lambda: Path(recv_job.ready).exists(), 10)
        sender = subprocess.Popen(
            netns_pair.exec(netns_pair.a, *python, "send", send_job.to_json())
        )
        # A congestion FN reaches the sender half-way through the flow.
        wait_until(lambda: time.time_ns() > epoch + int(0.5e9), 5)
        inject = (
            "import socket,sys; s=socket.socket(socket.AF_PACKET, socket.SOCK_RAW); "
            "s.bind(('b0', 0)); s.send(bytes.fromhex(sys.argv[1]))"
        )
        subprocess.run(
            netns_pair.exec(netns_pair.b, sys.executable, "-c", inject, _congestion_fn(flow).hex()),
            check=True,
        )
        assert sender.wait(timeout=20) == 0
        time.sleep(0.2)  # the last frames are in flight on a veth for microseconds
    finally:
        receiver.terminate()
        assert receiver.wait(timeout=10) == 0
    sent = json.loads(Path(send_job.result).read_text())
    got = json.loads(Path(recv_job.result).read_text())
    s, r = sent["flows"]["sync"], got["flows"]["sync"]
    assert s["sent"] > 100 and r["received"] == s["sent"]
    assert r["reordered"] == 0 and r["duplicates"] == 0 and r["with_sem"] == s["sent"]
    assert r["latency_us"]["p50"] > 0
    assert [x["type"] for x in s["reactions"]] == ["CONGESTION_DETECTED"]
    assert s["reactions"][0]["new_rate_pps"] == pytest.approx(100.0)
    assert s["sent"] < 200  # the cut slowed it down (additive increase only climbs back)


def test_offloads_off_inside_namespace(netns_pair: NamespacePair) -> None:
    subprocess.run(
        netns_pair.exec(netns_pair.a, sys.executable, "-m", "topologies.netutil", "a0"), check=True
    )
    state = subprocess.run(
        netns_pair.exec(
            netns_pair.a,
            sys.executable,
            "-c",
            "import json; from topologies.netutil import offload_state; "
            "print(json.dumps(offload_state('a0')))",
        ),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert json.loads(state)["tx-checksum"] is False
    assert json.loads(state)["tso"] is False
