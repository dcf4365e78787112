"""Prometheus metrics of one controller (served at `/metrics` by the API).

Each service owns a registry, so several controllers can run in one process (tests).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

#: Solve and install times range from about a millisecond (small topologies) to seconds.
_SECONDS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        arc = ["link", "from_switch"]
        self.link_utilization = Gauge(
            "fantel_link_utilization",
            "Measured utilization per link direction (status digests and status FNs)",
            arc,
            registry=self.registry,
        )
        self.planned_utilization = Gauge(
            "fantel_te_link_utilization",
            "Utilization per link direction in the current TE solution",
            arc,
            registry=self.registry,
        )
        self.max_utilization = Gauge(
            "fantel_te_max_utilization",
            "Maximum link utilization of the current TE solution",
            registry=self.registry,
        )
        self.notifications = Counter(
            "fantel_notifications",
            "Fast notifications received by the controller, by FN type",
            ["type"],
            registry=self.registry,
        )
        self.digests = Counter(
            "fantel_status_digests",
            "Status digests received, by reported level",
            ["level"],
            registry=self.registry,
        )
        self.auth_failures = Counter(
            "fantel_auth_failures",
            "SEM/FN authentication failures reported by digest, by domain and result",
            ["domain", "result"],
            registry=self.registry,
        )
        self.solve_seconds = Histogram(
            "fantel_te_solve_seconds", "TE solve time", buckets=_SECONDS, registry=self.registry
        )
        self.install_seconds = Histogram(
            "fantel_install_seconds",
            "Time to reconcile all switches after a change",
            buckets=_SECONDS,
            registry=self.registry,
        )
        self.reservations = Gauge(
            "fantel_reservations", "Admitted bandwidth reservations", registry=self.registry
        )
        self.audits = Counter(
            "fantel_audits",
            "Read-back audits of a switch, by result (clean, drift, error)",
            ["switch", "result"],
            registry=self.registry,
        )
        self.audit_drift = Counter(
            "fantel_audit_drift_entities",
            "Entities an audit found drifted: missing, changed, unexpected (not ours), or "
            "digest subscriptions",
            ["switch", "change"],
            registry=self.registry,
        )
        self.audit_repaired = Counter(
            "fantel_audit_repaired_entities",
            "Writes audits made to repair drift",
            ["switch"],
            registry=self.registry,
        )
        self.link_failures = Counter(
            "fantel_link_failures",
            "Link failures reported by notifications that took the link out of TE",
            ["link"],
            registry=self.registry,
        )
        self.flaps_damped = Counter(
            "fantel_link_flaps_damped",
            "Link failures during a recovery hold-down: no re-solve, the link was still out of TE",
            ["link"],
            registry=self.registry,
        )
        self.hold_downs = Counter(
            "fantel_link_hold_downs",
            "Recoveries held down before the link went back into TE",
            ["link"],
            registry=self.registry,
        )
        self.hold_down_seconds = Gauge(
            "fantel_link_hold_down_seconds",
            "Length of the link's latest recovery hold-down",
            ["link"],
            registry=self.registry,
        )
        self.readmissions = Counter(
            "fantel_link_readmissions",
            "Links put back into TE after their hold-down",
            ["link"],
            registry=self.registry,
        )

    def exposition(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)
