"""In-process P4Runtime server on 127.0.0.1 (ephemeral port) over the fake dataplane."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
import pytest
from finsy.proto import p4r, rpc_status
from finsy.proto.p4.v1 import p4runtime_pb2_grpc

from softswitch.p4rt.device import ActionCall, EntryRef, InitialEntry
from softswitch.p4rt.server import P4RuntimeServer, P4RuntimeService
from softswitch.runtime.tables import ExactMatch
from tests.p4rt.fakes import FakeTarget
from tests.p4rt.p4info_fixture import make_p4info

DEVICE_ID = 1
TIMEOUT = 5.0


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000_000

    def __call__(self) -> int:
        return self.now


def uint128(value: int) -> p4r.Uint128:
    return p4r.Uint128(high=value >> 64, low=value & (2**64 - 1))


class Stream:
    """One StreamChannel; ``next()`` waits (bounded) for the next message."""

    def __init__(self, stub: p4runtime_pb2_grpc.P4RuntimeStub) -> None:
        self.call = stub.StreamChannel()

    async def send(self, **kwargs: object) -> None:
        await self.call.write(p4r.StreamMessageRequest(**kwargs))  # type: ignore[arg-type]

    async def arbitrate(
        self, election_id: int, device_id: int = DEVICE_ID, role: str = ""
    ) -> p4r.MasterArbitrationUpdate:
        update = p4r.MasterArbitrationUpdate(device_id=device_id, election_id=uint128(election_id))
        if role:
            update.role.name = role
        await self.send(arbitration=update)
        msg = await self.next()
        return msg.arbitration

    async def next(self) -> p4r.StreamMessageResponse:
        msg = await asyncio.wait_for(self.call.read(), TIMEOUT)
        assert msg is not grpc.aio.EOF, "stream ended"
        return msg  # type: ignore[no-any-return]

    async def next_of(self, kind: str) -> p4r.StreamMessageResponse:
        while True:
            msg = await self.next()
            if msg.WhichOneof("update") == kind:
                return msg

    def cancel(self) -> None:
        self.call.cancel()


def write_errors(err: grpc.aio.AioRpcError) -> list[p4r.Error]:
    """The per-update p4.v1.Error list of a failed Write."""
    assert err.code() == grpc.StatusCode.UNKNOWN, err
    raw = dict(err.trailing_metadata() or ())["grpc-status-details-bin"]
    status = rpc_status.Status.FromString(raw)
    out = []
    for detail in status.details:
        error = p4r.Error()
        assert detail.Unpack(error)
        out.append(error)
    return out


@dataclass
class Env:
    service: P4RuntimeService
    target: FakeTarget
    stub: p4runtime_pb2_grpc.P4RuntimeStub
    clock: FakeClock
    channel: grpc.aio.Channel
    election_id: int = 10

    def stream(self) -> Stream:
        return Stream(self.stub)

    async def set_pipeline(
        self,
        action: int = p4r.SetForwardingPipelineConfigRequest.VERIFY_AND_COMMIT,
        config: bytes = b"ok",
        cookie: int = 7,
    ) -> None:
        await self.stub.SetForwardingPipelineConfig(
            p4r.SetForwardingPipelineConfigRequest(
                device_id=DEVICE_ID,
                election_id=uint128(self.election_id),
                action=action,
                config=p4r.ForwardingPipelineConfig(
                    p4info=make_p4info(), p4_device_config=config, cookie={"cookie": cookie}
                ),
            )
        )

    async def write(
        self, *updates: p4r.Update, atomicity: int = 0, election_id: int | None = None
    ) -> None:
        await self.stub.Write(
            p4r.WriteRequest(
                device_id=DEVICE_ID,
                election_id=uint128(self.election_id if election_id is None else election_id),
                updates=list(updates),
                atomicity=atomicity,
            )
        )

    async def read(self, *entities: p4r.Entity) -> list[p4r.Entity]:
        out: list[p4r.Entity] = []
        async for response in self.stub.Read(
            p4r.ReadRequest(device_id=DEVICE_ID, entities=list(entities))
        ):
            out.extend(response.entities)
        return out


CONST_ENTRY = InitialEntry(
    EntryRef("ingress.const_t", (ExactMatch(0x800),), 0), ActionCall("NoAction")
)


@pytest.fixture
async def env() -> AsyncIterator[Env]:
    clock = FakeClock()
    target = FakeTarget(clock, initial={"ingress.const_t": [CONST_ENTRY]})
    service = P4RuntimeService(target, device_id=DEVICE_ID, clock=clock)
    server = P4RuntimeServer(service, idle_scan_s=0.01)
    port = await server.start("127.0.0.1:0")
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield Env(service, target, p4runtime_pb2_grpc.P4RuntimeStub(channel), clock, channel)
    finally:
        await channel.close()
        await server.stop(0)


@pytest.fixture
async def primary(env: Env) -> AsyncIterator[Stream]:
    """``env`` with a primary controller (election ID 10) and the pipeline committed."""
    stream = env.stream()
    update = await stream.arbitrate(env.election_id)
    assert update.status.code == 0
    await env.set_pipeline()
    yield stream
    stream.cancel()
