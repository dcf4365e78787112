"""The semantic contract's configuration (issue 8): keys, auth policy, quantization, buffering,
compute pools and the MoE expert registry, as the controller config file gives them
(`docs/controller.md`, sections `auth`, `quantization`, `buffering`, `pools`, `experts`).

`Contract` is immutable like the rest of the config; run-time changes (a key rotation, an
endpoint going down, an expert disabled) produce a new `Contract` that the controller installs
by reconciliation. `parse_contract` reads the sections with file:line:field errors.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from controller.halfsiphash import KEY_LEN
from controller.topology import parse_delay
from controller.wire import AffinityKind, TrafficClass
from controller.yamlsource import LineMap, SourceParser

__all__ = [
    "AuthKey",
    "BufferRule",
    "ComputePool",
    "Contract",
    "Expert",
    "QuantizeRule",
    "TenantAuth",
    "parse_contract",
]

KEY_ID_MAX = 255
#: Two keys per tenant: the one senders use and, during a rotation, its successor.
KEYS_PER_TENANT = 2
#: Widths of the P4 fields (p4src/include/control/*.p4): queue depth 19 bits, 8 priority queues.
QDEPTH_MAX = (1 << 19) - 1
QUEUE_MAX = 7
POOL_ID_MAX = 0xFFFF
EXPERT_ID_MAX = (1 << 12) - 1
AFFINITY_ID_MAX = (1 << 12) - 1
IDLE_GAP_MAX_S = 0xFFFFFFFF / 1e6
CLASS_NAMES = {c.name.lower(): c for c in TrafficClass}
AFFINITY_NAMES = {a.name.lower(): a for a in AffinityKind}
_HEX_KEY = re.compile(rf"^[0-9a-fA-F]{{{2 * KEY_LEN}}}$")


@dataclass(frozen=True)
class AuthKey:
    key_id: int  # 1..255; 0 means "untagged" on the wire
    key: bytes  # HalfSipHash key, 8 bytes

    def as_dict(self, *, secret: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.key_id}
        if secret:
            data["key"] = self.key.hex()
        return data


@dataclass(frozen=True)
class TenantAuth:
    """SEM tags are required from this tenant; failures are dropped or downgraded."""

    downgrade: bool
    keys: tuple[AuthKey, ...]

    def as_dict(self, *, secret: bool = False) -> dict[str, Any]:
        return {
            "on_failure": "downgrade" if self.downgrade else "drop",
            "keys": [k.as_dict(secret=secret) for k in self.keys],
            "rotating": len(self.keys) > 1,
        }


@dataclass(frozen=True)
class QuantizeRule:
    """Quantize eligible packets of `traffic_class` (None: any) when `queue_depth` packets
    are queued behind them, on every egress port."""

    queue_depth: int
    traffic_class: TrafficClass | None = None


@dataclass(frozen=True)
class BufferRule:
    """Delay-tolerant SEMs of (tenant, class) wait in `bulk_queue` until their SEM max_delay,
    then go to `promoted_queue`; a silence of `idle_gap_s` starts a new burst."""

    bulk_queue: int
    promoted_queue: int
    idle_gap_s: float
    tenant: str | None = None
    traffic_class: TrafficClass | None = None


@dataclass(frozen=True)
class ComputePool:
    """Endpoints (IPv4) that SEMs of (tenant, task, affinity) are steered to; `down` ones are
    left out of the selector group."""

    name: str
    pool_id: int
    tenant: str
    affinity: AffinityKind
    endpoints: tuple[str, ...]
    task_id: int | None = None
    affinity_id: int | None = None
    down: frozenset[str] = frozenset()

    @property
    def healthy(self) -> tuple[str, ...]:
        return tuple(e for e in self.endpoints if e not in self.down)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "id": self.pool_id,
            "tenant": self.tenant,
            "affinity": self.affinity.name.lower(),
            "task": self.task_id,
            "affinity_id": self.affinity_id,
            "endpoints": list(self.endpoints),
            "healthy": list(self.healthy),
        }


@dataclass(frozen=True)
class Expert:
    expert_id: int
    address: str
    enabled: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.expert_id, "address": self.address, "enabled": self.enabled}


@dataclass(frozen=True)
class Contract:
    #: tenant name -> its SEM authentication.
    sem_auth: dict[str, TenantAuth] = field(default_factory=dict)
    #: Keys switches verify each other's FNs with, and the one they sign their own with.
    fn_keys: tuple[AuthKey, ...] = ()
    fn_signing_key: int | None = None
    quantization: tuple[QuantizeRule, ...] = ()
    buffering: tuple[BufferRule, ...] = ()
    pools: dict[str, ComputePool] = field(default_factory=dict)
    experts: dict[int, Expert] = field(default_factory=dict)

    def tenant_refs(self) -> Iterator[tuple[str, str]]:
        """(field path, tenant name) of every tenant the sections name."""
        for name in self.sem_auth:
            yield f"auth.tenants.{name}", name
        for index, rule in enumerate(self.buffering):
            if rule.tenant is not None:
                yield f"buffering[{index}].tenant", rule.tenant
        for name, pool in self.pools.items():
            yield f"pools.{name}.tenant", pool.tenant

    def fn_signing(self) -> AuthKey | None:
        return next((k for k in self.fn_keys if k.key_id == self.fn_signing_key), None)

    # -- run-time changes (each returns a new Contract) ---------------------------------------

    def rotate(self, tenant: str, key: bytes) -> tuple[Contract, AuthKey]:
        """Start a rotation: install `key` next to the tenant's current key."""
        auth = self._auth(tenant)
        if len(auth.keys) >= KEYS_PER_TENANT:
            ids = ", ".join(str(k.key_id) for k in auth.keys)
            raise ValueError(f"tenant {tenant!r} is already rotating (keys {ids}): retire one")
        new = AuthKey(_next_key_id({k.key_id for k in auth.keys}), _check_key(key))
        changed = replace(auth, keys=(*auth.keys, new))
        return replace(self, sem_auth={**self.sem_auth, tenant: changed}), new

    def retire(self, tenant: str, key_id: int) -> Contract:
        """End a rotation: remove `key_id` (never the tenant's only key)."""
        auth = self._auth(tenant)
        if key_id not in {k.key_id for k in auth.keys}:
            raise KeyError(f"tenant {tenant!r} has no key {key_id}")
        if len(auth.keys) == 1:
            raise ValueError(f"key {key_id} is the only key of tenant {tenant!r}")
        keys = tuple(k for k in auth.keys if k.key_id != key_id)
        return replace(self, sem_auth={**self.sem_auth, tenant: replace(auth, keys=keys)})

    def set_endpoint(self, pool: str, address: str, *, up: bool) -> Contract:
        current = self._pool(pool)
        if address not in current.endpoints:
            raise KeyError(f"pool {pool!r} has no endpoint {address}")
        down = current.down - {address} if up else current.down | {address}
        return replace(self, pools={**self.pools, pool: replace(current, down=down)})

    def set_expert(self, expert_id: int, *, enabled: bool) -> Contract:
        if expert_id not in self.experts:
            raise KeyError(f"unknown expert {expert_id}")
        expert = replace(self.experts[expert_id], enabled=enabled)
        return replace(self, experts={**self.experts, expert_id: expert})

    def _auth(self, tenant: str) -> TenantAuth:
        if tenant not in self.sem_auth:
            raise KeyError(f"tenant {tenant!r} has no keys (add it under auth.tenants)")
        return self.sem_auth[tenant]

    def _pool(self, name: str) -> ComputePool:
        if name not in self.pools:
            raise KeyError(f"unknown pool {name!r}")
        return self.pools[name]


