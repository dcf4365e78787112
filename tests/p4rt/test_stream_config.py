"""Arbitration, pipeline config actions, PacketIn/Out, digests and robustness over raw stubs."""

from __future__ import annotations

import asyncio

import grpc
from finsy.proto import p4r

from tests.p4rt.conftest import DEVICE_ID, Env, Stream, uint128
from tests.p4rt.helpers import INSERT, fwd_entry, update
from tests.p4rt.p4info_fixture import DIGEST, FWD
from tests.p4rt.test_write_read import expect_code

ALREADY_EXISTS = grpc.StatusCode.ALREADY_EXISTS.value[0]
NOT_FOUND = grpc.StatusCode.NOT_FOUND.value[0]
Action = p4r.SetForwardingPipelineConfigRequest.Action
ResponseType = p4r.GetForwardingPipelineConfigRequest.ResponseType


async def test_capabilities(env: Env) -> None:
    reply = await env.stub.Capabilities(p4r.CapabilitiesRequest())
    assert reply.p4runtime_api_version == "1.4.0"


async def test_arbitration_primary_backup_and_failover(env: Env) -> None:
    first, second = env.stream(), env.stream()
    update1 = await first.arbitrate(5)
    assert update1.status.code == 0 and update1.election_id.low == 5
    # A lower election ID becomes a backup and only it hears about it.
    update2 = await second.arbitrate(3)
    assert update2.status.code == ALREADY_EXISTS and update2.election_id.low == 5
    # Reusing a live election ID ends that stream with INVALID_ARGUMENT.
    third = env.stream()
    await third.send(
        arbitration=p4r.MasterArbitrationUpdate(device_id=DEVICE_ID, election_id=uint128(5))
    )
    try:
        await third.next()
        raise AssertionError("stream should have failed")
    except grpc.aio.AioRpcError as err:
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    # The backup claims a higher ID: everyone is told.
    await second.send(
        arbitration=p4r.MasterArbitrationUpdate(device_id=DEVICE_ID, election_id=uint128(9))
    )
    assert (await second.next()).arbitration.status.code == 0
    demoted = (await first.next()).arbitration
    assert demoted.status.code == ALREADY_EXISTS and demoted.election_id.low == 9
    # The primary leaves: no automatic promotion, the backup hears NOT_FOUND.
    second.cancel()
    gone = (await first.next()).arbitration
    assert gone.status.code == NOT_FOUND and gone.election_id.low == 9
    assert env.service.arbiter.primary("") is None
    first.cancel()


async def test_unknown_device_ends_stream(env: Env) -> None:
    stream = env.stream()
    await stream.send(arbitration=p4r.MasterArbitrationUpdate(device_id=42, election_id=uint128(1)))
    try:
        await stream.next()
        raise AssertionError("stream should have failed")
    except grpc.aio.AioRpcError as err:
        assert err.code() == grpc.StatusCode.NOT_FOUND


