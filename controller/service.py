"""The running controller: topology + TE engine + P4Runtime fleet, driven by events.

Events come from the switches (FNs punted as PacketIns, status digests), from the API
(reservations, demands, link down/up for experiments, policy and threshold changes) and from
the clock (soft-state and reservation expiry). Every event only changes the TE engine's inputs
and marks the solution stale; a single resolver task re-solves once per burst (it waits until
events have been quiet for `te.debounce`, but never longer than `te.max_delay` after the first
one) and then reconciles every switch against the new intent (`controller.programming`). A burst
that contains a failure is solved in the engine's fast mode first and refined by a full solve in
the next round.

`ControllerService` is self-contained so tests and the testbed can run it in-process:

    service = ControllerService(topology, config, targets=..., pipeline=...)
    await service.start(); ...; await service.stop()
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import pathlib
import secrets
import time
from collections import Counter as Tally
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import finsy as fy

from controller.audit import Auditor
from controller.config import ConfigError, ControllerConfig, PipelineFiles, Policy, Thresholds
from controller.contract import AuthKey
from controller.damping import FlapDamper
from controller.eventlog import EventLog
from controller.halfsiphash import KEY_LEN
from controller.metrics import Metrics
from controller.notifications import Condition, Notification, ObjectRef, SoftState
from controller.p4rt import Fleet, FleetHandlers, Pipeline, SwitchTarget
from controller.probes import probe_forever
from controller.programming import Intent, MeteredReservation, switch_entities
from controller.readiness import disarm_liveness, replay_reset
from controller.reconcile import Plan
from controller.semantic import AuthDomain, AuthResult, expert_load_entry
from controller.targets import TargetError, TargetKind, build_pipeline, select_target
from controller.te import AdmissionError, TeSolution, TrafficEngine
from controller.te.paths import Arc, Pair, Path
from controller.topology import Topology
from controller.wire import MetricKind, ObjectKind, StatusLevel, WireFormatError

LOG = logging.getLogger(__name__)

STATUS_DIGEST = "status_digest_t"
AUTH_DIGEST = "auth_digest_t"
#: How often expiry of soft state and reservations is checked.
HOUSEKEEPING_INTERVAL_S = 0.05
#: Delay before an install that failed is tried again.
INSTALL_RETRY_S = 1.0
#: Punted FN frames whose decode is kept for the identical copies other neighbours punt.
DECODED_FRAMES = 1024


class PipelineError(ValueError):
    """The configured P4 program could not be compiled or its files read."""


@dataclass(frozen=True)
class ReservationView:
    task: str
    src: str
    dst: str
    rate_bps: float
    expires_at: float | None  # wall clock; None = until released
    links: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "from": self.src,
            "to": self.dst,
            "rate_bps": self.rate_bps,
            "expires_at": self.expires_at,
            "path": list(self.links),
        }


def resolve_pipeline(
    files: PipelineFiles, workdir: pathlib.Path, target: TargetKind | None = None
) -> Pipeline:
    """The P4Info and device config to push: given files, or the program built for the target
    the switches run (`controller.targets`: BMv2 JSON from p4c-bm2-ss, or the embedded
    target's source bundle). `target` defaults to `select_target(files.target)`."""
    if files.p4info is not None and files.device_config is not None:
        return Pipeline(files.p4info, files.device_config)
    if files.program is None:
        raise ConfigError(
            "<config>", 0, "pipeline", "no pipeline: give program or p4info + device_config"
        )
    try:
        chosen = target if target is not None else select_target(files.target)
        return build_pipeline(files.program, files.include_dirs, files.defines, chosen, workdir)
    except TargetError as err:
        raise PipelineError(str(err)) from err


class ControllerService:
    def __init__(
        self,
        topology: Topology,
        config: ControllerConfig,
        *,
        pipeline: Pipeline,
        targets: Sequence[SwitchTarget] | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        config.check(topology)
        self.topology = topology
        self.config = config
        self.pipeline = pipeline
        self._wall = wall_clock
        self.events = EventLog(config.event_log, clock=wall_clock)
        self.metrics = Metrics()
        self.soft_state = SoftState()
        self.damper = FlapDamper(config.damping)
        self.engine = TrafficEngine(
            topology.graph(), k_paths=config.te.k_paths, max_group_weight=config.te.max_group_weight
        )
        #: Demands set through the API or scaled from digests, and congestion boosts per FN object.
        self.base_demands: dict[Pair, float] = {}
        self._boosts: dict[ObjectRef, tuple[Pair, float]] = {}
        self._expiry: dict[str, float | None] = {}
        #: task -> its endpoints as given (host or switch names), for the edge meters.
        self._metered: dict[str, tuple[str, str]] = {}
        #: (link, from switch) -> measured utilization (status digests and status FNs).
        self.measured: dict[Arc, float] = {}
        #: (domain, result) -> authentication failures reported by digest.
        self.auth_failures: dict[tuple[str, str], int] = {}
        self.solution: TeSolution = self.engine.solve()
        self._intent: Intent | None = None
        self._desired_of: dict[str, tuple[Intent, list[fy.p4entity.P4Entity]]] = {}
        self._decoded: dict[bytes, Notification] = {}
        self.solves = 0
        self._note_solution(self.solution)
        self.targets = list(targets) if targets is not None else self._targets_from_config()
        self.fleet = Fleet(
            self.targets,
            pipeline,
            self._desired,
            FleetHandlers(
                packet_in=self._on_packet_in,
                digest=self._on_digest,
                ready=self._on_ready,
                connected=self._on_connected,
                digest_ids=(STATUS_DIGEST, AUTH_DIGEST),
            ),
            election_id=config.election_id,
        )
        self._engine_lock = asyncio.Lock()
        self._pending: list[str] = []
        self._failure_pending = False
        self._first_pending = self._last_event = 0.0
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._solving = False
        self._tasks: list[asyncio.Task[None]] = []
        self._retry: asyncio.TimerHandle | None = None
        self.auditor = Auditor(
            self.fleet, self.events, self.metrics, config.audit_interval_s, self._schedule_retry
        )

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        self.events.record("controller_start", switches=[t.name for t in self.targets])
        self._tasks = [
            asyncio.create_task(self.fleet.run(), name="fleet"),
            asyncio.create_task(self._resolve_loop(), name="resolver"),
            asyncio.create_task(self._housekeeping_loop(), name="housekeeping"),
            asyncio.create_task(self.auditor.run(), name="audit"),
        ]
        if self.config.probes:
            prober = probe_forever(
                self.topology, self.fleet, self.config.thresholds.probe_interval_s
            )
            self._tasks.append(asyncio.create_task(prober, name="probes"))

    async def stop(self) -> None:
        if self._retry is not None:
            self._retry.cancel()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        self.events.record("controller_stop")
        self.events.close()

    async def wait_idle(self) -> None:
        """Until every recorded event has been solved and installed, including recoveries
        waiting out their hold-down (`controller.damping`)."""
        await self._idle.wait()

    def now(self) -> float:
        """The controller's wall clock (notifications, soft state, hold-downs)."""
        return self._wall()

    def _targets_from_config(self) -> list[SwitchTarget]:
        return [
            SwitchTarget(s.name, self.config.address_of(s.name, s.device_id), s.device_id)
            for s in self.topology.switches.values()
        ]

    # -- the resolver ------------------------------------------------------------------------

    def _touch(self, reason: str, *, failure: bool = False) -> None:
        """Record that the TE inputs changed; the resolver will pick it up."""
        now = asyncio.get_running_loop().time()
        if not self._pending:
            self._first_pending = now
        self._pending.append(reason)
        self._last_event = now
        self._failure_pending |= failure
        self._idle.clear()
        self._wake.set()

    async def _resolve_loop(self) -> None:
        loop = asyncio.get_running_loop()
        debounce, max_delay = self.config.te.debounce_s, self.config.te.max_delay_s
        while True:
            await self._wake.wait()
            while (
                delay := min(self._last_event + debounce, self._first_pending + max_delay)
                - loop.time()
            ) > 0:
                await asyncio.sleep(delay)
            self._wake.clear()
            reasons, self._pending = self._pending, []
            fast, self._failure_pending = self._failure_pending, False
            self._solving = True
            try:
                await self.resolve(reasons, fast=fast)
            finally:
                self._solving = False
            if fast:
                self._touch("refine after fast failure solve")
            self._check_idle()

    def _check_idle(self) -> None:
        """Idle: nothing to solve, nothing being solved, no link waiting out a hold-down
        (its re-admission is work still to come)."""
        if not self._pending and not self._solving and not self.damper.pending():
            self._idle.set()

    async def resolve(self, reasons: Sequence[str] = ("manual",), *, fast: bool = False) -> None:
        """Solve now and install the result (the resolver calls this once per burst)."""
        async with self._engine_lock:
            self._apply_demands()
            started = time.perf_counter()
            solution = await asyncio.to_thread(partial(self.engine.solve, fast=fast))
            seconds = time.perf_counter() - started
        self.solves += 1
        self.solution = solution
        self._note_solution(solution)
        self.metrics.solve_seconds.observe(seconds)
        self.events.record(
            "te_solve",
            reasons=dict(Tally(reasons)),
            fast=fast,
            seconds=seconds,
            max_utilization=solution.max_utilization,
            feasible=solution.feasible,
            failed_links=sorted(solution.failed_links),
            displaced_reservations=solution.displaced_reservations,
        )
        for task in solution.displaced_reservations:
            self._expiry.pop(task, None)
            self._metered.pop(task, None)
        await self.install("te")

    async def install(self, why: str) -> dict[str, Plan]:
        """Reconcile every ready switch with the current intent."""
        started = time.perf_counter()
        try:
            plans = await self.fleet.sync_all()
        except Exception as exc:
            LOG.exception("install failed")
            self.events.record("install_error", why=why, error=str(exc) or type(exc).__name__)
            self._schedule_retry()
            return {}
        seconds = time.perf_counter() - started
        self.metrics.install_seconds.observe(seconds)
        self.events.record(
            "install",
            why=why,
            seconds=seconds,
            switches={name: plan.summary() for name, plan in plans.items()},
        )
        return plans

    def _schedule_retry(self) -> None:
        """A switch refused a write (or an audit failed): it may hold anything now, and the
        next install reads it back and repairs it. Make sure there is one, even if no event
        comes."""
        if self._retry is None:
            self._retry = asyncio.get_running_loop().call_later(
                INSTALL_RETRY_S, self._retry_install
            )

    def _retry_install(self) -> None:
        self._retry = None
        self._touch("retry after an install error")

    def _apply_demands(self) -> None:
        demands = dict(self.base_demands)
        for pair, rate in self._boosts.values():
            demands[pair] = max(demands.get(pair, 0.0), rate)
        self.engine.set_demands(demands)

    def _note_solution(self, solution: TeSolution) -> None:
        self.metrics.max_utilization.set(solution.max_utilization)
        for (link, tail), value in solution.arc_utilization.items():
            self.metrics.planned_utilization.labels(link, tail).set(value)

    def intent(self) -> Intent:
        """The current intent; the same object until its inputs change, so what it derives
        (watched objects, port maps) is computed once per change, not once per switch."""
        reservations = tuple(
            MeteredReservation(*self._metered[task], r.rate_bps)
            for task, r in sorted(self.engine.reservations.items())
            if task in self._metered
        )
        current = self._intent
        if (
            current is None
            or current.solution is not self.solution
            or current.config is not self.config
            or current.reservations != reservations
        ):
            current = self._intent = Intent(self.topology, self.config, self.solution, reservations)
        return current

    def _desired(self, switch: str) -> list[fy.p4entity.P4Entity]:
        """The same list while the intent is unchanged (the fleet then skips encoding and
        diffing it)."""
        intent = self.intent()
        last = self._desired_of.get(switch)
        if last is None or last[0] is not intent:
            last = self._desired_of[switch] = (intent, switch_entities(intent, switch))
        return last[1]

    # -- events from the switches ------------------------------------------------------------

    async def _on_connected(self, switch: str) -> None:
        """Before `switch` is reconciled, so before it can send an FN: it may have restarted
        and number its FNs from 1 again, so the controller and every other switch forget the
        sequences they kept for it; and it forgets those it kept for the others, which may
        have restarted while it was away (`controller.readiness`)."""
        self.soft_state.forget(self.topology.switches[switch].device_id)
        await self.fleet.write(switch, replay_reset(self.topology, self.topology.switches))
        cells = replay_reset(self.topology, [switch])
        others = [n for n in self.fleet.configured() if n != switch]
        results = await asyncio.gather(
            *(self.fleet.write(n, cells) for n in others), return_exceptions=True
        )
        for name, result in zip(others, results, strict=True):
            if isinstance(result, Exception):  # it went down: it resets its own when back
                LOG.warning("%s: replay state for %s not reset: %s", name, switch, result)

    async def _on_ready(self, switch: str, plan: Plan) -> None:
        """Reconciled: disarm liveness before this controller's probes start on the switch."""
        await self.fleet.write(switch, disarm_liveness(self.topology, switch))
        self.events.record("switch_ready", switch=switch, reconciled=plan.summary())

    async def _on_packet_in(self, switch: str, packet: fy.P4PacketIn) -> None:
        await self.handle_frame(switch, packet.payload, int(packet.metadata.get("ingress_port", 0)))

    def _notification(self, frame: bytes, switch: str) -> Notification:
        """Decode a punted FN. Every neighbour punts the same flood copy, byte for byte, so
        the copies after the first reuse its decode (scapy takes ~0.5 ms a frame, and a
        flood on the large topology is punted by a dozen switches)."""
        now = self._wall()
        known = self._decoded.get(frame)
        if known is not None:
            return replace(known, received_by=switch, received_at=now)
        note = Notification.from_frame(frame, switch, now)
        if len(self._decoded) >= DECODED_FRAMES:
            del self._decoded[next(iter(self._decoded))]  # the oldest
        self._decoded[frame] = note
        return note

    async def handle_frame(self, switch: str, frame: bytes, ingress_port: int = 0) -> None:
        """A punted FN: log it with both clocks, update soft state, turn changes into TE events."""
        try:
            note = self._notification(frame, switch)
        except WireFormatError as exc:
            self.events.record("bad_packet_in", switch=switch, port=ingress_port, error=str(exc))
            return
        self.metrics.notifications.labels(note.fn_type.name.lower()).inc()
        replays = self.soft_state.replays
        change = self.soft_state.apply(note)
        replay = self.soft_state.replays > replays  # not newer; a refresh is no replay
        self.events.record(
            "notification", **note.as_event(), ingress_port=ingress_port, replay=replay
        )
        if note.metric_kind == MetricKind.LOAD and note.target.kind == ObjectKind.PORT:
            self._measure(note.target, note.metric_value)
        if change is not None:
            await self._apply_change(
                change.condition, change.target, change.active, note, note.received_at
            )

    async def _apply_change(
        self,
        condition: Condition,
        target: ObjectRef,
        active: bool,
        note: Notification | None,
        now: float,
    ) -> None:
        arc = self._arc_of(target)
        if arc is None:
            self.events.record("unknown_object", object=str(target), condition=condition.value)
            return
        link, tail = arc
        if condition == Condition.FAILED:
            await self._link_end(link, tail, now, failed=active)
        elif condition == Condition.CONGESTED:
            if active and note is not None and note.five_tuple is not None:
                pair = self._pair_of_flow(note.five_tuple[0], note.five_tuple[1])
                if pair is not None:
                    capacity = self.topology.links[link].testbed_bps
                    self._boosts[target] = (pair, capacity)
                    self.events.record(
                        "demand_boost", pair=list(pair), rate_bps=capacity, link=link, switch=tail
                    )
                    self._touch(f"congestion on {link}")
            elif not active and self._boosts.pop(target, None) is not None:
                self._touch(f"congestion ended on {link}")

    async def _link_end(self, link: str, end: str, now: float, *, failed: bool) -> None:
        """One end of a link failed or recovered (`controller.damping`): a failure takes the
        link out of TE at once; a recovery only after a hold-down that grows with flaps.
        `now`: the wall-clock time of the notification or expiry."""
        if failed:
            outcome = self.damper.failed(link, end, now)
            if outcome.interrupted_hold_down:
                self.metrics.flaps_damped.labels(link).inc()
                self.events.record("link_flap", link=link, switch=end, penalty=outcome.penalty)
            if outcome.takes_down:
                async with self._engine_lock:
                    self.engine.link_down(link)
                self.metrics.link_failures.labels(link).inc()
                self.events.record("link_state", link=link, up=False, cause="notification")
                self._touch(f"failure detected on {link}", failure=True)
            self._check_idle()  # an interrupted hold-down leaves nothing to do
            return
        hold = self.damper.recovered(link, end, now)
        if hold is not None and hold.seconds > 0:
            self._idle.clear()
            self.metrics.hold_downs.labels(link).inc()
            self.metrics.hold_down_seconds.labels(link).set(hold.seconds)
            self.events.record(
                "link_hold_down", link=link, seconds=hold.seconds, penalty=hold.penalty
            )
        await self._readmit_due(now)

    async def _readmit_due(self, now: float) -> None:
        """Links whose hold-down ended go back into TE."""
        for link in self.damper.due(now):
            async with self._engine_lock:
                self.engine.link_up(link)
            self.metrics.readmissions.labels(link).inc()
            self.events.record("link_state", link=link, up=True, cause="notification")
            self._touch(f"failure ended on {link}")

    def _arc_of(self, target: ObjectRef) -> Arc | None:
        """(link, switch) of a port object `node << 16 | port`, if it is a switch link."""
        if target.kind != ObjectKind.PORT:
            return None
        node = self.topology.switch_by_device_id(target.id >> 16)
        if node is None:
            return None
        neighbour = self.topology.port_map(node.name).get(target.id & 0xFFFF)
        if neighbour is None or neighbour.link is None:
            return None
        return (neighbour.link.name, node.name)

    def _pair_of_flow(self, src_ip: str, dst_ip: str) -> Pair | None:
        src, dst = self.topology.host_by_ip(src_ip), self.topology.host_by_ip(dst_ip)
        if src is None or dst is None or src.switch == dst.switch:
            return None
        return (src.switch, dst.switch)

    async def _on_digest(self, switch: str, digests: fy.P4DigestList) -> None:
        for data in digests:
            if not isinstance(data, Mapping):
                continue
            if digests.digest_id == AUTH_DIGEST:
                self.handle_auth_failure(switch, {k: int(v) for k, v in data.items()})
            else:
                await self.handle_status(
                    switch,
                    int(data["node_id"]),
                    int(data["port"]),
                    int(data["level"]),
                    int(data["load"]),
                )

    async def handle_status(
        self, switch: str, node_id: int, port: int, level: int, load: int
    ) -> None:
        """A status digest: a port's load (bytes per status window) crossed a threshold."""
        self.metrics.digests.labels(StatusLevel(level).name.lower()).inc()
        target = ObjectRef(ObjectKind.PORT, node_id << 16 | port)
        self.events.record(
            "status_digest", switch=switch, node_id=node_id, port=port, level=level, load=load
        )
        arc = self._measure(target, load)
        if arc is not None and level == StatusLevel.HIGH and self._scale_demands(arc):
            self._touch(f"high load on {arc[0]}")

    def handle_auth_failure(self, switch: str, digest: Mapping[str, int]) -> None:
        """An `auth_digest_t`: a SEM or FN failed its tag check (dropped or downgraded)."""
        try:
            domain, result = AuthDomain(digest["domain"]), AuthResult(digest["result"])
        except (KeyError, ValueError) as exc:
            self.events.record("bad_digest", switch=switch, digest=dict(digest), error=str(exc))
            return
        labels = (domain.name.lower(), result.name.lower())
        self.metrics.auth_failures.labels(*labels).inc()
        self.auth_failures[labels] = self.auth_failures.get(labels, 0) + 1
        tenant = next(
            (t.name for t in self.topology.tenants.values() if t.id == digest.get("tenant_id")),
            None,
        )
        LOG.warning(
            "%s: %s authentication failure (%s) on port %s, tenant %s key %s from %s",
            switch,
            *labels,
            digest.get("port"),
            tenant,
            digest.get("key_id"),
            ipaddress.IPv4Address(digest.get("ipv4_src", 0)),
        )
        self.events.record(
            "auth_failure",
            switch=switch,
            domain=labels[0],
            result=labels[1],
            port=digest.get("port"),
            tenant=tenant,
            tenant_id=digest.get("tenant_id"),
            key_id=digest.get("key_id"),
            subject=digest.get("subject"),
            ipv4_src=str(ipaddress.IPv4Address(digest.get("ipv4_src", 0))),
            switch_ts_us=digest.get("timestamp"),
        )

    def _measure(self, target: ObjectRef, load_bytes: int) -> Arc | None:
        arc = self._arc_of(target)
        if arc is None:
            return None
        window = self.config.thresholds.status_window_s
        utilization = load_bytes * 8 / window / self.topology.links[arc[0]].testbed_bps
        self.measured[arc] = utilization
        self.metrics.link_utilization.labels(*arc).set(utilization)
        return arc

    def _scale_demands(self, arc: Arc) -> bool:
        """Scale the demands the model routes over `arc` up to the measured load on it."""
        capacity = self.topology.links[arc[0]].testbed_bps
        measured_bps = self.measured[arc] * capacity
        modelled = self.solution.arc_load_bps.get(arc, 0.0)
        if modelled <= 0 or measured_bps <= modelled:
            return False
        factor = measured_bps / modelled
        pairs = [
            pair
            for pair, flows in self.solution.path_flows.items()
            if any(arc in path.arcs for path, rate in flows if rate > 0)
        ]
        for pair in pairs:
            if pair in self.base_demands:
                self.base_demands[pair] *= factor
        self.events.record(
            "demand_scale",
            link=arc[0],
            switch=arc[1],
            factor=factor,
            pairs=[list(p) for p in pairs],
        )
        return bool(pairs)

    # -- events from the clock ---------------------------------------------------------------

    async def _housekeeping_loop(self) -> None:
        while True:
            await asyncio.sleep(HOUSEKEEPING_INTERVAL_S)
            await self.expire()

    async def expire(self, now: float | None = None) -> None:
        """End soft state whose lifetime ran out and reservations whose time is up; links
        whose hold-down ended go back into TE."""
        now = self._wall() if now is None else now
        for change in self.soft_state.expire(now):
            self.events.record(
                "expired", condition=change.condition.value, object=str(change.target)
            )
            await self._apply_change(change.condition, change.target, False, None, now)
        await self._readmit_due(now)
        for task, deadline in list(self._expiry.items()):
            if deadline is not None and deadline <= now:
                await self.release(task, cause="expired")

    # -- operator actions (the API) ----------------------------------------------------------

    async def link_down(self, link: str) -> None:
        """Operator actions take effect at once and override notification state (damping)."""
        async with self._engine_lock:
            self.engine.link_down(link)
        self.damper.reset(link)
        self.events.record("link_state", link=link, up=False, cause="operator")
        self._touch(f"operator: {link} down", failure=True)

    async def link_up(self, link: str) -> None:
        async with self._engine_lock:
            self.engine.link_up(link)
        self.damper.reset(link)
        self.events.record("link_state", link=link, up=True, cause="operator")
        self._touch(f"operator: {link} up")

    def endpoint(self, name: str) -> str:
        """A switch name, or the switch a host (by name or IP) hangs off."""
        if name in self.topology.switches:
            return name
        host = self.topology.hosts.get(name)
        if host is None:
            try:
                host = self.topology.host_by_ip(name)
            except ValueError:
                host = None
        if host is None:
            raise KeyError(f"unknown switch or host {name!r}")
        return host.switch

    def _endpoint_name(self, name: str) -> str:
        """A host (by name or IP) or switch name, as the edge meters match it."""
        if name in self.topology.switches or name in self.topology.hosts:
            return name
        host = self.topology.host_by_ip(name)
        assert host is not None, "endpoint() accepted it"
        return host.name

    async def candidate_paths(self, src: str, dst: str) -> list[Path]:
        """The engine's live k-shortest candidates (computing them may fill its cache)."""
        async with self._engine_lock:
            return self.engine.candidate_paths(src, dst)

    async def set_demand(self, src: str, dst: str, rate_bps: float) -> None:
        pair = (self.endpoint(src), self.endpoint(dst))
        async with self._engine_lock:
            self.engine.set_demand(*pair, rate_bps)  # validates; _apply_demands sets it again
        if rate_bps == 0:
            self.base_demands.pop(pair, None)
        else:
            self.base_demands[pair] = rate_bps
        self.events.record("demand", src=pair[0], dst=pair[1], rate_bps=rate_bps)
        self._touch("demand")

    async def reserve(
        self, task: str, src: str, dst: str, rate_bps: float, duration_s: float | None
    ) -> ReservationView:
        """Admit a reservation or raise AdmissionError (the API answers 409)."""
        if duration_s is not None and duration_s <= 0:
            raise AdmissionError(f"duration must be positive, got {duration_s}")
        pair = (self.endpoint(src), self.endpoint(dst))
        try:
            async with self._engine_lock:
                self.engine.reserve(task, *pair, rate_bps)
        except AdmissionError as exc:
            self.events.record(
                "reservation_rejected",
                task=task,
                src=src,
                dst=dst,
                rate_bps=rate_bps,
                reason=str(exc),
            )
            raise
        self._expiry[task] = None if duration_s is None else self._wall() + duration_s
        self._metered[task] = (self._endpoint_name(src), self._endpoint_name(dst))
        view = self.reservation(task)
        self.events.record("reservation", **view.as_dict())
        self.metrics.reservations.set(len(self.engine.reservations))
        self._touch(f"reservation {task}")
        return view

    async def release(self, task: str, cause: str = "operator") -> None:
        async with self._engine_lock:
            self.engine.release(task)  # KeyError when unknown
        self._expiry.pop(task, None)
        self._metered.pop(task, None)
        self.events.record("reservation_released", task=task, cause=cause)
        self.metrics.reservations.set(len(self.engine.reservations))
        self._touch(f"release {task}")

    def reservation(self, task: str) -> ReservationView:
        r = self.engine.reservations[task]
        links = tuple(hop.link for hop in r.path.hops)
        return ReservationView(task, r.src, r.dst, r.rate_bps, self._expiry.get(task), links)

    def reservations(self) -> list[ReservationView]:
        return [self.reservation(t) for t in sorted(self.engine.reservations)]

    async def set_policy(self, policy: Policy) -> None:
        """Replace the rules and SEM-aware hosts (tenant limits are kept)."""
        policy = replace(policy, max_urgency=self.config.policy.max_urgency)
        self._reconfigure(self.config.with_policy(policy), "policy")
        await self.install("policy")

    async def set_tenant_limit(self, tenant: str, max_urgency: int) -> None:
        if tenant not in self.topology.tenants:
            raise KeyError(f"unknown tenant {tenant!r}")
        limits = {**self.config.policy.max_urgency, tenant: max_urgency}
        self._reconfigure(
            self.config.with_policy(replace(self.config.policy, max_urgency=limits)), "tenant"
        )
        await self.install("tenant")

    async def set_thresholds(self, thresholds: Thresholds) -> None:
        self._reconfigure(self.config.with_thresholds(thresholds), "thresholds")
        await self.install("thresholds")

    async def rotate_key(self, tenant: str) -> AuthKey:
        """Start a key rotation: a fresh random key next to the tenant's current one. Senders
        move to it, then `retire_key` removes the old one; both verify in between."""
        contract, key = self.config.contract.rotate(tenant, secrets.token_bytes(KEY_LEN))
        self._reconfigure(self.config.with_contract(contract), "keys")
        self.events.record("key_rotation", tenant=tenant, key_id=key.key_id)
        await self.install("keys")
        return key

    async def retire_key(self, tenant: str, key_id: int) -> None:
        self._reconfigure(
            self.config.with_contract(self.config.contract.retire(tenant, key_id)), "keys"
        )
        self.events.record("key_retired", tenant=tenant, key_id=key_id)
        await self.install("keys")

    async def set_endpoint_health(self, pool: str, address: str, *, up: bool) -> None:
        contract = self.config.contract.set_endpoint(pool, address, up=up)
        self._reconfigure(self.config.with_contract(contract), "pools")
        await self.install("pools")

    async def set_expert(self, expert_id: int, *, enabled: bool) -> None:
        contract = self.config.contract.set_expert(expert_id, enabled=enabled)
        self._reconfigure(self.config.with_contract(contract), "experts")
        await self.install("experts")

    async def set_expert_load(self, expert_id: int, load: int) -> list[str]:
        """Write an expert's reported load to every ready switch (a status write: the switches
        add to it as they place tokens, so it is never reconciled). Returns the switches."""
        if expert_id not in self.config.contract.experts:
            raise KeyError(f"unknown expert {expert_id}")
        entry = expert_load_entry(expert_id, load)
        names = [n for n in self.fleet.switches if self.fleet.ready(n)]
        await asyncio.gather(*(self.fleet.write(n, [entry]) for n in names))
        self.events.record("expert_load", expert=expert_id, load=load, switches=names)
        return names

    def _reconfigure(self, config: ControllerConfig, what: str) -> None:
        config.check(self.topology)
        self.config = config
        self.events.record("config", changed=what)