def _next_key_id(used: set[int]) -> int:
    """The id after the newest one, wrapping from 255 to 1 (0 means untagged)."""
    newest = max(used, default=0)
    for step in range(1, KEY_ID_MAX + 1):
        candidate = (newest - 1 + step) % KEY_ID_MAX + 1
        if candidate not in used:
            return candidate
    raise ValueError("no free key id")


def _check_key(key: bytes) -> bytes:
    if len(key) != KEY_LEN:
        raise ValueError(f"keys are {KEY_LEN} bytes, got {len(key)}")
    return key


# ---------------------------------------------------------------------------------------------
# Parsing


def parse_contract(parser: SourceParser, doc: LineMap, refs: dict[str, int]) -> Contract:
    """The issue-8 sections of a config document (`doc` checked for unknown keys already);
    the line of every tenant reference goes into `refs` for checks against the topology."""
    reader = _ContractReader(parser, refs)
    auth = parser.mapping(doc, "auth", "auth", set(), {"tenants", "fn"})
    fn_keys, signing = reader.fn_auth(auth)
    return Contract(
        sem_auth=reader.tenant_auth(auth),
        fn_keys=fn_keys,
        fn_signing_key=signing,
        quantization=tuple(reader.quantization(doc)),
        buffering=tuple(reader.buffering(doc)),
        pools=reader.pools(doc),
        experts=reader.experts(doc),
    )