async def test_pipeline_actions_and_get(env: Env) -> None:
    stream = env.stream()
    await stream.arbitrate(env.election_id)
    await expect_code(
        env.stub.GetForwardingPipelineConfig(
            p4r.GetForwardingPipelineConfigRequest(device_id=DEVICE_ID)
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    await expect_code(env.set_pipeline(config=b"garbage"), grpc.StatusCode.INVALID_ARGUMENT)
    await env.set_pipeline(Action.VERIFY)
    assert env.target.started == []
    await expect_code(env.set_pipeline(Action.COMMIT), grpc.StatusCode.FAILED_PRECONDITION)
    await env.set_pipeline(Action.VERIFY_AND_SAVE, cookie=3)
    assert env.target.started == []
    await env.set_pipeline(Action.COMMIT)
    assert len(env.target.started) == 1

    async def get(kind: int) -> p4r.ForwardingPipelineConfig:
        reply = await env.stub.GetForwardingPipelineConfig(
            p4r.GetForwardingPipelineConfigRequest(device_id=DEVICE_ID, response_type=kind)
        )
        return reply.config

    cookie_only = await get(ResponseType.COOKIE_ONLY)
    assert (
        cookie_only.cookie.cookie == 3
        and not cookie_only.HasField("p4info")
        and not cookie_only.p4_device_config
    )
    full = await get(ResponseType.ALL)
    assert full.p4_device_config == b"ok" and full.p4info.tables[0].preamble.id == FWD
    assert (await get(ResponseType.P4INFO_AND_COOKIE)).p4_device_config == b""
    assert not (await get(ResponseType.DEVICE_CONFIG_AND_COOKIE)).HasField("p4info")
    # VERIFY_AND_COMMIT clears state; RECONCILE_AND_COMMIT keeps it.
    await env.write(update(INSERT, table_entry=fwd_entry(b"\x01")))
    await env.set_pipeline(Action.RECONCILE_AND_COMMIT)
    assert len(await env.read(p4r.Entity(table_entry=p4r.TableEntry(table_id=FWD)))) == 1
    assert any(r.table == "ingress.fwd" for r in env.target.device.entries)
    assert env.target.started[-2].closed
    await env.set_pipeline(Action.VERIFY_AND_COMMIT)
    assert await env.read(p4r.Entity(table_entry=p4r.TableEntry(table_id=FWD))) == []
    # Only the primary may push a pipeline.
    await expect_code(
        env.stub.SetForwardingPipelineConfig(
            p4r.SetForwardingPipelineConfigRequest(
                device_id=DEVICE_ID, election_id=uint128(1), action=Action.VERIFY
            )
        ),
        grpc.StatusCode.PERMISSION_DENIED,
    )
    stream.cancel()


async def test_packet_out_and_in(env: Env, primary: Stream) -> None:
    out = p4r.PacketOut(
        payload=b"\xaa" * 20,
        metadata=[
            p4r.PacketMetadata(metadata_id=1, value=b"\x01\x03"),
            p4r.PacketMetadata(metadata_id=2, value=b"\x00"),
        ],
    )
    await primary.send(packet=out)
    device = env.target.device
    for _ in range(500):
        if device.injected:
            break
        await asyncio.sleep(0.005)
    # egress_port 0x103 (9 bits) then 7 pad bits: 1000 0001 1000 0000.
    assert device.injected == [b"\x81\x80" + b"\xaa" * 20]
    bad = p4r.PacketOut(
        payload=b"x", metadata=[p4r.PacketMetadata(metadata_id=1, value=b"\x02\x00")]
    )
    await primary.send(packet=bad)
    error = (await primary.next_of("error")).error
    assert error.canonical_code == grpc.StatusCode.OUT_OF_RANGE.value[0]
    assert error.packet_out.packet_out.payload == b"x"
    assert device.on_packet_in is not None
    device.on_packet_in(b"\x00\x80" + b"payload")  # ingress_port 1
    packet = (await primary.next_of("packet")).packet
    assert packet.payload == b"payload"
    assert [(m.metadata_id, m.value) for m in packet.metadata] == [(1, b"\x01"), (2, b"\x00")]


async def test_backup_cannot_send_packet_out(env: Env, primary: Stream) -> None:
    backup = env.stream()
    await backup.arbitrate(1)
    await backup.send(
        packet=p4r.PacketOut(
            payload=b"x",
            metadata=[
                p4r.PacketMetadata(metadata_id=1, value=b"\x01"),
                p4r.PacketMetadata(metadata_id=2, value=b"\x00"),
            ],
        )
    )
    error = (await backup.next_of("error")).error
    assert error.canonical_code == grpc.StatusCode.PERMISSION_DENIED.value[0]
    assert env.target.device.injected == []
    backup.cancel()


async def test_digest_batching_and_ack(env: Env, primary: Stream) -> None:
    device = env.target.device
    assert device.on_digest is not None
    device.on_digest("learn_t", (0xA, 1))  # not configured yet: dropped
    config = p4r.DigestEntry.Config(max_timeout_ns=10**12, max_list_size=2, ack_timeout_ns=10**12)
    await env.write(update(INSERT, digest_entry=p4r.DigestEntry(digest_id=DIGEST, config=config)))
    (read,) = await env.read(p4r.Entity(digest_entry=p4r.DigestEntry()))
    assert read.digest_entry.config.max_list_size == 2
    device.on_digest("learn_t", (0xB, 2))
    device.on_digest("learn_t", (0xB, 2))  # duplicate, suppressed until acked
    device.on_digest("learn_t", (0xC, 3))
    digest = (await primary.next_of("digest")).digest
    values = [[m.bitstring for m in d.struct.members] for d in digest.data]
    assert digest.digest_id == DIGEST and values == [[b"\x0b", b"\x02"], [b"\x0c", b"\x03"]]
    await primary.send(digest_ack=p4r.DigestListAck(digest_id=DIGEST, list_id=digest.list_id))
    for _ in range(500):
        if not env.service.pipeline.digests.suppressed:  # type: ignore[union-attr]
            break
        await asyncio.sleep(0.005)
    device.on_digest("learn_t", (0xB, 2))
    device.on_digest("learn_t", (0xD, 4))
    again = (await primary.next_of("digest")).digest
    assert again.list_id != digest.list_id and again.data[0].struct.members[0].bitstring == b"\x0b"


async def test_robustness(env: Env, primary: Stream) -> None:
    # Malformed protobuf bytes on the wire.
    raw = env.channel.unary_unary(
        "/p4.v1.P4Runtime/Write", request_serializer=None, response_deserializer=None
    )
    try:
        await raw(b"\xff\xff\xff\xff")
        raise AssertionError("malformed request accepted")
    except grpc.aio.AioRpcError as err:
        assert err.code() in (
            grpc.StatusCode.INTERNAL,
            grpc.StatusCode.INVALID_ARGUMENT,
            grpc.StatusCode.UNKNOWN,
        )
    # Unknown / empty entity kinds.
    await expect_code(
        env.read(p4r.Entity(value_set_entry=p4r.ValueSetEntry(value_set_id=1))),
        grpc.StatusCode.UNIMPLEMENTED,
    )
    await expect_code(env.read(p4r.Entity()), grpc.StatusCode.INVALID_ARGUMENT)
    # A client vanishing mid-stream, then a lower election ID: state survives.
    await env.write(update(INSERT, table_entry=fwd_entry(b"\x01")))
    rogue = env.stream()
    await rogue.send(
        arbitration=p4r.MasterArbitrationUpdate(device_id=DEVICE_ID, election_id=uint128(2))
    )
    rogue.cancel()
    low = env.stream()
    assert (await low.arbitrate(1)).status.code == ALREADY_EXISTS
    await expect_code(
        env.write(update(INSERT, table_entry=fwd_entry(b"\x02")), election_id=1),
        grpc.StatusCode.PERMISSION_DENIED,
    )
    assert len(await env.read(p4r.Entity(table_entry=p4r.TableEntry(table_id=FWD)))) == 1
    low.cancel()
