"""Periodic read-back audit: state changed behind the controller's back gets repaired.

Installs between (re)connects diff against what a switch is known to hold, without reading it
(`controller.p4rt.Fleet.update`), so an entry deleted or modified by another P4Runtime client
(another role, a shell session), or lost by a switch that did not restart, would stay wrong
until the next reconnect. Every `audit_interval` the auditor reads each ready switch back
through the fleet's one reconcile path (`Fleet.audit`: read, diff, write the difference),
one switch after the other so the read-backs do not stall every switch at once. Drift is
logged, recorded as an `audit_drift` event and counted in Prometheus; a clean switch costs
its read-back and nothing else.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from controller.eventlog import EventLog
from controller.metrics import Metrics
from controller.p4rt import Audit, Fleet

LOG = logging.getLogger(__name__)


class Auditor:
    def __init__(
        self,
        fleet: Fleet,
        events: EventLog,
        metrics: Metrics,
        interval_s: float,
        on_error: Callable[[], None],
    ) -> None:
        """`on_error` runs when an audit fails (the switch is then in an unknown state;
        the caller makes sure an install reads it back soon)."""
        self.fleet = fleet
        self.events = events
        self.metrics = metrics
        self.interval_s = interval_s
        self.on_error = on_error
        self.rounds = 0
        #: Entities found drifted and rewritten so far, over all switches.
        self.drift_found = 0

    async def run(self) -> None:
        """Audit every ready switch each interval, until cancelled (never when 0)."""
        if self.interval_s <= 0:
            return
        while True:
            await asyncio.sleep(self.interval_s)
            await self.round()

    async def round(self) -> dict[str, Audit | None]:
        """Audit the ready switches now, one after the other; None for a failed audit."""
        results = {}
        for name in [n for n in self.fleet.switches if self.fleet.ready(n)]:
            results[name] = await self.audit(name)
        self.rounds += 1
        return results

    async def audit(self, name: str) -> Audit | None:
        try:
            result = await self.fleet.audit(name)
        except Exception as exc:
            LOG.warning("%s: audit failed: %s", name, exc)
            self.metrics.audits.labels(name, "error").inc()
            self.events.record("audit_error", switch=name, error=str(exc) or type(exc).__name__)
            self.on_error()
            return None
        if not result:
            self.metrics.audits.labels(name, "clean").inc()
            return result
        drift = result.drift
        self.metrics.audits.labels(name, "drift").inc()
        for change, count in (
            ("missing", drift.inserted),
            ("changed", drift.modified),
            ("unexpected", drift.deleted),
            ("subscription", result.subscriptions),
        ):
            if count:
                self.metrics.audit_drift.labels(name, change).inc(count)
        repaired = len(result.repair.updates) + result.subscriptions
        self.metrics.audit_repaired.labels(name).inc(repaired)
        self.drift_found += len(drift.updates) + result.subscriptions
        LOG.warning(
            "%s: audit found drift (%s, %d digest subscriptions); repaired with %d writes",
            name,
            drift.summary(),
            result.subscriptions,
            repaired,
        )
        self.events.record(
            "audit_drift",
            switch=name,
            missing=drift.inserted,
            changed=drift.modified,
            unexpected=drift.deleted,
            subscriptions=result.subscriptions,
            repaired=repaired,
        )
        return result