class _ContractReader:
    def __init__(self, parser: SourceParser, refs: dict[str, int]) -> None:
        self.p = parser
        self.refs = refs

    def _keys(self, entry: LineMap, path: str) -> tuple[AuthKey, ...]:
        keys: list[AuthKey] = []
        for _, item, line, item_path in self.p.section(entry, "keys"):
            item_path = f"{path}.{item_path}"
            item = self.p.fields(item, line, item_path, {"id", "key"}, set())
            key_id = self.p.integer(item, "id", item_path, 1, KEY_ID_MAX, 0)
            text = item["key"]
            if not isinstance(text, str) or not _HEX_KEY.match(text):
                raise self.p.fail(
                    item.key_lines["key"],
                    f"{item_path}.key",
                    f"expected {2 * KEY_LEN} hex digits in quotes, got {text!r}",
                )
            if any(k.key_id == key_id for k in keys):
                raise self.p.fail(
                    item.key_lines["id"], f"{item_path}.id", f"duplicate key id {key_id}"
                )
            keys.append(AuthKey(key_id, bytes.fromhex(text)))
        if not keys:
            raise self.p.fail(
                entry.key_lines.get("keys", entry.line),
                f"{path}.keys",
                "at least one key is needed",
            )
        return tuple(keys)

    def tenant_auth(self, auth: LineMap) -> dict[str, TenantAuth]:
        tenants = self.p.names(auth, "tenants", "auth.tenants")
        result = {}
        for name, entry in tenants.items():
            path = f"auth.tenants.{name}"
            self.refs[path] = tenants.key_lines[name]
            entry = self.p.fields(
                entry, tenants.key_lines[name], path, {"keys", "on_failure"}, set()
            )
            action = entry["on_failure"]
            if action not in ("drop", "downgrade"):
                raise self.p.fail(
                    entry.key_lines["on_failure"],
                    f"{path}.on_failure",
                    f"expected drop or downgrade, got {action!r}",
                )
            keys = self._keys(entry, path)
            if len(keys) > KEYS_PER_TENANT:
                raise self.p.fail(
                    entry.key_lines["keys"],
                    f"{path}.keys",
                    f"at most {KEYS_PER_TENANT} keys (old and new during a rotation)",
                )
            result[name] = TenantAuth(action == "downgrade", keys)
        return result

    def fn_auth(self, auth: LineMap) -> tuple[tuple[AuthKey, ...], int | None]:
        if "fn" not in auth:
            return (), None
        fn = self.p.mapping(auth, "fn", "auth.fn", {"keys", "signing_key"}, set())
        keys = self._keys(fn, "auth.fn")
        signing = self.p.integer(fn, "signing_key", "auth.fn", 1, KEY_ID_MAX, 0)
        if signing not in {k.key_id for k in keys}:
            raise self.p.fail(
                fn.key_lines["signing_key"], "auth.fn.signing_key", f"no key with id {signing}"
            )
        return keys, signing

    def _class(self, entry: LineMap, path: str) -> TrafficClass | None:
        if "class" not in entry:
            return None
        name = self.p.value(entry, "class", path, str)
        if name not in CLASS_NAMES:
            raise self.p.fail(
                entry.key_lines["class"],
                f"{path}.class",
                f"unknown traffic class {name!r} (one of {', '.join(CLASS_NAMES)})",
            )
        return CLASS_NAMES[name]

    def quantization(self, doc: LineMap) -> Iterator[QuantizeRule]:
        for _, entry, line, path in self.p.section(doc, "quantization"):
            entry = self.p.fields(entry, line, path, {"queue_depth"}, {"class"})
            yield QuantizeRule(
                self.p.integer(entry, "queue_depth", path, 0, QDEPTH_MAX, 0),
                self._class(entry, path),
            )

    def buffering(self, doc: LineMap) -> Iterator[BufferRule]:
        for _, entry, line, path in self.p.section(doc, "buffering"):
            entry = self.p.fields(
                entry, line, path, {"bulk_queue", "promoted_queue", "idle_gap"}, {"tenant", "class"}
            )
            bulk = self.p.integer(entry, "bulk_queue", path, 0, QUEUE_MAX, 0)
            promoted = self.p.integer(entry, "promoted_queue", path, 0, QUEUE_MAX, 0)
            if promoted <= bulk:
                raise self.p.fail(
                    entry.key_lines["promoted_queue"],
                    f"{path}.promoted_queue",
                    "must be above bulk_queue",
                )
            if "tenant" in entry:
                self.refs[f"{path}.tenant"] = entry.key_lines["tenant"]
            gap = self.p.measure(entry, "idle_gap", path, parse_delay)
            if not 0 < gap <= IDLE_GAP_MAX_S:
                raise self.p.fail(
                    entry.key_lines["idle_gap"],
                    f"{path}.idle_gap",
                    f"must be above 0 and at most {IDLE_GAP_MAX_S:g} s",
                )
            yield BufferRule(
                bulk,
                promoted,
                gap,
                self.p.value(entry, "tenant", path, str),
                self._class(entry, path),
            )

    def _address(self, value: Any, line: int, path: str) -> str:
        try:
            return str(ipaddress.IPv4Address(value if isinstance(value, str) else ""))
        except ValueError:
            raise self.p.fail(line, path, f"expected an IPv4 address, got {value!r}") from None

    def pools(self, doc: LineMap) -> dict[str, ComputePool]:
        pools = self.p.names(doc, "pools", "pools")
        result: dict[str, ComputePool] = {}
        ids: dict[int, str] = {}
        for name, entry in pools.items():
            path = f"pools.{name}"
            entry = self.p.fields(
                entry,
                pools.key_lines[name],
                path,
                {"id", "tenant", "affinity", "endpoints"},
                {"task", "affinity_id"},
            )
            self.refs[f"{path}.tenant"] = entry.key_lines["tenant"]
            pool_id = self.p.integer(entry, "id", path, 0, POOL_ID_MAX, 0)
            if pool_id in ids:
                raise self.p.fail(
                    entry.key_lines["id"],
                    f"{path}.id",
                    f"pool id {pool_id} is already used by {ids[pool_id]}",
                )
            ids[pool_id] = name
            affinity = self.p.value(entry, "affinity", path, str)
            if affinity not in AFFINITY_NAMES:
                raise self.p.fail(
                    entry.key_lines["affinity"],
                    f"{path}.affinity",
                    f"unknown affinity {affinity!r} (one of {', '.join(AFFINITY_NAMES)})",
                )
            endpoints = self.p.value(entry, "endpoints", path, list)
            line = entry.key_lines["endpoints"]
            addresses = tuple(
                self._address(e, line, f"{path}.endpoints[{i}]") for i, e in enumerate(endpoints)
            )
            if not addresses or len(set(addresses)) != len(addresses):
                raise self.p.fail(line, f"{path}.endpoints", "expected distinct endpoint addresses")
            result[name] = ComputePool(
                name=name,
                pool_id=pool_id,
                tenant=self.p.value(entry, "tenant", path, str),
                affinity=AFFINITY_NAMES[affinity],
                endpoints=addresses,
                task_id=self.p.integer(entry, "task", path, 0, 0xFFFFFFFF, 0)
                if "task" in entry
                else None,
                affinity_id=self.p.integer(entry, "affinity_id", path, 0, AFFINITY_ID_MAX, 0)
                if "affinity_id" in entry
                else None,
            )
        return result

    def experts(self, doc: LineMap) -> dict[int, Expert]:
        result: dict[int, Expert] = {}
        for _, entry, line, path in self.p.section(doc, "experts"):
            entry = self.p.fields(entry, line, path, {"id", "address"}, {"enabled"})
            expert_id = self.p.integer(entry, "id", path, 0, EXPERT_ID_MAX, 0)
            if expert_id in result:
                raise self.p.fail(
                    entry.key_lines["id"], f"{path}.id", f"duplicate expert id {expert_id}"
                )
            address = self._address(entry["address"], entry.key_lines["address"], f"{path}.address")
            result[expert_id] = Expert(
                expert_id, address, self.p.value(entry, "enabled", path, bool, True)
            )
        return result
