"""Flow specifications handed to the sender and receiver processes, and their JSON results.

A scenario describes flows with `FlowSpec`; the testbed resolves host names to addresses
(`FlowSpec.endpoints`) and passes a `SenderJob` / `ReceiverJob` as JSON on the command line of
the process it starts inside a host's namespace. Results come back as JSON files.
"""

from __future__ import annotations

import json
import signal
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, Literal, Protocol

from controller.wire import TrafficClass

FlowKind = Literal["rocev2", "udp"]


@dataclass(frozen=True)
class Reaction:
    """How a sender agent reacts to congestion FNs about its flow (AIMD on the packet rate)."""

    decrease: float = 0.5  # rate *= decrease on CONGESTION_DETECTED
    holdoff_s: float = 0.01  # ignore further FNs this long after a cut
    increase_every_s: float = 0.02  # additive increase period without FNs
    increase_fraction: float = 0.05  # of the configured rate per period
    min_fraction: float = 0.05  # never below this fraction of the configured rate


@dataclass(frozen=True)
class FlowSpec:
    """One unidirectional flow between two topology hosts."""

    name: str
    src: str
    dst: str
    rate_pps: float
    duration_s: float
    payload: int = 512
    kind: FlowKind = "rocev2"
    tclass: str = TrafficClass.OTHER.name.lower()
    urgency: int = 0
    sem: bool = True  # SEM-aware sender (inserts SEM itself)
    sport: int = 49152
    dest_qp: int = 0x100
    start_s: float = 0.0
    react: bool = False  # sender agent: react to congestion FNs
    reaction: Reaction = field(default_factory=Reaction)
    task_id: int = 0
    stage: int = 0
    keep: bool = False  # SEM flag K: the receiver is SEM-aware (needed for quantization)
    quant_ok: bool = False  # FP32 payload, BF16 accepted (packets.quantizable_payload)
    buffer_ok: bool = False
    max_delay_ms: float = 0.0  # buffering budget, sent in units of 1024 us
    token_hint: int = 0  # TokenHint
    experts: tuple[int, ...] = ()  # MoE candidates, best first
    #: Other hosts the network may deliver the flow to (MoE experts): receivers there count it.
    also_to: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.rate_pps <= 0 or self.duration_s <= 0:
            raise ValueError(f"flow {self.name}: rate and duration must be positive")
        if self.tclass.upper() not in TrafficClass.__members__:
            known = ", ".join(c.name.lower() for c in TrafficClass)
            raise ValueError(f"flow {self.name}: unknown traffic class {self.tclass!r} ({known})")

    @property
    def receivers(self) -> tuple[str, ...]:
        """Every host that may receive the flow: its destination first."""
        return (self.dst, *(h for h in self.also_to if h != self.dst))

    @property
    def traffic_class(self) -> TrafficClass:
        return TrafficClass[self.tclass.upper()]


@dataclass(frozen=True)
class ResolvedFlow:
    """A flow with addresses, as the sender process needs it."""

    flow_id: int
    spec: FlowSpec
    src_mac: str
    gateway_mac: str
    src_ip: str
    dst_ip: str
    tenant_id: int


@dataclass(frozen=True)
class CnpEcho:
    """End-to-end ECN echo by a receiver (the baseline's congestion signal): a packet whose
    one-way delay exceeds its flow's minimum by `mark_delay_us` counts as CE-marked, and the
    receiver sends the flow's sender a RoCEv2 CNP, at most one per flow per `min_interval_s`."""

    mark_delay_us: float
    min_interval_s: float
    src_mac: str
    gateway_mac: str
    src_ip: str
    dest_qps: dict[int, int]  # flow id -> the flow's destination QP (named in the CNP)


@dataclass(frozen=True)
class SenderJob:
    iface: str
    flows: list[ResolvedFlow]
    result: str
    epoch_ns: int  # wall-clock time that flow start offsets count from
    bin_s: float = 0.1
    #: Start handshake: the sender creates `ready` once it can send, then waits for `go`,
    #: which holds the epoch (ns) that replaces `epoch_ns`. Processes that start slowly on a
    #: loaded machine then still send their whole schedule.
    ready: str = ""
    go: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> SenderJob:
        data = json.loads(text)
        flows = []
        for f in data["flows"]:
            spec = dict(f["spec"])
            spec["reaction"] = Reaction(**spec["reaction"])
            spec["experts"] = tuple(spec["experts"])
            spec["also_to"] = tuple(spec["also_to"])
            flows.append(ResolvedFlow(**{**f, "spec": FlowSpec(**spec)}))
        return cls(**{**data, "flows": flows})


@dataclass(frozen=True)
class ReceiverJob:
    iface: str
    flows: dict[int, str]  # flow id -> name (only these are counted)
    result: str
    ready: str  # file created once the socket is open
    epoch_ns: int  # wall-clock time the time-series bins count from
    bin_s: float = 0.1
    cnp: CnpEcho | None = None
    go: str = ""  # the epoch the senders were given (SenderJob.go) replaces `epoch_ns`

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> ReceiverJob:
        data = json.loads(text)
        data["flows"] = {int(k): v for k, v in data["flows"].items()}
        if data.get("cnp") is not None:
            cnp = dict(data["cnp"])
            cnp["dest_qps"] = {int(k): v for k, v in cnp["dest_qps"].items()}
            data["cnp"] = CnpEcho(**cnp)
        return cls(**data)


def read_epoch(go: str) -> int | None:
    """The epoch in a start-handshake file, None while it does not exist yet."""
    try:
        return int(Path(go).read_text())
    except (OSError, ValueError):
        return None


def write_json(path: str | Path, data: Any) -> None:
    """Write atomically so a reader never sees half a result."""
    target = Path(path)
    tmp = target.with_suffix(target.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
    tmp.replace(target)


class Agent(Protocol):
    """A sender or receiver process: `run` returns its result once `stopping` is set (or its
    schedule is over)."""

    stopping: bool

    def run(self) -> dict[str, Any]: ...


def run_until_stopped(agent: Agent, result: str) -> int:
    """Run `agent` with SIGTERM/SIGINT asking it to stop, then write its result (exit code 0)."""

    def stop(_signum: int, _frame: FrameType | None) -> None:
        agent.stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    write_json(result, agent.run())
    return 0
