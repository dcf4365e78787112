"""A minimal asyncio P4Runtime client on the raw gRPC stubs (for benchmarks, tests and tools).

It does what a controller's session needs and nothing more: one StreamChannel with master
arbitration, SetForwardingPipelineConfig, Write, Read and PacketOut, plus waiting for typed
stream messages. Build entities by name with finsy's ``P4TableEntry(...).encode(schema)``.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterable

import grpc
from finsy.proto import p4i, p4r
from finsy.proto.p4.v1 import p4runtime_pb2_grpc

MAX_MESSAGE_BYTES = 256 * 1024 * 1024


def wait_for_port(host: str, port: int, timeout_s: float) -> bool:
    """Poll until something accepts TCP connections on ``host:port``; False on timeout."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def _uint128(value: int) -> p4r.Uint128:
    return p4r.Uint128(high=value >> 64, low=value & (2**64 - 1))


class P4RuntimeClient:
    """One controller session with a device."""

    def __init__(self, address: str, device_id: int = 0, election_id: int = 1) -> None:
        self.address = address
        self.device_id = device_id
        self.election_id = election_id
        self.channel = grpc.aio.insecure_channel(
            address,
            options=[
                ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ],
        )
        self.stub = p4runtime_pb2_grpc.P4RuntimeStub(self.channel)
        self._stream: grpc.aio.StreamStreamCall | None = None
        self._inbox: dict[str, asyncio.Queue[p4r.StreamMessageResponse]] = {}
        self._reader: asyncio.Task[None] | None = None

    async def connect(self, timeout_s: float = 10.0) -> p4r.MasterArbitrationUpdate:
        """Open the stream and arbitrate; returns the device's arbitration answer."""
        await asyncio.wait_for(self.channel.channel_ready(), timeout_s)
        self._stream = self.stub.StreamChannel()
        self._reader = asyncio.create_task(self._read_stream())
        await self._stream.write(
            p4r.StreamMessageRequest(
                arbitration=p4r.MasterArbitrationUpdate(
                    device_id=self.device_id, election_id=_uint128(self.election_id)
                )
            )
        )
        return (await self.next_message("arbitration", timeout_s)).arbitration

    async def _read_stream(self) -> None:
        assert self._stream is not None
        while True:
            msg = await self._stream.read()
            if msg is grpc.aio.EOF:
                return
            kind = msg.WhichOneof("update")
            self._inbox.setdefault(kind, asyncio.Queue()).put_nowait(msg)

    async def next_message(self, kind: str, timeout_s: float = 5.0) -> p4r.StreamMessageResponse:
        """The next stream message of ``kind`` ("packet", "digest", "error", ...)."""
        queue = self._inbox.setdefault(kind, asyncio.Queue())
        return await asyncio.wait_for(queue.get(), timeout_s)

    def pending(self, kind: str) -> int:
        queue = self._inbox.get(kind)
        return queue.qsize() if queue is not None else 0

    async def set_pipeline(
        self,
        config: p4r.ForwardingPipelineConfig,
        action: p4r.SetForwardingPipelineConfigRequest.Action.ValueType = (
            p4r.SetForwardingPipelineConfigRequest.VERIFY_AND_COMMIT
        ),
    ) -> None:
        await self.stub.SetForwardingPipelineConfig(
            p4r.SetForwardingPipelineConfigRequest(
                device_id=self.device_id,
                election_id=_uint128(self.election_id),
                action=action,
                config=config,
            )
        )

    async def get_p4info(self) -> p4i.P4Info:
        response = await self.stub.GetForwardingPipelineConfig(
            p4r.GetForwardingPipelineConfigRequest(
                device_id=self.device_id,
                response_type=p4r.GetForwardingPipelineConfigRequest.P4INFO_AND_COOKIE,
            )
        )
        return response.config.p4info

    async def write(
        self,
        updates: Iterable[p4r.Update],
        atomicity: p4r.WriteRequest.Atomicity.ValueType = p4r.WriteRequest.CONTINUE_ON_ERROR,
    ) -> None:
        await self.stub.Write(
            p4r.WriteRequest(
                device_id=self.device_id,
                election_id=_uint128(self.election_id),
                updates=list(updates),
                atomicity=atomicity,
            )
        )

    async def read(self, entities: Iterable[p4r.Entity]) -> list[p4r.Entity]:
        out: list[p4r.Entity] = []
        request = p4r.ReadRequest(device_id=self.device_id, entities=list(entities))
        async for response in self.stub.Read(request):
            out.extend(response.entities)
        return out

    async def send(self, message: p4r.StreamMessageRequest) -> None:
        assert self._stream is not None, "connect() first"
        await self._stream.write(message)

    async def close(self) -> None:
        if self._stream is not None:
            self._stream.cancel()
        if self._reader is not None:
            self._reader.cancel()
        await self.channel.close()
