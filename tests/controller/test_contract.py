"""The semantic contract's config (keys, auth policy, quantization, buffering, pools, experts):
parsing with file:line:field errors, the entities it becomes, and run-time changes through
the service, the API and fantelctl (fleet on fake P4Runtime servers)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import finsy as fy
import pytest
from finsy.p4schema import P4StructType
from finsy.proto import p4r
from typer.testing import CliRunner

from controller.api import start_api
from controller.cli import app
from controller.config import ConfigError, ControllerConfig
from controller.programming import Intent, switch_entities
from controller.semantic import AuthDomain, AuthResult
from controller.te import TrafficEngine
from controller.topology import Topology
from controller.wire import AffinityKind, TrafficClass
from tests.controller.service_fixtures import SMALL, fantel_pipeline, running_service, wait_for

KEY_1, KEY_2, FN_KEY = "0011223344556677", "8899aabbccddeeff", "0123456789abcdef"
CONTRACT = f"""\
auth:
  tenants:
    clinic:
      on_failure: drop
      keys: [{{id: 1, key: "{KEY_1}"}}]
    research: {{on_failure: downgrade, keys: [{{id: 4, key: "{KEY_2}"}}]}}
  fn: {{signing_key: 9, keys: [{{id: 9, key: "{FN_KEY}"}}]}}
quantization:
  - {{class: activation, queue_depth: 8}}
  - {{queue_depth: 32}}
buffering:
  - {{tenant: research, class: sample_data, bulk_queue: 1, promoted_queue: 5, idle_gap: 2ms}}
pools:
  gpu-a: {{id: 3, tenant: clinic, affinity: gpu, task: 42, endpoints: [10.0.2.1, 10.0.2.2]}}
experts:
  - {{id: 5, address: 10.0.3.1}}
  - {{id: 6, address: 10.0.3.2, enabled: false}}
