"""A minimal in-process P4Runtime server for controller tests: it records writes and reads,
answers reads from what it stored (wildcards; default entries and register cells one by one,
as P4Runtime 9.1 asks), arbitrates by election id, and lets a test inject PacketIns and digests.
Like a real target it refuses reads and writes before a pipeline is set; a test can hold the
pipeline push (`pipeline_gate`) and have PacketIns sent when the next Read arrives (`on_read`).

Not a switch: no pipeline semantics, no P4Info validation (the programming tests encode every
entity against the real P4Info instead).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import grpc
from finsy.proto import p4r
from finsy.proto.p4.v1 import p4runtime_pb2_grpc

from controller.reconcile import entity_key


class FakeP4Runtime(p4runtime_pb2_grpc.P4RuntimeServicer):
    def __init__(self, device_id: int) -> None:
        self.device_id = device_id
        self.config: p4r.ForwardingPipelineConfig | None = None
        self.entities: dict[tuple[object, ...], p4r.Entity] = {}
        self.writes: list[p4r.WriteRequest] = []
        self.reads: list[p4r.ReadRequest] = []
        self.packet_outs: list[p4r.PacketOut] = []
        #: Writes and packet-outs in arrival order.
        self.timeline: list[p4r.WriteRequest | p4r.PacketOut] = []
        self.digests: dict[int, p4r.DigestEntry] = {}
        self.pipeline_gate: asyncio.Event | None = None
        #: How many of the next Write requests to refuse (UNAVAILABLE), as a busy switch might.
        self.refuse_writes = 0
        self.on_read: list[p4r.StreamMessageResponse] = []
        self._streams: list[asyncio.Queue[p4r.StreamMessageResponse]] = []
        self.server: grpc.aio.Server | None = None
        self.address = ""

    async def start(self, port: int = 0) -> str:
        self.server = grpc.aio.server()
        p4runtime_pb2_grpc.add_P4RuntimeServicer_to_server(self, self.server)
        port = self.server.add_insecure_port(f"127.0.0.1:{port}")
        await self.server.start()
        self.address = f"127.0.0.1:{port}"
        return self.address

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.stop(grace=None)

    async def restart(self) -> None:
        """As a rebooted switch: the channel drops, and it comes back on the same address
        with nothing (no pipeline, no entities, no subscriptions)."""
        await self.stop()
        self.config = None
        self.entities.clear()
        self.digests.clear()
        await self.start(int(self.address.rsplit(":", 1)[1]))

    def inject(self, message: p4r.StreamMessageResponse) -> None:
        """Send a PacketIn or DigestList to the connected controller."""
        for queue in self._streams:
            queue.put_nowait(message)

    def stored(self, kind: str) -> list[p4r.Entity]:
        return [e for e in self.entities.values() if e.WhichOneof("entity") == kind]

    # -- RPCs -------------------------------------------------------------------------------

    async def Capabilities(
        self, request: p4r.CapabilitiesRequest, context: grpc.aio.ServicerContext
    ) -> p4r.CapabilitiesResponse:
        return p4r.CapabilitiesResponse(p4runtime_api_version="1.4.0")

    async def SetForwardingPipelineConfig(
        self, request: p4r.SetForwardingPipelineConfigRequest, context: grpc.aio.ServicerContext
    ) -> p4r.SetForwardingPipelineConfigResponse:
        if self.pipeline_gate is not None:
            await self.pipeline_gate.wait()
        self.config = request.config
        self.entities.clear()
        self.digests.clear()
        return p4r.SetForwardingPipelineConfigResponse()

    async def GetForwardingPipelineConfig(
        self, request: p4r.GetForwardingPipelineConfigRequest, context: grpc.aio.ServicerContext
    ) -> p4r.GetForwardingPipelineConfigResponse:
        response = p4r.GetForwardingPipelineConfigResponse()
        if self.config is not None:
            response.config.CopyFrom(self.config)
        return response

    async def Write(
        self, request: p4r.WriteRequest, context: grpc.aio.ServicerContext
    ) -> p4r.WriteResponse:
        if self.config is None:
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, _NO_PIPELINE)
        if self.refuse_writes > 0:
            self.refuse_writes -= 1
            await context.abort(grpc.StatusCode.UNAVAILABLE, "refused by the test")
        self.writes.append(request)
        self.timeline.append(request)
        for update in request.updates:
            kind = update.entity.WhichOneof("entity")
            if kind == "digest_entry":
                await self._write_digest(update, context)
                continue
            key = entity_key(update.entity)
            if update.type == p4r.Update.INSERT and key in self.entities:
                await context.abort(grpc.StatusCode.ALREADY_EXISTS, f"duplicate {key}")
            if update.type == p4r.Update.DELETE:
                if self.entities.pop(key, None) is None:
                    await context.abort(grpc.StatusCode.NOT_FOUND, f"missing {key}")
            else:
                self.entities[key] = update.entity
        return p4r.WriteResponse()

    async def Read(
        self, request: p4r.ReadRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[p4r.ReadResponse]:
        if self.config is None:
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, _NO_PIPELINE)
        self.reads.append(request)
        for message in self.on_read:
            self.inject(message)
        self.on_read = []
        entities: list[p4r.Entity] = []
        for wanted in request.entities:
            kind = wanted.WhichOneof("entity")
            if kind == "table_entry" and wanted.table_entry.is_default_action:
                # P4Runtime 9.1: a default entry is read on its own, by table id.
                key = ("table_entry", wanted.table_entry.table_id, "default")
                entities += [self.entities[key]] if key in self.entities else []
            elif kind == "register_entry" and wanted.register_entry.register_id:
                cell = wanted.register_entry
                key = ("register_entry", cell.register_id, cell.index.index)
                entities += [self.entities[key]] if key in self.entities else []
            elif kind == "digest_entry":
                entities += [
                    p4r.Entity(digest_entry=d)
                    for i, d in sorted(self.digests.items())
                    if wanted.digest_entry.digest_id in (0, i)
                ]
            elif kind == "table_entry":  # wildcard reads never return default entries
                entities += [
                    _as_read(e, wanted.table_entry)
                    for e in self.entities.values()
                    if e.WhichOneof("entity") == kind
                    and not e.table_entry.is_default_action
                    and wanted.table_entry.table_id in (0, e.table_entry.table_id)
                ]
            else:
                entities += [e for e in self.entities.values() if e.WhichOneof("entity") == kind]
        yield p4r.ReadResponse(entities=entities)

    async def _write_digest(self, update: p4r.Update, context: grpc.aio.ServicerContext) -> None:
        entry = update.entity.digest_entry
        exists = entry.digest_id in self.digests
        if update.type == p4r.Update.INSERT and exists:
            await context.abort(grpc.StatusCode.ALREADY_EXISTS, f"digest {entry.digest_id}")
        if update.type != p4r.Update.INSERT and not exists:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"digest {entry.digest_id}")
        if update.type == p4r.Update.DELETE:
            del self.digests[entry.digest_id]
        else:
            self.digests[entry.digest_id] = entry

    async def StreamChannel(
        self,
        request_iterator: AsyncIterator[p4r.StreamMessageRequest],
        context: grpc.aio.ServicerContext,
    ) -> AsyncIterator[p4r.StreamMessageResponse]:
        queue: asyncio.Queue[p4r.StreamMessageResponse] = asyncio.Queue()
        self._streams.append(queue)

        async def pump() -> None:
            async for message in request_iterator:
                which = message.WhichOneof("update")
                if which == "arbitration":
                    reply = p4r.StreamMessageResponse()
                    reply.arbitration.CopyFrom(message.arbitration)
                    reply.arbitration.status.code = 0  # OK: primary
                    queue.put_nowait(reply)
                elif which == "packet":
                    self.packet_outs.append(message.packet)
                    self.timeline.append(message.packet)

        reader = asyncio.create_task(pump())
        try:
            while True:
                yield await queue.get()
        finally:
            reader.cancel()
            self._streams.remove(queue)


_NO_PIPELINE = "No forwarding pipeline config set for this device"


def _as_read(stored: p4r.Entity, request: p4r.TableEntry) -> p4r.Entity:
    """A stored entry as a read returns it: meter configs only when the request asks
    (P4Runtime 9.1: `meter_config` set in the read request)."""
    if request.HasField("meter_config") or not stored.table_entry.HasField("meter_config"):
        return stored
    copy = p4r.Entity()
    copy.CopyFrom(stored)
    copy.table_entry.ClearField("meter_config")
    return copy
