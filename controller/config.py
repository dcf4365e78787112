"""The controller's configuration: where the switches are, which pipeline they run, and policy.

One YAML file (format in `docs/controller.md`) says how to reach the switches (explicit gRPC
addresses, or a host and a port base added to each device id), which P4Info and device config
to push, the semantic policy (tenants' urgency limits on top of the topology's tenants,
class-to-queue rules, which hosts keep SEM), the thresholds programmed into the data plane, and
where the API listens and the event log goes.

Errors read `file:line: field: message` like topology errors: the parser reuses the topology
module's YAML-with-lines layer. Policy and thresholds can also be replaced at run time through
the API with the same schema (a JSON body is YAML), so `parse_policy` and `parse_thresholds`
are public.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from controller.contract import CLASS_NAMES, QDEPTH_MAX, QUEUE_MAX, Contract, parse_contract
from controller.damping import DampingSettings
from controller.topology import Topology, parse_delay
from controller.wire import TrafficClass
from controller.yamlsource import LineList, LineMap, SourceError, SourceParser

#: Widths of the P4 fields the thresholds end up in (p4src/include/control/*.p4).
U8_MAX, U16_MAX, U32_MAX = 0xFF, 0xFFFF, 0xFFFFFFFF
#: SEM urgency is 8 bits; v1model has 8 priority queues (QueuePriority_t is 3 bits).
URGENCY_MAX = 255
#: Upper bounds that only catch typos (an audit once a day, a hold-down of an hour).
AUDIT_INTERVAL_MAX_S = 86_400.0
HOLD_DOWN_MAX_S = 3_600.0


class ConfigError(SourceError):
    """A controller config (or a policy/thresholds update) is invalid: `file:line: field: msg`."""


# ---------------------------------------------------------------------------------------------
# The model


@dataclass(frozen=True)
class Thresholds:
    """Data-plane thresholds and timers (issue 5 items 4-6), in SI units."""

    queue_depth_high: int = 64  # packets
    queue_depth_low: int = 16
    sojourn_high_s: float = 2e-3
    sojourn_low_s: float = 0.5e-3
    utilization_high: float = 0.8  # fraction of link capacity, hysteresis between high and low
    utilization_low: float = 0.6
    probe_interval_s: float = 10e-3
    probe_multiplier: int = 3
    fn_min_interval_s: float = 10e-3  # congestion FNs per flow at most once per interval
    fn_lifetime_s: float = 0.2
    fn_hop_limit: int = 2
    status_window_s: float = 10e-3
    flowlet_gap_s: float = 0.5e-3

    def as_dict(self) -> dict[str, Any]:
        """The YAML/JSON shape `parse_thresholds` reads (times in microseconds)."""
        return {
            "queue_depth": {"high": self.queue_depth_high, "low": self.queue_depth_low},
            "sojourn": {"high": _us(self.sojourn_high_s), "low": _us(self.sojourn_low_s)},
            "utilization": {"high": self.utilization_high, "low": self.utilization_low},
            "probe": {
                "interval": _us(self.probe_interval_s),
                "multiplier": self.probe_multiplier,
            },
            "fn": {
                "min_interval": _us(self.fn_min_interval_s),
                "lifetime": _us(self.fn_lifetime_s),
                "hop_limit": self.fn_hop_limit,
            },
            "status_window": _us(self.status_window_s),
            "flowlet_gap": _us(self.flowlet_gap_s),
        }


def _us(seconds: float) -> str:
    return f"{round(seconds * 1e6)}us"


@dataclass(frozen=True)
class PolicyRule:
    """SEM packets matching (tenant, class, urgency range, stage) go to `queue`."""

    queue: int
    tenant: str | None = None  # None: any tenant
    traffic_class: TrafficClass | None = None
    urgency: tuple[int, int] = (0, URGENCY_MAX)
    stage: int | None = None

    def as_dict(self) -> dict[str, Any]:
        rule: dict[str, Any] = {
            "queue": self.queue,
            "urgency": f"{self.urgency[0]}-{self.urgency[1]}",
        }
        if self.tenant is not None:
            rule["tenant"] = self.tenant
        if self.traffic_class is not None:
            rule["class"] = self.traffic_class.name.lower()
        if self.stage is not None:
            rule["stage"] = self.stage
        return rule


@dataclass(frozen=True)
class Policy:
    """Semantic policy; rules are matched first to last."""

    rules: tuple[PolicyRule, ...] = ()
    #: tenant name -> max urgency, overriding the topology's tenant entry.
    max_urgency: dict[str, int] = field(default_factory=dict)
    #: Hosts whose NICs understand SEM: the egress edge does not strip it towards them.
    sem_aware_hosts: frozenset[str] = frozenset()

    def as_dict(self) -> dict[str, Any]:
        return {
            "rules": [r.as_dict() for r in self.rules],
            "sem_aware_hosts": sorted(self.sem_aware_hosts),
        }


#: `pipeline.target` values (controller.targets.select_target resolves them).
PIPELINE_TARGETS = ("auto", "bmv2", "softswitch")


@dataclass(frozen=True)
class PipelineFiles:
    """Either ready-made P4Info + device config, or a P4 program the controller compiles for
    the switches' target (controller.targets)."""

    p4info: Path | None = None
    device_config: Path | None = None
    program: Path | None = None
    include_dirs: tuple[Path, ...] = ()
    defines: tuple[str, ...] = ()
    #: auto (BMv2 when simple_switch_grpc and p4c are on PATH), bmv2 or softswitch;
    #: the environment variable FANTEL_TARGET overrides it.
    target: str = "auto"


