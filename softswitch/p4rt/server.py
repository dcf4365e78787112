"""The P4Runtime v1 gRPC service (asyncio) of the embedded target.

Request-level problems (wrong device, no pipeline, not primary, unsupported atomicity) fail the
whole RPC with their own status code. Per-update problems follow the spec's batch error model:
the RPC fails with UNKNOWN and the ``grpc-status-details-bin`` trailer carries a
``google.rpc.Status`` whose details hold one ``p4.v1.Error`` per update, in order, OK included.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import grpc
from finsy.proto import p4r, rpc_status
from finsy.proto.p4.v1 import p4runtime_pb2_grpc
from google.protobuf import any_pb2

from softswitch.p4rt.arbitration import Arbiter, Controller, election_value, role_name
from softswitch.p4rt.device import Dataplane, Target
from softswitch.p4rt.entities import PipelineState
from softswitch.p4rt.errors import (
    P4RTError,
    google_rpc_code,
    invalid,
    not_found,
    permission_denied,
    unimplemented,
)
from softswitch.p4rt.packet_io import PacketInDecoder, PacketOutEncoder
from softswitch.p4rt.reconcile import replay_updates
from softswitch.p4rt.schema import Schema
from softswitch.p4rt.stream import DigestEngine, idle_notification

log = logging.getLogger("softswitch.p4rt")

API_VERSION = "1.4.0"
NO_PIPELINE = "No forwarding pipeline config set for this device"
MAX_UPDATES_PER_WRITE = 100_000
MAX_MESSAGE_BYTES = 256 * 1024 * 1024
READ_CHUNK = 1000
# A controller that does not drain its stream loses PacketIns beyond this many, never state.
MAX_PENDING_STREAM_MESSAGES = 10_000
Action = p4r.SetForwardingPipelineConfigRequest.Action
ResponseType = p4r.GetForwardingPipelineConfigRequest.ResponseType


@dataclass
class Pipeline:
    config: p4r.ForwardingPipelineConfig
    schema: Schema
    program: object
    device: Dataplane
    state: PipelineState
    digests: DigestEngine
    packet_out: PacketOutEncoder
    packet_in: PacketInDecoder


def _error_proto(error: P4RTError | None) -> p4r.Error:
    if error is None:
        return p4r.Error(canonical_code=0)
    return p4r.Error(canonical_code=google_rpc_code(error.code), message=error.message)


def _loop_scheduler(loop: asyncio.AbstractEventLoop) -> Callable[..., None]:
    """``schedule(callback, *args)``: runs the callback on ``loop``, called from any thread
    (make the scheduler on the loop's own thread).

    Dataplane output comes from port threads and, for a PacketOut, from the loop's own thread
    inside the pipeline run. The latter needs no self-pipe wake-up (a syscall on each side and
    an extra loop iteration per PacketIn); both land in the same FIFO, so order is kept.
    """
    loop_thread = threading.get_ident()

    def schedule(callback: Callable[..., None], *args: object) -> None:
        if threading.get_ident() == loop_thread:
            loop.call_soon(callback, *args)
        else:
            loop.call_soon_threadsafe(callback, *args)

    return schedule


class P4RuntimeService(p4runtime_pb2_grpc.P4RuntimeServicer):
    def __init__(
        self,
        target: Target,
        device_id: int = 0,
        clock: Callable[[], int] = time.monotonic_ns,
    ) -> None:
        self.target = target
        self.device_id = device_id
        self.clock = clock
        self.arbiter = Arbiter(device_id)
        self.pipeline: Pipeline | None = None
        self.saved: tuple[p4r.ForwardingPipelineConfig, Schema, object] | None = None
        self._config_lock = asyncio.Lock()

    # ------------------------------------------------------------------ helpers

    def _check_device(self, device_id: int) -> None:
        if device_id != self.device_id:
            raise not_found(f"unknown device ID {device_id} (this is device {self.device_id})")

    def _require_pipeline(self) -> Pipeline:
        if self.pipeline is None:
            raise P4RTError(grpc.StatusCode.FAILED_PRECONDITION, NO_PIPELINE)
        return self.pipeline

    def _check_primary(self, role: str, election_id: p4r.Uint128, has_election_id: bool) -> None:
        if not has_election_id:
            raise permission_denied("the request has no election ID: only the primary may write")
        if not self.arbiter.is_primary(role, election_value(election_id)):
            raise permission_denied(
                f"election ID {election_value(election_id)} is not the primary's for role {role!r}"
            )

    def _broadcast(self, msg: p4r.StreamMessageResponse) -> None:
        for ctrl in self.arbiter.primaries():
            ctrl.send(msg)

    # ------------------------------------------------------------------ pipeline config

    async def Capabilities(
        self, request: p4r.CapabilitiesRequest, context: grpc.aio.ServicerContext
    ) -> p4r.CapabilitiesResponse:
        return p4r.CapabilitiesResponse(p4runtime_api_version=API_VERSION)

    async def SetForwardingPipelineConfig(
        self, request: p4r.SetForwardingPipelineConfigRequest, context: grpc.aio.ServicerContext
    ) -> p4r.SetForwardingPipelineConfigResponse:
        try:
            self._check_device(request.device_id)
            role = request.role or role_name(None, request.role_id)
            self._check_primary(role, request.election_id, request.HasField("election_id"))
            async with self._config_lock:
                await self._set_config(request.action, request.config)
        except P4RTError as err:
            await context.abort(err.code, err.message)
        return p4r.SetForwardingPipelineConfigResponse()

    async def _set_config(self, action: int, config: p4r.ForwardingPipelineConfig) -> None:
        if action == Action.COMMIT:
            if self.saved is None:
                raise P4RTError(
                    grpc.StatusCode.FAILED_PRECONDITION, "COMMIT without a saved config"
                )
            self._commit(*self.saved)
            self.saved = None
            return
        if action not in (
            Action.VERIFY,
            Action.VERIFY_AND_SAVE,
            Action.VERIFY_AND_COMMIT,
            Action.RECONCILE_AND_COMMIT,
        ):
            raise invalid("SetForwardingPipelineConfig needs an action")
        if not config.HasField("p4info"):
            raise invalid("the config has no P4Info")
        schema = Schema(config.p4info)
        program = await asyncio.to_thread(self.target.load, config.p4info, config.p4_device_config)
        kept = p4r.ForwardingPipelineConfig()
        kept.CopyFrom(config)
        if action == Action.VERIFY_AND_SAVE:
            self.saved = (kept, schema, program)
        elif action == Action.VERIFY_AND_COMMIT:
            self._commit(kept, schema, program)
        elif action == Action.RECONCILE_AND_COMMIT:
            self._reconcile(kept, schema, program)

    async def install(self, config: p4r.ForwardingPipelineConfig) -> None:
        """Commit a pipeline without a controller (``softswitch run PROGRAM``)."""
        async with self._config_lock:
            schema = Schema(config.p4info)
            program = await asyncio.to_thread(
                self.target.load, config.p4info, config.p4_device_config
            )
            self._commit(config, schema, program)

    def _commit(
        self, config: p4r.ForwardingPipelineConfig, schema: Schema, program: object
    ) -> Pipeline:
        if self.pipeline is not None:
            self.pipeline.digests.close()
            self.pipeline.device.close()
            self.pipeline = None
        device = self.target.start(program)
        state = PipelineState(schema, device, self.clock)
        loop = asyncio.get_running_loop()
        digests = DigestEngine(schema, state.digest_configs, self._broadcast, loop)
        pipeline = Pipeline(
            config,
            schema,
            program,
            device,
            state,
            digests,
            PacketOutEncoder(schema.packet_out),
            PacketInDecoder(schema.packet_in),
        )
        schedule = _loop_scheduler(loop)

        def on_packet_in(packet: bytes) -> None:
            schedule(self._packet_in, pipeline, packet)

        def on_digest(name: str, values: tuple[int, ...]) -> None:
            if digests.wanted(name, values):
                schedule(self._digest, pipeline, name, values)

        device.set_handlers(on_packet_in, on_digest)
        self.pipeline = pipeline
        log.info("pipeline committed: %d tables", len(schema.tables))
        return pipeline

    def _reconcile(
        self, config: p4r.ForwardingPipelineConfig, schema: Schema, program: object
    ) -> None:
        """Commit, then re-install the old pipeline's state; on failure, restore the old one."""
        old = self.pipeline
        if old is None:
            self._commit(config, schema, program)
            return
        updates = replay_updates(old.state)
        new = self._commit(config, schema, program)
        try:
            for update in updates:
                new.state.write(update)
        except P4RTError as err:
            restored = self._commit(old.config, old.schema, old.program)
            for update in updates:
                restored.state.write(update)
            raise invalid(
                f"cannot reconcile the forwarding state with the new pipeline: {err}"
            ) from None

    async def GetForwardingPipelineConfig(
        self, request: p4r.GetForwardingPipelineConfigRequest, context: grpc.aio.ServicerContext
    ) -> p4r.GetForwardingPipelineConfigResponse:
        try:
            self._check_device(request.device_id)
            pipeline = self._require_pipeline()
        except P4RTError as err:
            await context.abort(err.code, err.message)
        full = pipeline.config
        out = p4r.ForwardingPipelineConfig()
        if full.HasField("cookie"):
            out.cookie.CopyFrom(full.cookie)
        kind = request.response_type
        if kind in (ResponseType.ALL, ResponseType.P4INFO_AND_COOKIE):
            out.p4info.CopyFrom(full.p4info)
        if kind in (ResponseType.ALL, ResponseType.DEVICE_CONFIG_AND_COOKIE):
            out.p4_device_config = full.p4_device_config
        return p4r.GetForwardingPipelineConfigResponse(config=out)

    # ------------------------------------------------------------------ write / read

    async def Write(
        self, request: p4r.WriteRequest, context: grpc.aio.ServicerContext
    ) -> p4r.WriteResponse:
        try:
            self._check_device(request.device_id)
            pipeline = self._require_pipeline()
            role = request.role or role_name(None, request.role_id)
            self._check_primary(role, request.election_id, request.HasField("election_id"))
            if request.atomicity == p4r.WriteRequest.DATAPLANE_ATOMIC:
                raise unimplemented("DATAPLANE_ATOMIC is not supported; use ROLLBACK_ON_ERROR")
            if len(request.updates) > MAX_UPDATES_PER_WRITE:
                raise P4RTError(
                    grpc.StatusCode.RESOURCE_EXHAUSTED,
                    f"{len(request.updates)} updates exceed the limit of {MAX_UPDATES_PER_WRITE}",
                )
        except P4RTError as err:
            await context.abort(err.code, err.message)
        rollback = request.atomicity == p4r.WriteRequest.ROLLBACK_ON_ERROR
        errors = self._apply(pipeline.state, request.updates, rollback)
        failed = sum(e is not None for e in errors)
        if failed:
            status = rpc_status.Status(
                code=google_rpc_code(grpc.StatusCode.UNKNOWN),
                message=f"{failed} of {len(errors)} updates failed",
            )
            for error in errors:
                detail = any_pb2.Any()
                detail.Pack(_error_proto(error))
                status.details.append(detail)
            await context.abort(
                grpc.StatusCode.UNKNOWN,
                status.message,
                trailing_metadata=(("grpc-status-details-bin", status.SerializeToString()),),
            )
        return p4r.WriteResponse()

    def _apply(
        self, state: PipelineState, updates: list[p4r.Update], rollback: bool
    ) -> list[P4RTError | None]:
        errors: list[P4RTError | None] = [None] * len(updates)
        undos = []
        for i, update in enumerate(updates):
            try:
                undos.append(state.write(update))
            except P4RTError as err:
                errors[i] = err
            except Exception as exc:  # a dataplane bug must not take the server down
                log.exception("update %d failed inside the dataplane", i)
                errors[i] = P4RTError(grpc.StatusCode.INTERNAL, f"dataplane error: {exc}")
            if errors[i] is not None and rollback:
                for undo in reversed(undos):
                    undo()
                aborted = P4RTError(grpc.StatusCode.ABORTED, "rolled back: another update failed")
                return [errors[j] if j == i else aborted for j in range(len(updates))]
        return errors

    async def Read(
        self, request: p4r.ReadRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[p4r.ReadResponse]:
        entities: list[p4r.Entity] = []
        try:
            self._check_device(request.device_id)
            pipeline = self._require_pipeline()
            for entity in request.entities:
                entities.extend(pipeline.state.read(entity))
        except P4RTError as err:
            await context.abort(err.code, err.message)
        for start in range(0, max(len(entities), 1), READ_CHUNK):
            yield p4r.ReadResponse(entities=entities[start : start + READ_CHUNK])

    # ------------------------------------------------------------------ stream channel

    async def StreamChannel(
        self,
        request_iterator: AsyncIterator[p4r.StreamMessageRequest],
        context: grpc.aio.ServicerContext,
    ) -> AsyncIterator[p4r.StreamMessageResponse]:
        queue: asyncio.Queue[p4r.StreamMessageResponse | P4RTError | None] = asyncio.Queue()

        def send(msg: p4r.StreamMessageResponse) -> None:
            if queue.qsize() >= MAX_PENDING_STREAM_MESSAGES and msg.HasField("packet"):
                return
            queue.put_nowait(msg)

        ctrl = Controller(send)
        reader = asyncio.create_task(self._read_stream(request_iterator, ctrl, queue))
        try:
            while True:
                item = await queue.get()
                if item is None:
                    return
                if isinstance(item, P4RTError):
                    await context.abort(item.code, item.message)
                    return
                yield item
        finally:
            reader.cancel()
            self.arbiter.remove(ctrl)

    async def _read_stream(
        self,
        requests: AsyncIterator[p4r.StreamMessageRequest],
        ctrl: Controller,
        queue: asyncio.Queue[p4r.StreamMessageResponse | P4RTError | None],
    ) -> None:
        try:
            async for msg in requests:
                try:
                    self._stream_message(ctrl, msg)
                except P4RTError as err:
                    queue.put_nowait(err)
                    return
        except (asyncio.CancelledError, grpc.aio.AioRpcError):
            pass
        finally:
            queue.put_nowait(None)

    def _stream_message(self, ctrl: Controller, msg: p4r.StreamMessageRequest) -> None:
        kind = msg.WhichOneof("update")
        if kind == "arbitration":
            self.arbiter.update(ctrl, msg.arbitration)
            return
        if not ctrl.arbitrated:
            raise P4RTError(
                grpc.StatusCode.FAILED_PRECONDITION, "send a MasterArbitrationUpdate first"
            )
        if kind == "packet":
            self._packet_out(ctrl, msg.packet)
        elif kind == "digest_ack":
            if self.pipeline is not None:
                self.pipeline.digests.ack(msg.digest_ack)
        else:
            ctrl.send(
                self._stream_error(unimplemented(f"stream message {kind!r} is not supported"), msg)
            )

    def _stream_error(
        self, err: P4RTError, msg: p4r.StreamMessageRequest
    ) -> p4r.StreamMessageResponse:
        error = p4r.StreamError(canonical_code=google_rpc_code(err.code), message=err.message)
        if msg.HasField("packet"):
            error.packet_out.packet_out.CopyFrom(msg.packet)
        elif msg.HasField("other"):
            error.other.other.CopyFrom(msg.other)
        return p4r.StreamMessageResponse(error=error)

    def _packet_out(self, ctrl: Controller, packet: p4r.PacketOut) -> None:
        try:
            if self.arbiter.primary(ctrl.role) is not ctrl:
                raise permission_denied("only the primary may send PacketOut")
            pipeline = self._require_pipeline()
            pipeline.device.packet_out(pipeline.packet_out.encode(packet))
        except P4RTError as err:
            ctrl.send(self._stream_error(err, p4r.StreamMessageRequest(packet=packet)))

    def _packet_in(self, pipeline: Pipeline, packet: bytes) -> None:
        if pipeline is self.pipeline:
            self._broadcast(pipeline.packet_in.decode(packet))

    def _digest(self, pipeline: Pipeline, name: str, values: tuple[int, ...]) -> None:
        if pipeline is self.pipeline:
            pipeline.digests.on_digest(name, values)

    def scan_idle_entries(self) -> None:
        if self.pipeline is not None:
            msg = idle_notification(self.pipeline.state.tables, self.clock())
            if msg is not None:
                self._broadcast(msg)


class P4RuntimeServer:
    """The gRPC server around ``P4RuntimeService``, with the idle-timeout scanner."""

    def __init__(self, service: P4RuntimeService, idle_scan_s: float = 0.1) -> None:
        self.service = service
        self.idle_scan_s = idle_scan_s
        self._server: grpc.aio.Server | None = None
        self._scanner: asyncio.Task[None] | None = None

    async def start(self, address: str) -> int:
        """Listen on ``address`` (``host:port``, port 0 picks one); returns the bound port."""
        server = grpc.aio.server(
            options=[
                ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
                ("grpc.so_reuseport", 0),
            ]
        )
        p4runtime_pb2_grpc.add_P4RuntimeServicer_to_server(self.service, server)
        port = server.add_insecure_port(address)
        if port == 0:
            raise OSError(f"cannot listen on {address}")
        await server.start()
        self._server = server
        self._scanner = asyncio.create_task(self._scan_forever())
        return port

    async def _scan_forever(self) -> None:
        while True:
            await asyncio.sleep(self.idle_scan_s)
            try:
                self.service.scan_idle_entries()
            except Exception:
                log.exception("idle timeout scan failed")

    async def wait(self) -> None:
        assert self._server is not None
        await self._server.wait_for_termination()

    async def stop(self, grace_s: float = 1.0) -> None:
        if self._scanner is not None:
            self._scanner.cancel()
        if self._server is not None:
            await self._server.stop(grace_s)
