"""The controller against embedded-target switches in namespaces (issue 6, "Done when").

Five `softswitch run` processes wired as topologies/small.yaml, hosts in namespaces, the
controller in-process with its HTTP API. Switch state is always checked by reading it back over
a separate P4Runtime channel; traffic is real ICMP echo between host namespaces (the target
host's kernel answers). The tests share one fabric and, until the restart tests at the end, one
controller; each leaves the network as it found it (links up, no demands, no reservations).
"""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from typing import Any

import aiohttp
import finsy as fy
import pytest
from finsy.proto import p4r

from controller.wire import FnType
from softswitch.p4rt.client import P4RuntimeClient
from tests.e2e.control import (
    TIMINGS,
    Controllers,
    E2eSettings,
    RunningController,
    compare_state,
    congestion_fn,
    eventually,
    installed_groups,
    poll,
    read_state,
)
from tests.e2e.fabric import Fabric

pytestmark = [pytest.mark.root, pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

SRC_HOST, DST_HOST = "he1", "ha1"  # entity site -> AIDC A
UPLINK = "e1:1-c1:1"  # the entity uplink he1 -> ha1 takes while nothing is failed or loaded
PING_TIMEOUT_S = 10.0
EVENT_TIMEOUT_S = 10.0
_ping_ids = itertools.count(0x4E00)


async def ping(fabric: Fabric, src: str = SRC_HOST, dst: str = DST_HOST) -> float | None:
    return await asyncio.to_thread(fabric.ping, src, dst, PING_TIMEOUT_S, next(_ping_ids))


async def switch_state(
    fabric: Fabric, controller: RunningController, switch: str
) -> list[p4r.Entity]:
    sw = fabric.switches[switch]
    return await read_state(sw.address, sw.device_id, controller.desired(switch))


async def assert_in_sync(fabric: Fabric, controller: RunningController) -> None:
    """Every switch holds exactly the controller's desired state: nothing missing, nothing
    extra, nothing twice, every value equal."""
    for switch in fabric.topology.switches:
        actual = await switch_state(fabric, controller, switch)
        diff = compare_state(controller.desired(switch), actual)
        assert not diff, f"{switch}: {diff}"


def next_id(fabric: Fabric, switch: str) -> int:
    """Group id of destination switch `switch` (controller/programming.py: 1 + device id)."""
    return 1 + fabric.topology.switches[switch].device_id


def link_ports(fabric: Fabric, link: str) -> dict[str, int]:
    ends = fabric.topology.links[link]
    return {ends.a.switch: ends.a.port, ends.b.switch: ends.b.port}


async def groups_using(
    fabric: Fabric, controller: RunningController, link: str
) -> dict[str, list[int]]:
    """Per end of `link`, the read-back groups of that switch with a member on the link."""
    using = {}
    for switch, port in link_ports(fabric, link).items():
        groups = installed_groups(await switch_state(fabric, controller, switch))
        using[switch] = sorted(g for g, members in groups.items() if port in members)
    return using


async def settle(controller: RunningController) -> None:
    await asyncio.wait_for(controller.service.wait_idle(), EVENT_TIMEOUT_S)


async def restore_link(fabric: Fabric, controller: RunningController, link: str) -> None:
    """Link up again; probes are heard, FAILURE_RECOVERED (or expiry) brings it back into TE."""
    fabric.set_link(link, up=True)
    lifetime = controller.service.config.thresholds.fn_lifetime_s
    await poll(
        lambda: link not in controller.service.solution.failed_links,
        f"{link} back in TE",
        EVENT_TIMEOUT_S + lifetime,
    )
    await settle(controller)


def failure_notes(controller: RunningController, since: int) -> list[dict[str, Any]]:
    notes = controller.service.events.since(since, frozenset({"notification"}))
    return [e for e in notes if e["type"] == "failure_detected"]


# -- 1. initial install ----------------------------------------------------------------------


async def test_initial_install_matches_desired_state_and_carries_traffic(
    fabric: Fabric, controller: RunningController
) -> None:
    await assert_in_sync(fabric, controller)
    e1 = installed_groups(await switch_state(fabric, controller, "e1"))
    assert e1[next_id(fabric, "a1")] == dict(controller.service.solution.next_hops["e1"]["a1"])
    rtt = await ping(fabric)
    assert rtt is not None, f"no echo reply from {DST_HOST} to {SRC_HOST}"
    TIMINGS["ping he1 -> ha1 round trip"] = rtt


# -- 2. failure FN -> new weights ------------------------------------------------------------


async def test_failure_fn_reroutes_around_the_link_and_traffic_flows(
    fabric: Fabric, controller: RunningController
) -> None:
    service = controller.service
    assert next_id(fabric, "a1") in (await groups_using(fabric, controller, UPLINK))["e1"]
    assert await ping(fabric) is not None
    seq = service.events.last_seq
    cut_at = time.time()
    fabric.set_link(UPLINK, up=False)
    try:
        # No probe crosses the link any more: both ends declare their port dead and flood a
        # FAILURE_DETECTED FN, which the neighbours punt to the controller.
        await poll(lambda: bool(failure_notes(controller, seq)), "a failure FN", EVENT_TIMEOUT_S)
        ends = {
            f"port {fabric.topology.switches[s].device_id}:{p}"
            for s, p in link_ports(fabric, UPLINK).items()
        }
        assert {e["object"] for e in failure_notes(controller, seq)} <= ends
        await poll(
            lambda: UPLINK in service.solution.failed_links, "TE without it", EVENT_TIMEOUT_S
        )
        await settle(controller)
        first_install = service.events.since(seq, frozenset({"install"}))[0]
        received = min(e["received_at"] for e in failure_notes(controller, seq))
        TIMINGS["link cut -> failure FN at the controller"] = received - cut_at
        TIMINGS["link cut -> new weights installed"] = first_install["time"] - cut_at

        assert await groups_using(fabric, controller, UPLINK) == {"e1": [], "c1": []}
        await assert_in_sync(fabric, controller)
        assert await ping(fabric) is not None, "no traffic after the reroute"
    finally:
        await restore_link(fabric, controller, UPLINK)
    assert next_id(fabric, "a1") in (await groups_using(fabric, controller, UPLINK))["e1"]


async def test_a_link_that_stays_down_stays_out_of_te(
    fabric: Fabric, controller: RunningController
) -> None:
    service = controller.service
    lifetime = service.config.thresholds.fn_lifetime_s
    fabric.set_link(UPLINK, up=False)
    try:
        await poll(
            lambda: UPLINK in service.solution.failed_links, "TE without it", EVENT_TIMEOUT_S
        )
        came_back = await eventually(
            lambda: UPLINK not in service.solution.failed_links, 2 * lifetime + 0.5
        )
        assert not came_back, f"{UPLINK} is still down but TE uses it again"
    finally:
        await restore_link(fabric, controller, UPLINK)


# -- 3. congestion FN -> shifted weights -----------------------------------------------------


async def register_cell(
    fabric: Fabric, controller: RunningController, switch: str, register: str, index: int
) -> int:
    """One register cell of `switch`, read over a channel of its own."""
    sw = fabric.switches[switch]
    entry = fy.P4RegisterEntry(register, index=index).encode(controller.schema)
    client = P4RuntimeClient(sw.address, sw.device_id)
    try:
        [read] = await client.read([entry])
    finally:
        await client.close()
    return int.from_bytes(read.register_entry.data.bitstring, "big")


async def fn_sequence(fabric: Fabric, controller: RunningController, switch: str) -> int:
    """The last sequence number `switch` gave a neighbour FN (register `fn_sequence` of
    NotifyIngress, docs/p4-design.md)."""
    return await register_cell(fabric, controller, switch, "fn_sequence", 0)


async def post(controller: RunningController, path: str, body: dict[str, Any]) -> tuple[int, Any]:
    url = f"{controller.api_url}/api/v1/{path}"
    async with aiohttp.ClientSession() as http, http.post(url, json=body) as response:
        return response.status, await response.json()


async def test_congestion_fn_shifts_weights_and_clearing_restores_them(
    fabric: Fabric, controller: RunningController
) -> None:
    service, a1 = controller.service, next_id(fabric, "a1")
    demands = [("he1", "ha1", "10Gbps"), ("he1", "hb1", "60Gbps")]  # 1 and 6 Mbps on the testbed
    try:
        for src, dst, rate in demands:
            assert (await post(controller, "demands", {"from": src, "to": dst, "rate": rate}))[
                0
            ] == 200
        await settle(controller)
        before = installed_groups(await switch_state(fabric, controller, "e1"))[a1]

        # c1 reports its port towards a1 congested by he1 -> ha1; e1 hears it on port 1.
        flow = (str(fabric.topology.hosts["he1"].ip.ip), str(fabric.topology.hosts["ha1"].ip.ip))
        sequence = await fn_sequence(fabric, controller, "c1") + 1
        seq = service.events.last_seq
        fabric.inject("e1", 1, congestion_fn(controller, "c1", 4, sequence, flow, queue_depth=80))
        await poll(
            lambda: bool(service.events.since(seq, frozenset({"demand_boost"}))),
            "the congestion FN raising the e1 -> a1 demand",
            EVENT_TIMEOUT_S,
        )
        [note] = service.events.since(seq, frozenset({"notification"}))
        assert (note["type"], note["object"], note["switch"]) == (
            "congestion_detected",
            "port 2:4",
            "e1",
        )
        await settle(controller)
        shifted = installed_groups(await switch_state(fabric, controller, "e1"))[a1]
        assert shifted != before
        assert shifted == dict(service.solution.next_hops["e1"]["a1"])
        await assert_in_sync(fabric, controller)

        seq = service.events.last_seq
        cleared = congestion_fn(
            controller, "c1", 4, sequence + 1, flow, 0, fn_type=FnType.CONGESTION_CLEARED
        )
        fabric.inject("e1", 1, cleared)
        await poll(
            lambda: bool(service.events.since(seq, frozenset({"te_solve"}))),
            "a re-solve after CONGESTION_CLEARED",
            EVENT_TIMEOUT_S,
        )
        await settle(controller)
        assert installed_groups(await switch_state(fabric, controller, "e1"))[a1] == before
    finally:
        for src, dst, _ in demands:
            await post(controller, "demands", {"from": src, "to": dst, "rate": "0"})
        await settle(controller)


# -- 4. reservations -------------------------------------------------------------------------


async def test_a_reservation_is_admitted_and_another_rejected(
    fabric: Fabric, controller: RunningController
) -> None:
    service = controller.service
    status, admitted = await post(
        controller,
        "reservations",
        {"task": "train-1", "from": "he1", "to": "ha1", "rate": "60Gbps", "duration": "1h"},
    )
    try:
        assert status == 201, admitted
        assert (admitted["from"], admitted["to"], admitted["rate"]) == ("e1", "a1", 60e9)
        # Every path from e1 to a1 now has less than 90 Gbps left.
        status, rejected = await post(
            controller,
            "reservations",
            {"task": "train-2", "from": "he1", "to": "ha1", "rate": "90Gbps", "duration": "1h"},
        )
        assert status == 409, rejected
        assert "error" in rejected
        url = f"{controller.api_url}/api/v1/reservations"
        async with aiohttp.ClientSession() as http, http.get(url) as response:
            assert [r["task"] for r in await response.json()] == ["train-1"]
        await settle(controller)
        await assert_in_sync(fabric, controller)
        first_link = fabric.topology.links[admitted["path"][0]]
        port = first_link.end("e1").port
        e1 = installed_groups(await switch_state(fabric, controller, "e1"))
        assert e1[next_id(fabric, "a1")].get(port, 0) > 0, "reserved path not in the weights"
        kinds = [e["kind"] for e in controller.events("reservation", "reservation_rejected")]
        assert kinds == ["reservation", "reservation_rejected"]
    finally:
        async with aiohttp.ClientSession() as http:
            await http.delete(f"{controller.api_url}/api/v1/reservations/train-1")
        await settle(controller)
    assert not service.engine.reservations


async def test_reconciling_an_unchanged_reservation_writes_nothing(
    fabric: Fabric, controller: RunningController
) -> None:
    body = {"task": "steady", "from": "he1", "to": "ha1", "rate": "10Gbps"}
    assert (await post(controller, "reservations", body))[0] == 201
    try:
        await settle(controller)
        # Read back and diff (what a reconnect does), not the update from the known state.
        fleet = controller.service.fleet
        plans = {name: await fleet.sync(name) for name in fabric.topology.switches}
        assert {n: p.summary() for n, p in plans.items() if p} == {}
    finally:
        async with aiohttp.ClientSession() as http:
            await http.delete(f"{controller.api_url}/api/v1/reservations/steady")
        await settle(controller)


# -- 5. switch restart -----------------------------------------------------------------------

RESTARTED, RESTARTED_LINK = "c1", "c1:4-a1:1"  # c1 port 4


async def test_a_restarted_switch_numbering_from_one_again_is_heard(
    fabric: Fabric, controller: RunningController
) -> None:
    service = controller.service
    device = fabric.topology.switches[RESTARTED].device_id
    port = link_ports(fabric, RESTARTED_LINK)[RESTARTED]
    # Before the restart c1 numbers a few events: the link fails (and is refreshed), recovers.
    fabric.set_link(RESTARTED_LINK, up=False)
    try:
        await poll(
            lambda: RESTARTED_LINK in service.solution.failed_links,
            "TE without the link",
            EVENT_TIMEOUT_S,
        )
    finally:
        await restore_link(fabric, controller, RESTARTED_LINK)
    numbered = await fn_sequence(fabric, controller, RESTARTED)
    assert numbered >= 2, "c1 reported no failure and recovery"

    seq = service.events.last_seq
    fabric.restart_switch(RESTARTED)
    await poll(
        lambda: (
            service.fleet.ready(RESTARTED)
            and bool(service.events.since(seq, frozenset({"switch_ready"})))
        ),
        "the restarted c1 ready again",
        120.0,
    )
    # Its neighbours declared their ports to the silent c1 dead meanwhile; probes heard again
    # bring the links back, and c1's own port is armed once it hears the first probe.
    await poll(lambda: not service.solution.failed_links, "every link back in TE", 30.0)
    await poll_register(fabric, controller, RESTARTED, "probe_last_rx", port)
    await settle(controller)

    fabric.set_link(RESTARTED_LINK, up=False)
    try:
        # c1 numbers from 1 again; its neighbours accept its first FN (no replay of the
        # numbers they kept from before) and punt it, and the controller takes it as news.
        def from_restarted() -> list[dict[str, Any]]:
            return [n for n in failure_notes(controller, seq) if n["originator"] == device]

        await poll(lambda: bool(from_restarted()), "c1's failure FN via a neighbour", 10.0)
        note = from_restarted()[0]
        assert note["switch"] != RESTARTED and note["sequence"] == 1, note
        assert note["object"] == f"port {device}:{port}" and not note["replay"], note
    finally:
        await restore_link(fabric, controller, RESTARTED_LINK)


async def poll_register(
    fabric: Fabric, controller: RunningController, switch: str, register: str, index: int
) -> None:
    """Until the cell is not 0 (read every 50 ms, EVENT_TIMEOUT_S at most)."""
    deadline = time.monotonic() + EVENT_TIMEOUT_S
    while not await register_cell(fabric, controller, switch, register, index):
        assert time.monotonic() < deadline, f"{switch} {register}[{index}] still 0"
        await asyncio.sleep(0.05)


# -- 6. controller restart -------------------------------------------------------------------

_SUMMARY = re.compile(r"(\d+) inserted, (\d+) modified, (\d+) deleted")


def reconcile_counts(controller: RunningController) -> dict[str, tuple[int, int, int]]:
    """Per switch, what the first reconcile of this controller wrote."""
    counts = {}
    for event in controller.events("switch_ready"):
        match = _SUMMARY.fullmatch(event["reconciled"])
        assert match, event
        counts[event["switch"]] = (int(match[1]), int(match[2]), int(match[3]))
    return counts


async def test_controller_restart_reconciles_without_duplicates_or_missing_entries(
    fabric: Fabric, controllers: Controllers
) -> None:
    before_restart = await controllers.ensure(E2eSettings())
    snapshot = {s: await switch_state(fabric, before_restart, s) for s in fabric.topology.switches}
    await before_restart.stop()

    # While no controller runs, e1 loses a route and gains one nobody asked for.
    e1 = fabric.switches["e1"]
    lost = fy.P4TableEntry("ipv4_routes", match=fy.P4TableMatch(ipv4_dst="10.0.2.0/24"))
    stray = fy.P4TableEntry(
        "ipv4_routes",
        match=fy.P4TableMatch(ipv4_dst="192.0.2.0/24"),
        action=fy.P4TableAction("set_next_id", next_id=next_id(fabric, "a1")),
    )
    # Not below the highest election id the switch has seen, or it refuses a primary (P4Runtime
    # arbitration); the restarted controller uses the same id once this session is gone.
    election_id = before_restart.service.config.election_id
    intruder = P4RuntimeClient(e1.address, e1.device_id, election_id=election_id)
    assert (await intruder.connect()).status.code == 0, "the intruder is not primary"
    try:
        await intruder.write(
            [
                p4r.Update(type=p4r.Update.DELETE, entity=lost.encode(before_restart.schema)),
                p4r.Update(type=p4r.Update.INSERT, entity=stray.encode(before_restart.schema)),
            ]
        )
    finally:
        await intruder.close()

    # Probes off: this test is about reconciliation; a restart's probe gap is the next test.
    after = await controllers.start(E2eSettings(probes=False))
    counts = reconcile_counts(after)
    defaults = {
        s: sum(
            e.table_entry.is_default_action for e in after.desired(s) if e.HasField("table_entry")
        )
        for s in fabric.topology.switches
    }
    for switch, (inserted, modified, deleted) in counts.items():
        repaired = 1 if switch == "e1" else 0
        assert (inserted, deleted) == (repaired, repaired), f"{switch}: {counts[switch]}"
        # Default entries are not read back by every version of the fleet: rewritten at most.
        assert modified <= defaults[switch], f"{switch}: {counts[switch]}"
    assert set(counts) == set(fabric.topology.switches)
    await settle(after)
    await assert_in_sync(fabric, after)
    for switch, entities in snapshot.items():
        diff = compare_state(entities, await switch_state(fabric, after, switch))
        assert not diff, f"{switch} changed across the restart: {diff}"


async def test_a_controller_restart_reports_no_false_failures(
    fabric: Fabric, controllers: Controllers
) -> None:
    await controllers.ensure(E2eSettings())  # a controller that probes, so ports are armed
    restarted = await controllers.start(E2eSettings())
    interval = restarted.service.config.thresholds.probe_interval_s
    false_failure = await eventually(
        lambda: bool(restarted.events("link_state")), 10 * interval + 1.0
    )
    assert not false_failure, restarted.events("link_state")