@dataclass(frozen=True)
class TeSettings:
    k_paths: int = 4
    max_group_weight: int = 64
    #: Quiet time after the last event before re-solving: one solve per burst.
    debounce_s: float = 20e-3
    #: A steady stream of events still gets a solve at least this often.
    max_delay_s: float = 200e-3


@dataclass(frozen=True)
class ControllerConfig:
    source: str = "<defaults>"
    topology: Path | None = None
    switch_host: str = "127.0.0.1"
    port_base: int | None = None
    addresses: dict[str, str] = field(default_factory=dict)
    pipeline: PipelineFiles = field(default_factory=PipelineFiles)
    election_id: int = 10
    api_host: str = "127.0.0.1"
    api_port: int = 9090
    event_log: Path | None = None
    #: Switch FN source addresses: device id d gets the d-th address of this network.
    node_network: ipaddress.IPv4Network = field(
        default_factory=lambda: ipaddress.IPv4Network("10.255.0.0/16")
    )
    probes: bool = True
    #: How often every ready switch is read back and repaired (controller.audit); 0 = never.
    audit_interval_s: float = 30.0
    te: TeSettings = field(default_factory=TeSettings)
    #: Hold-down of recovered links (controller.damping).
    damping: DampingSettings = field(default_factory=DampingSettings)
    thresholds: Thresholds = field(default_factory=Thresholds)
    policy: Policy = field(default_factory=Policy)
    #: Keys, auth policy, quantization, buffering, compute pools, experts (controller.contract).
    contract: Contract = field(default_factory=Contract)
    #: Line of each cross-reference, for errors found when checking against a topology.
    _refs: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def load(cls, path: str | Path) -> ControllerConfig:
        path = Path(path)
        try:
            text = path.read_text()
        except OSError as exc:
            raise ConfigError(str(path), 0, "file", exc.strerror or str(exc)) from exc
        return cls.from_text(text, str(path), base=path.parent)

    @classmethod
    def from_text(
        cls, text: str, source: str = "<string>", base: Path | None = None
    ) -> ControllerConfig:
        """Parse a config; relative paths are taken from `base` (the file's directory)."""
        parser = _ConfigParser(source, base or Path.cwd())
        return parser.config(parser.document(text))

    def address_of(self, switch: str, device_id: int) -> str:
        """The switch's P4Runtime address: explicit, or host:(port_base + device_id)."""
        if switch in self.addresses:
            return self.addresses[switch]
        if self.port_base is None:
            raise ConfigError(
                self.source, 0, "switches", f"no address for switch {switch!r} and no port_base"
            )
        return f"{self.switch_host}:{self.port_base + device_id}"

    def check(self, topology: Topology) -> None:
        """Cross-check names against the topology the controller runs."""
        for switch in self.addresses:
            if switch not in topology.switches:
                raise self._ref_error(f"switches.addresses.{switch}", f"unknown switch {switch!r}")
        if self.port_base is None:
            missing = sorted(set(topology.switches) - set(self.addresses))
            if missing:
                raise self._ref_error(
                    "switches", f"no address for {', '.join(missing)} (add them or a port_base)"
                )
        for tenant in self.policy.max_urgency:
            if tenant not in topology.tenants:
                raise self._ref_error(f"tenants.{tenant}", f"unknown tenant {tenant!r}")
        for index, rule in enumerate(self.policy.rules):
            if rule.tenant is not None and rule.tenant not in topology.tenants:
                raise self._ref_error(
                    f"policy.rules[{index}].tenant", f"unknown tenant {rule.tenant!r}"
                )
        for host in sorted(self.policy.sem_aware_hosts):
            if host not in topology.hosts:
                raise self._ref_error("policy.sem_aware_hosts", f"unknown host {host!r}")
        for path, tenant in self.contract.tenant_refs():
            if tenant not in topology.tenants:
                raise self._ref_error(path, f"unknown tenant {tenant!r}")
        for node in topology.switches.values():
            if node.device_id + 1 >= self.node_network.num_addresses:
                raise self._ref_error(
                    "node_network", f"too small for device id {node.device_id} ({node.name})"
                )

    def _ref_error(self, field_path: str, message: str) -> ConfigError:
        line = self._refs.get(field_path, self._refs.get(field_path.split(".")[0], 0))
        return ConfigError(self.source, line, field_path, message)

    def tenant_max_urgency(self, topology: Topology) -> dict[str, int]:
        """Effective urgency limit of every tenant: config override, else the topology's."""
        return {
            name: self.policy.max_urgency.get(name, tenant.max_urgency)
            for name, tenant in topology.tenants.items()
        }

    def with_policy(self, policy: Policy) -> ControllerConfig:
        return replace(self, policy=policy)

    def with_thresholds(self, thresholds: Thresholds) -> ControllerConfig:
        return replace(self, thresholds=thresholds)

    def with_contract(self, contract: Contract) -> ControllerConfig:
        return replace(self, contract=contract)