"""


def config(extra: str = CONTRACT) -> ControllerConfig:
    return ControllerConfig.from_text(extra + "\nswitches: {port_base: 1}\n", "c.yaml")


def test_sections_parse_into_the_contract() -> None:
    contract = config().contract
    clinic = contract.sem_auth["clinic"]
    assert (clinic.downgrade, [(k.key_id, k.key.hex()) for k in clinic.keys]) == (
        False,
        [(1, KEY_1)],
    )
    assert contract.sem_auth["research"].downgrade
    assert contract.fn_signing() is not None and contract.fn_signing_key == 9
    assert [(q.traffic_class, q.queue_depth) for q in contract.quantization] == [
        (TrafficClass.ACTIVATION, 8),
        (None, 32),
    ]
    bulk = contract.buffering[0]
    assert (bulk.tenant, bulk.bulk_queue, bulk.promoted_queue, bulk.idle_gap_s) == (
        "research",
        1,
        5,
        pytest.approx(2e-3),
    )
    pool = contract.pools["gpu-a"]
    assert (pool.pool_id, pool.affinity, pool.task_id, pool.healthy) == (
        3,
        AffinityKind.GPU,
        42,
        ("10.0.2.1", "10.0.2.2"),
    )
    assert {i: e.enabled for i, e in contract.experts.items()} == {5: True, 6: False}


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (
            'auth: {tenants: {clinic: {on_failure: drop, keys: [{id: 1, key: "00"}]}}}',
            ":1: auth.tenants.clinic.keys[0].key: expected 16 hex",
        ),
        (
            "auth:\n  tenants:\n    clinic: {on_failure: maybe, keys: []}",
            ":3: auth.tenants.clinic.on_failure: expected drop or downgrade",
        ),
        (
            f'auth:\n  fn: {{signing_key: 2, keys: [{{id: 1, key: "{KEY_1}"}}]}}',
            ":2: auth.fn.signing_key: no key with id 2",
        ),
        (
            "quantization:\n  - {queue_depth: 8, class: nope}",
            ":2: quantization[0].class: unknown traffic class 'nope'",
        ),
        (
            "buffering:\n  - {bulk_queue: 5, promoted_queue: 5, idle_gap: 1ms}",
            ":2: buffering[0].promoted_queue: must be above bulk_queue",
        ),
        (
            "buffering:\n  - {bulk_queue: 1, promoted_queue: 5, idle_gap: 3}",
            ":2: buffering[0].idle_gap: expected str, got 3",
        ),
        (
            "pools:\n  p: {id: 1, tenant: clinic, affinity: tpu, endpoints: [10.0.0.1]}",
            ":2: pools.p.affinity: unknown affinity 'tpu'",
        ),
        (
            "pools:\n  p: {id: 1, tenant: clinic, affinity: gpu, endpoints: [10.0.0.1, nope]}",
            ":2: pools.p.endpoints[1]: expected an IPv4 address",
        ),
        (
            "experts:\n  - {id: 1, address: 10.0.0.1}\n  - {id: 1, address: 10.0.0.2}",
            ":3: experts[1].id: duplicate expert id 1",
        ),
    ],
)
def test_bad_sections_name_file_line_and_field(text: str, where: str) -> None:
    with pytest.raises(ConfigError) as info:
        config(text)
    message = str(info.value)
    assert message.startswith("c.yaml:") and message.count("c.yaml:") == 1
    assert where in message, message


def test_unknown_tenants_are_found_against_the_topology() -> None:
    settings = config("pools:\n  p: {id: 1, tenant: nobody, affinity: gpu, endpoints: [10.0.0.1]}")
    with pytest.raises(ConfigError, match=r"c\.yaml:2: pools\.p\.tenant: unknown tenant 'nobody'"):
        settings.check(Topology.load(SMALL))


def _intent(settings: ControllerConfig) -> Intent:
    topo = Topology.load(SMALL)
    return Intent(topo, settings, TrafficEngine(topo.graph()).solve())


def _by_table(entities: list[fy.p4entity.P4Entity], table: str) -> list[fy.P4TableEntry]:
    return [e for e in entities if isinstance(e, fy.P4TableEntry) and e.table_id == table]


def test_the_contract_becomes_entities_that_encode(tmp_path: Path) -> None:
    intent = _intent(config())
    entities = switch_entities(intent, "e1")
    schema = fy.P4Schema(fantel_pipeline(tmp_path).p4info)
    assert all(e.encode(schema) for e in entities)
    policies = {
        (m["domain"], m["tenant_id"]): e.action.args["downgrade_on_failure"]  # type: ignore[union-attr]
        for e in _by_table(entities, "auth_policy")
        for m in [dict(e.match or {})]
    }
    assert policies == {(AuthDomain.SEM, 2): 0, (AuthDomain.SEM, 1): 1, (AuthDomain.FN, 0): 0}
    keys = {
        (dict(e.match or {})["tenant_id"], dict(e.match or {})["key_id"])
        for e in _by_table(entities, "auth_keys")
    }
    assert keys == {(2, 1), (1, 4), (0, 9)}
    (signing,) = _by_table(entities, "fn_signing")
    assert signing.is_default_action and signing.action.args["key_id"] == 9  # type: ignore[union-attr]
    quantize = _by_table(entities, "quantize_thresholds")
    ports = sorted(intent.topology.port_map("e1"))
    assert sorted((dict(e.match or {})["egress_port"], e.priority) for e in quantize) == sorted(
        (p, prio) for p in ports for prio in (2, 1)
    )
    (bulk,) = _by_table(entities, "buffer_policy")
    assert bulk.action.args == {"bulk_priority": 1, "promoted_priority": 5, "idle_gap_us": 2000}  # type: ignore[union-attr]
    members = [
        e
        for e in entities
        if isinstance(e, fy.P4ActionProfileMember) and e.action_profile_id == "endpoint_selector"
    ]
    assert [m.member_id for m in members] == [3 * 256, 3 * 256 + 1]
    registers = {
        (e.register_id, e.index): e.data for e in entities if isinstance(e, fy.P4RegisterEntry)
    }
    assert registers == {("expert_enabled", 5): 1, ("expert_enabled", 6): 0}


def test_rotation_holds_two_keys_then_one() -> None:
    contract = config().contract
    rotated, new = contract.rotate("clinic", bytes(8))
    assert new.key_id == 2
    assert [k.key_id for k in rotated.sem_auth["clinic"].keys] == [1, 2]
    with pytest.raises(ValueError, match="already rotating"):
        rotated.rotate("clinic", bytes(8))
    retired = rotated.retire("clinic", 1)
    assert [k.key_id for k in retired.sem_auth["clinic"].keys] == [2]
    with pytest.raises(ValueError, match="only key"):
        retired.retire("clinic", 2)
    with pytest.raises(KeyError):
        contract.rotate("nobody", bytes(8))


async def _cli(base: str, *args: str) -> tuple[int, str]:
    result = await asyncio.to_thread(CliRunner().invoke, app, ["--api", base, *args])
    return result.exit_code, result.output


def _auth_keys(fake, schema: fy.P4Schema) -> set[tuple[bytes, bytes]]:  # type: ignore[no-untyped-def]
    """(tenant id, key id) of the auth_keys entries a fake switch holds."""
    table = schema.tables["auth_keys"].id
    return {
        (e.table_entry.match[1].exact.value, e.table_entry.match[2].exact.value)
        for e in fake.stored("table_entry")
        if e.table_entry.table_id == table
    }


async def test_keys_pools_and_experts_through_api_and_cli(tmp_path: Path) -> None:
    async with running_service(tmp_path, "probes: false\n" + CONTRACT) as run:
        service, fake = run.service, run.fakes["e1"]
        schema = fy.P4Schema(fantel_pipeline(tmp_path).p4info)
        runner = await start_api(service, "127.0.0.1", 0)
        base = f"http://127.0.0.1:{runner.addresses[0][1]}"
        try:
            assert (b"\x02", b"\x01") in _auth_keys(fake, schema)
            code, out = await _cli(base, "--json", "key", "rotate", "clinic")
            assert code == 0, out
            new = json.loads(out)
            assert new["id"] == 2 and len(bytes.fromhex(new["key"])) == 8
            assert {(b"\x02", b"\x01"), (b"\x02", b"\x02")} <= _auth_keys(fake, schema)
            code, out = await _cli(base, "key", "rotate", "clinic")
            assert code == 1 and "already rotating" in out
            code, out = await _cli(base, "key", "retire", "clinic", "1")
            assert code == 0, out
            keys = _auth_keys(fake, schema)
            assert (b"\x02", b"\x02") in keys and (b"\x02", b"\x01") not in keys
            code, out = await _cli(base, "--json", "key", "list")
            assert json.loads(out)["tenants"]["clinic"]["keys"] == [{"id": 2}]

            code, out = await _cli(base, "--json", "endpoint", "down", "gpu-a", "10.0.2.1")
            assert code == 0 and json.loads(out)["healthy"] == ["10.0.2.2"]
            groups = [g.action_profile_group for g in fake.stored("action_profile_group")]
            selector = schema.action_profiles["endpoint_selector"].id
            (pool,) = [g for g in groups if g.action_profile_id == selector and g.group_id == 3]
            assert [m.member_id for m in pool.members] == [3 * 256]

            code, out = await _cli(base, "--json", "expert", "6", "--enable", "--load", "17")
            assert code == 0, out
            assert json.loads(out)["enabled"] is True and json.loads(out)["load"] == 17
            cells = {
                (e.register_entry.index.index, e.register_entry.data.bitstring)
                for e in fake.stored("register_entry")
            }
            assert (6, b"\x01") in cells  # expert_enabled
            load_writes = [
                u.entity.register_entry
                for w in fake.writes
                for u in w.updates
                if u.type == p4r.Update.MODIFY
                and u.entity.WhichOneof("entity") == "register_entry"
                and u.entity.register_entry.data.bitstring == b"\x11"
            ]
            assert [c.index.index for c in load_writes] == [6]
            code, out = await _cli(base, "expert", "99", "--disable")
            assert code == 1 and "unknown expert 99" in out
        finally:
            await runner.cleanup()


async def test_auth_digests_are_counted_and_logged(tmp_path: Path) -> None:
    async with running_service(tmp_path, "probes: false\n" + CONTRACT) as run:
        service, fake = run.service, run.fakes["e1"]
        schema = fy.P4Schema(fantel_pipeline(tmp_path).p4info)
        digest = schema.digests["auth_digest_t"]
        failure = {
            "node_id": 1,
            "port": 10,
            "domain": int(AuthDomain.SEM),
            "result": int(AuthResult.BAD_TAG),
            "tenant_id": 2,
            "key_id": 1,
            "subject": 42,
            "ipv4_src": 0x0A000101,
            "timestamp": 123,
        }
        message = p4r.StreamMessageResponse()
        message.digest.digest_id = digest.id
        message.digest.list_id = 1
        assert isinstance(digest.type_spec, P4StructType)
        message.digest.data.add().CopyFrom(digest.type_spec.encode_data(failure))
        fake.inject(message)
        await wait_for(lambda: service.auth_failures.get(("sem", "bad_tag")) == 1, "auth failure")
        (event,) = [e for e in service.events.since(0) if e["kind"] == "auth_failure"]
        assert (event["tenant"], event["key_id"], event["ipv4_src"]) == ("clinic", 1, "10.0.1.1")
        assert 'fantel_auth_failures_total{domain="sem",result="bad_tag"} 1.0' in (
            service.metrics.exposition().decode()
        )