def parse_thresholds(text: str, source: str = "<request>") -> Thresholds:
    """A `thresholds:` section on its own (what `PUT /api/v1/thresholds` takes)."""
    parser = _ConfigParser(source, Path.cwd())
    return parser.thresholds(parser.document(text), "thresholds")


def parse_policy(text: str, source: str = "<request>") -> Policy:
    """A `policy:` section on its own (what `PUT /api/v1/policy` takes); no tenant limits."""
    parser = _ConfigParser(source, Path.cwd())
    return parser.policy(parser.document(text), "policy", LineMap.empty(1))


# ---------------------------------------------------------------------------------------------
# Parsing


class _ConfigParser(SourceParser):
    """The YAML checker (lines, unknown keys, types) applied to the config schema."""

    error = ConfigError

    def __init__(self, source: str, base: Path) -> None:
        super().__init__(source)
        self.base = base
        self.refs: dict[str, int] = {}

    def document(self, text: str) -> LineMap:
        return self.load(text)

    # -- typed field helpers ----------------------------------------------------------------

    def _fraction(self, entry: LineMap, key: str, path: str, default: float) -> float:
        if key not in entry:
            return default
        value = entry[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
            raise self.fail(
                entry.key_lines[key], f"{path}.{key}", f"expected a number in (0, 1], got {value!r}"
            )
        return float(value)

    def _time(
        self,
        entry: LineMap,
        key: str,
        path: str,
        default: float,
        high_s: float,
        *,
        off: bool = False,
    ) -> float:
        """A duration with a unit ("10ms"); bounded by what the P4 field can hold. With
        `off`, 0 (bare or with a unit) is allowed and means "off"."""
        if key not in entry:
            return default
        value = entry[key]
        if off and value == 0 and not isinstance(value, bool):
            return 0.0
        if not isinstance(value, str):
            raise self.fail(
                entry.key_lines[key],
                f"{path}.{key}",
                f"expected a duration with a unit like 10ms{', or 0 (off)' if off else ''}, "
                f"got {value!r}",
            )
        seconds = self.measure(entry, key, path, parse_delay)
        if (seconds == 0 and not off) or seconds > high_s:  # parse_delay refuses < 0
            low = "0 (off) or more" if off else "above 0"
            raise self.fail(
                entry.key_lines[key],
                f"{path}.{key}",
                f"must be {low} and at most {high_s:g} s, got {value!r}",
            )
        return seconds

    def _path(self, entry: LineMap, key: str, path: str) -> Path | None:
        if key not in entry:
            return None
        self.refs[path + "." + key] = entry.key_lines[key]
        return self.base / Path(self.value(entry, key, path, str))

    def _address(self, text: Any, line: int, path: str) -> tuple[str, int]:
        host, sep, port = str(text).rpartition(":")
        if not isinstance(text, str) or not sep or not host or not port.isdigit():
            raise self.fail(line, path, f"expected host:port, got {text!r}")
        if not 0 < int(port) < 65536:
            raise self.fail(line, path, f"port out of range in {text!r}")
        return host, int(port)

    # -- sections -----------------------------------------------------------------------------

    def config(self, document: LineMap) -> ControllerConfig:
        doc = self.fields(
            document,
            1,
            "<document>",
            set(),
            {
                "topology",
                "switches",
                "pipeline",
                "election_id",
                "api",
                "event_log",
                "node_network",
                "probes",
                "audit_interval",
                "te",
                "damping",
                "thresholds",
                "tenants",
                "policy",
                "auth",
                "quantization",
                "buffering",
                "pools",
                "experts",
                "description",
            },
        )
        for key, line in doc.key_lines.items():
            self.refs[key] = line
        switches = self.mapping(
            doc, "switches", "switches", set(), {"host", "port_base", "addresses"}
        )
        addresses = self._addresses(switches)
        api_host, api_port = "127.0.0.1", 9090
        if "api" in doc:
            api_host, api_port = self._address(doc["api"], doc.key_lines["api"], "api")
        tenants = doc.get("tenants", LineMap.empty(1))
        return ControllerConfig(
            source=self.source,
            topology=self._path(doc, "topology", "<document>"),
            switch_host=self.value(switches, "host", "switches", str, "127.0.0.1"),
            port_base=self.integer(switches, "port_base", "switches", 1, 65535, 0) or None,
            addresses=addresses,
            pipeline=self._pipeline(doc),
            election_id=self.integer(doc, "election_id", "<document>", 1, U32_MAX, 10),
            api_host=api_host,
            api_port=api_port,
            event_log=self._path(doc, "event_log", "<document>"),
            node_network=self._network(doc),
            probes=self.value(doc, "probes", "<document>", bool, True),
            audit_interval_s=self._time(
                doc, "audit_interval", "<document>", 30.0, AUDIT_INTERVAL_MAX_S, off=True
            ),
            te=self._te(doc),
            damping=self._damping(doc),
            thresholds=self.thresholds(doc, "thresholds"),
            policy=self.policy(doc, "policy", tenants),
            contract=parse_contract(self, doc, self.refs),
            _refs=self.refs,
        )

    def _addresses(self, switches: LineMap) -> dict[str, str]:
        table = switches.get("addresses", LineMap.empty(switches.line))
        if not isinstance(table, LineMap):
            raise self.fail(
                switches.key_lines["addresses"], "switches.addresses", "expected a mapping"
            )
        addresses = {}
        for name, value in table.items():
            line = table.key_lines[name]
            host, port = self._address(value, line, f"switches.addresses.{name}")
            self.refs[f"switches.addresses.{name}"] = line
            addresses[name] = f"{host}:{port}"
        self.refs.setdefault("switches", switches.line)
        return addresses

    def _pipeline(self, doc: LineMap) -> PipelineFiles:
        section = self.mapping(
            doc,
            "pipeline",
            "pipeline",
            set(),
            {"p4info", "device_config", "program", "include_dirs", "defines", "target"},
        )
        files = PipelineFiles(
            p4info=self._path(section, "p4info", "pipeline"),
            device_config=self._path(section, "device_config", "pipeline"),
            program=self._path(section, "program", "pipeline"),
        )
        includes = self.value(section, "include_dirs", "pipeline", list, LineList())
        if not all(isinstance(i, str) for i in includes):
            raise self.fail(
                section.key_lines["include_dirs"],
                "pipeline.include_dirs",
                "expected a list of paths",
            )
        defines = self.value(section, "defines", "pipeline", list, LineList())
        if not all(isinstance(d, str) for d in defines):
            raise self.fail(
                section.key_lines["defines"],
                "pipeline.defines",
                "expected a list of NAME or NAME=VALUE",
            )
        target = self.value(section, "target", "pipeline", str, "auto")
        if target not in PIPELINE_TARGETS:
            raise self.fail(
                section.key_lines["target"],
                "pipeline.target",
                f"unknown target {target!r}; use auto, bmv2 or softswitch",
            )
        files = replace(
            files,
            include_dirs=tuple(self.base / i for i in includes),
            defines=tuple(defines),
            target=target,
        )
        given = (files.p4info is not None, files.device_config is not None)
        if files.program is not None and any(given):
            raise self.fail(
                section.line, "pipeline", "give either program or p4info + device_config, not both"
            )
        if files.program is None and given != (True, True) and any(given):
            raise self.fail(section.line, "pipeline", "p4info and device_config go together")
        return files

    def _network(self, doc: LineMap) -> ipaddress.IPv4Network:
        text = self.value(doc, "node_network", "<document>", str, "10.255.0.0/16")
        try:
            return ipaddress.IPv4Network(text)
        except ValueError as exc:
            raise self.fail(doc.key_lines["node_network"], "node_network", str(exc)) from exc

    def _te(self, doc: LineMap) -> TeSettings:
        te = self.mapping(
            doc, "te", "te", set(), {"k_paths", "max_group_weight", "debounce", "max_delay"}
        )
        defaults = TeSettings()
        settings = TeSettings(
            k_paths=self.integer(te, "k_paths", "te", 1, 64, defaults.k_paths),
            max_group_weight=self.integer(
                te, "max_group_weight", "te", 1, 4096, defaults.max_group_weight
            ),
            debounce_s=self._time(te, "debounce", "te", defaults.debounce_s, 10.0),
            max_delay_s=self._time(te, "max_delay", "te", defaults.max_delay_s, 60.0),
        )
        if settings.max_delay_s < settings.debounce_s:
            raise self.fail(te.line, "te.max_delay", "must not be shorter than te.debounce")
        return settings

    def _damping(self, doc: LineMap) -> DampingSettings:
        section = self.mapping(
            doc, "damping", "damping", set(), {"hold_down", "max_hold_down", "half_life"}
        )
        d = DampingSettings()
        settings = DampingSettings(
            hold_down_s=self._time(
                section, "hold_down", "damping", d.hold_down_s, HOLD_DOWN_MAX_S, off=True
            ),
            max_hold_down_s=self._time(
                section, "max_hold_down", "damping", d.max_hold_down_s, HOLD_DOWN_MAX_S
            ),
            half_life_s=self._time(section, "half_life", "damping", d.half_life_s, HOLD_DOWN_MAX_S),
        )
        if settings.max_hold_down_s < settings.hold_down_s:
            raise self.fail(
                section.key_lines.get("max_hold_down", section.line),
                "damping.max_hold_down",
                "must not be shorter than damping.hold_down",
            )
        return settings

    def thresholds(self, doc: LineMap, path: str) -> Thresholds:
        section = self.mapping(
            doc,
            path,
            path,
            set(),
            {
                "queue_depth",
                "sojourn",
                "utilization",
                "probe",
                "fn",
                "status_window",
                "flowlet_gap",
            },
        )
        d = Thresholds()
        pair: Callable[[str], LineMap] = lambda key: self.mapping(  # noqa: E731
            section, key, f"{path}.{key}", set(), {"high", "low"}
        )
        queue, sojourn, util = pair("queue_depth"), pair("sojourn"), pair("utilization")
        probe = self.mapping(section, "probe", f"{path}.probe", set(), {"interval", "multiplier"})
        fn = self.mapping(
            section, "fn", f"{path}.fn", set(), {"min_interval", "lifetime", "hop_limit"}
        )
        result = Thresholds(
            queue_depth_high=self.integer(
                queue, "high", f"{path}.queue_depth", 1, QDEPTH_MAX, d.queue_depth_high
            ),
            queue_depth_low=self.integer(
                queue, "low", f"{path}.queue_depth", 0, QDEPTH_MAX, d.queue_depth_low
            ),
            sojourn_high_s=self._time(
                sojourn, "high", f"{path}.sojourn", d.sojourn_high_s, U32_MAX / 1e6
            ),
            sojourn_low_s=self._time(
                sojourn, "low", f"{path}.sojourn", d.sojourn_low_s, U32_MAX / 1e6
            ),
            utilization_high=self._fraction(
                util, "high", f"{path}.utilization", d.utilization_high
            ),
            utilization_low=self._fraction(util, "low", f"{path}.utilization", d.utilization_low),
            probe_interval_s=self._time(
                probe, "interval", f"{path}.probe", d.probe_interval_s, U16_MAX / 1e6
            ),
            probe_multiplier=self.integer(
                probe, "multiplier", f"{path}.probe", 1, U8_MAX, d.probe_multiplier
            ),
            fn_min_interval_s=self._time(
                fn, "min_interval", f"{path}.fn", d.fn_min_interval_s, 60.0
            ),
            fn_lifetime_s=self._time(fn, "lifetime", f"{path}.fn", d.fn_lifetime_s, U16_MAX / 1e3),
            fn_hop_limit=self.integer(fn, "hop_limit", f"{path}.fn", 1, U8_MAX, d.fn_hop_limit),
            status_window_s=self._time(section, "status_window", path, d.status_window_s, 60.0),
            flowlet_gap_s=self._time(section, "flowlet_gap", path, d.flowlet_gap_s, 60.0),
        )
        for name, group, high, low in (
            ("queue_depth", queue, result.queue_depth_high, result.queue_depth_low),
            ("sojourn", sojourn, result.sojourn_high_s, result.sojourn_low_s),
            ("utilization", util, result.utilization_high, result.utilization_low),
        ):
            if low > high:
                raise self.fail(
                    group.key_lines.get("low", group.line),
                    f"{path}.{name}.low",
                    "must not exceed high",
                )
        return result

    def policy(self, doc: LineMap, path: str, tenants: Any) -> Policy:
        section = self.mapping(doc, path, path, set(), {"rules", "sem_aware_hosts"})
        rules = []
        for _, entry, line, rule_path in self.section(section, "rules"):
            rules.append(self._rule(entry, line, f"{path}.{rule_path}"))
            self.refs[f"{path}.{rule_path}.tenant"] = line
        hosts = self.value(section, "sem_aware_hosts", path, list, LineList())
        if not all(isinstance(h, str) for h in hosts):
            raise self.fail(
                section.key_lines["sem_aware_hosts"],
                f"{path}.sem_aware_hosts",
                "expected host names",
            )
        if "sem_aware_hosts" in section:
            self.refs[f"{path}.sem_aware_hosts"] = section.key_lines["sem_aware_hosts"]
        return Policy(tuple(rules), self._tenant_limits(tenants), frozenset(hosts))

    def _rule(self, entry: Any, line: int, path: str) -> PolicyRule:
        entry = self.fields(entry, line, path, {"queue"}, {"tenant", "class", "urgency", "stage"})
        tclass = None
        if "class" in entry:
            name = self.value(entry, "class", path, str)
            if name not in CLASS_NAMES:
                raise self.fail(
                    entry.key_lines["class"],
                    f"{path}.class",
                    f"unknown traffic class {name!r} (one of {', '.join(CLASS_NAMES)})",
                )
            tclass = CLASS_NAMES[name]
        return PolicyRule(
            queue=self.integer(entry, "queue", path, 0, QUEUE_MAX, 0),
            tenant=self.value(entry, "tenant", path, str),
            traffic_class=tclass,
            urgency=self._urgency_range(entry, path),
            stage=self.integer(entry, "stage", path, 0, U8_MAX, 0) if "stage" in entry else None,
        )

    def _urgency_range(self, entry: LineMap, path: str) -> tuple[int, int]:
        if "urgency" not in entry:
            return (0, URGENCY_MAX)
        value, line = entry["urgency"], entry.key_lines["urgency"]
        text = str(value)
        low, sep, high = text.partition("-")
        if isinstance(value, bool) or not (
            low.strip().isdigit() and (not sep or high.strip().isdigit())
        ):
            raise self.fail(line, f"{path}.urgency", f"expected N or LOW-HIGH, got {value!r}")
        bounds = (int(low), int(high) if sep else int(low))
        if not 0 <= bounds[0] <= bounds[1] <= URGENCY_MAX:
            raise self.fail(line, f"{path}.urgency", f"expected 0 <= low <= high <= {URGENCY_MAX}")
        return bounds

    def _tenant_limits(self, tenants: Any) -> dict[str, int]:
        if not isinstance(tenants, LineMap):
            raise self.fail(
                self.refs.get("tenants", 0), "tenants", "expected a mapping of tenant names"
            )
        limits = {}
        for name, entry in tenants.items():
            path = f"tenants.{name}"
            self.refs[path] = tenants.key_lines[name]
            entry = self.fields(entry, tenants.key_lines[name], path, {"max_urgency"}, set())
            limits[name] = self.integer(entry, "max_urgency", path, 0, URGENCY_MAX, 0)
        return limits
