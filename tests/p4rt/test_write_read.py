"""Write/Read of table entries over raw gRPC stubs: codes, canonical forms, batches."""

from __future__ import annotations

import grpc
import pytest
from finsy.proto import p4r

from softswitch.p4rt.device import ActionCall
from tests.p4rt.conftest import Env, Stream, write_errors
from tests.p4rt.helpers import DELETE, INSERT, MODIFY, drop_action, fwd_entry, set_port, update
from tests.p4rt.p4info_fixture import ACL, CONST_T, FWD, LPM, NO_ACTION, SET_DEFAULT_ONLY, SET_PORT

MAC = bytes.fromhex("000000000a01")


async def expect_code(coro: object, code: grpc.StatusCode) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await coro  # type: ignore[misc]
    assert info.value.code() == code, info.value.details()
    return info.value


async def expect_update_error(env: Env, upd: p4r.Update, code: grpc.StatusCode) -> str:
    err = await expect_code(env.write(upd), grpc.StatusCode.UNKNOWN)
    (error,) = write_errors(err)
    assert error.canonical_code == code.value[0], error.message
    return error.message


async def test_insert_reads_back_canonical(env: Env, primary: Stream) -> None:
    # Leading zeros are accepted on input and stripped on output (spec 8.3).
    await env.write(update(INSERT, table_entry=fwd_entry(b"\x00\x00" + MAC, port=b"\x00\x02")))
    (entity,) = await env.read(p4r.Entity(table_entry=p4r.TableEntry(table_id=FWD)))
    entry = entity.table_entry
    assert entry.match[0].exact.value == MAC.lstrip(b"\x00")
    assert entry.action.action.params[0].value == b"\x02"
    (installed,) = [a for r, a in env.target.device.entries.items() if r.table == "ingress.fwd"]
    assert installed == ActionCall("ingress.set_port", (("port", 2),))


async def test_duplicate_missing_and_modify(env: Env, primary: Stream) -> None:
    await env.write(update(INSERT, table_entry=fwd_entry(MAC)))
    await expect_update_error(
        env, update(INSERT, table_entry=fwd_entry(MAC)), grpc.StatusCode.ALREADY_EXISTS
    )
    other = bytes.fromhex("0000000000ff")
    await expect_update_error(
        env, update(MODIFY, table_entry=fwd_entry(other)), grpc.StatusCode.NOT_FOUND
    )
    await expect_update_error(
        env, update(DELETE, table_entry=fwd_entry(other)), grpc.StatusCode.NOT_FOUND
    )
    await env.write(update(MODIFY, table_entry=fwd_entry(MAC, port=b"\x05")))
    (entity,) = await env.read(p4r.Entity(table_entry=p4r.TableEntry(table_id=FWD)))
    assert entity.table_entry.action.action.params[0].value == b"\x05"
    await env.write(update(DELETE, table_entry=fwd_entry(MAC)))
    assert await env.read(p4r.Entity(table_entry=p4r.TableEntry(table_id=FWD))) == []
    assert env.target.device.entries.keys() == {
        e.ref for e in env.target.initial["ingress.const_t"]
    }


async def test_width_and_id_validation(env: Env, primary: Stream) -> None:
    too_wide = b"\x01" + b"\x00" * 6  # 49 bits for a bit<48> field
    await expect_update_error(
        env, update(INSERT, table_entry=fwd_entry(too_wide)), grpc.StatusCode.OUT_OF_RANGE
    )
    await expect_update_error(
        env,
        update(INSERT, table_entry=fwd_entry(MAC, port=b"\x02\x00")),
        grpc.StatusCode.OUT_OF_RANGE,
    )
    await expect_update_error(
        env, update(INSERT, table_entry=fwd_entry(b"")), grpc.StatusCode.INVALID_ARGUMENT
    )
    unknown_table = fwd_entry(MAC)
    unknown_table.table_id = 0x02FFFFFF
    await expect_update_error(
        env, update(INSERT, table_entry=unknown_table), grpc.StatusCode.NOT_FOUND
    )
    unknown_action = fwd_entry(MAC)
    unknown_action.action.action.action_id = 0x01FFFFFF
    await expect_update_error(
        env, update(INSERT, table_entry=unknown_action), grpc.StatusCode.NOT_FOUND
    )
    foreign_action = fwd_entry(MAC)
    foreign_action.action.action.action_id = NO_ACTION
    foreign_action.action.action.ClearField("params")
    await expect_update_error(
        env, update(INSERT, table_entry=foreign_action), grpc.StatusCode.INVALID_ARGUMENT
    )
    missing_param = fwd_entry(MAC)
    missing_param.action.action.ClearField("params")
    await expect_update_error(
        env, update(INSERT, table_entry=missing_param), grpc.StatusCode.INVALID_ARGUMENT
    )
    no_key = p4r.TableEntry(table_id=FWD, action=set_port(b"\x01"))
    await expect_update_error(
        env, update(INSERT, table_entry=no_key), grpc.StatusCode.INVALID_ARGUMENT
    )
    default_only = p4r.TableEntry(
        table_id=FWD,
        match=fwd_entry(MAC).match,
        action=p4r.TableAction(action=p4r.Action(action_id=SET_DEFAULT_ONLY)),
    )
    await expect_update_error(
        env, update(INSERT, table_entry=default_only), grpc.StatusCode.INVALID_ARGUMENT
    )
    assert len(env.target.device.entries) == 1  # only the const entry


def acl(priority: int, *fields: p4r.FieldMatch) -> p4r.TableEntry:
    return p4r.TableEntry(table_id=ACL, match=list(fields), priority=priority, action=drop_action())


def ternary(value: bytes, mask: bytes) -> p4r.FieldMatch:
    return p4r.FieldMatch(field_id=1, ternary=p4r.FieldMatch.Ternary(value=value, mask=mask))


async def test_ternary_range_optional_and_priority(env: Env, primary: Stream) -> None:
    bad = [
        (acl(0, ternary(b"\x0a", b"\xff")), "priority"),
        (acl(1, ternary(b"\x0b", b"\x0e")), "outside the mask"),
        (acl(1, ternary(b"\x00", b"\x00")), "wildcard"),
        (
            acl(
                1, p4r.FieldMatch(field_id=2, range=p4r.FieldMatch.Range(low=b"\x09", high=b"\x02"))
            ),
            "low",
        ),
        (
            acl(
                1,
                p4r.FieldMatch(
                    field_id=2, range=p4r.FieldMatch.Range(low=b"\x00", high=b"\xff\xff")
                ),
            ),
            "full range",
        ),
        (
            acl(1, p4r.FieldMatch(field_id=1, exact=p4r.FieldMatch.Exact(value=b"\x01"))),
            "expected a ternary",
        ),
    ]
    for entry, message in bad:
        assert message in await expect_update_error(
            env, update(INSERT, table_entry=entry), grpc.StatusCode.INVALID_ARGUMENT
        )
    good = acl(
        5,
        ternary(b"\x00\x0a\x00\x00\x00", b"\xff\x00\x00\x00"),
        p4r.FieldMatch(field_id=2, range=p4r.FieldMatch.Range(low=b"\x00\x50", high=b"\x01\xbb")),
        p4r.FieldMatch(field_id=3, optional=p4r.FieldMatch.Optional(value=b"\x01")),
    )
    await env.write(update(INSERT, table_entry=good))
    (entity,) = await env.read(p4r.Entity(table_entry=p4r.TableEntry(table_id=ACL)))
    read = entity.table_entry
    assert read.priority == 5
    assert read.match[0].ternary.value == b"\x0a\x00\x00\x00"
    assert read.match[1].range.low == b"\x50" and read.match[1].range.high == b"\x01\xbb"
    assert read.match[2].optional.value == b"\x01"
    # Same key, other priority: a distinct entry. Reads filter by priority.
    await env.write(
        update(INSERT, table_entry=acl(6, ternary(b"\x0a\x00\x00\x00", b"\xff\x00\x00\x00")))
    )
    assert len(await env.read(p4r.Entity(table_entry=p4r.TableEntry(table_id=ACL)))) == 2
    assert (
        len(await env.read(p4r.Entity(table_entry=p4r.TableEntry(table_id=ACL, priority=6)))) == 1
    )


async def test_lpm_validation_and_read_by_key(env: Env, primary: Stream) -> None:
    def lpm(value: bytes, plen: int) -> p4r.TableEntry:
        return p4r.TableEntry(
            table_id=LPM,
            match=[
                p4r.FieldMatch(field_id=1, lpm=p4r.FieldMatch.LPM(value=value, prefix_len=plen))
            ],
            action=set_port(b"\x03"),
        )

    await expect_update_error(
        env,
        update(INSERT, table_entry=lpm(b"\x0a\x00\x00\x01", 8)),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    await expect_update_error(
        env,
        update(INSERT, table_entry=lpm(b"\x0a\x00\x00\x00", 33)),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    await expect_update_error(
        env, update(INSERT, table_entry=lpm(b"\x00", 0)), grpc.StatusCode.INVALID_ARGUMENT
    )
    await env.write(
        update(INSERT, table_entry=lpm(b"\x0a\x00\x00\x00", 8)),
        update(INSERT, table_entry=lpm(b"\x0b\x00\x00\x00", 8)),
    )
    (entity,) = await env.read(p4r.Entity(table_entry=lpm(b"\x0b\x00\x00\x00", 8)))
    assert entity.table_entry.match[0].lpm.value == b"\x0b\x00\x00\x00"


async def test_default_entry(env: Env, primary: Stream) -> None:
    request = p4r.Entity(table_entry=p4r.TableEntry(table_id=FWD, is_default_action=True))
    (entity,) = await env.read(request)
    assert (
        entity.table_entry.is_default_action
        and entity.table_entry.action.action.action_id != SET_PORT
    )
    default = p4r.TableEntry(table_id=FWD, is_default_action=True, action=set_port(b"\x07"))
    await expect_update_error(
        env, update(INSERT, table_entry=default), grpc.StatusCode.INVALID_ARGUMENT
    )
    await env.write(update(MODIFY, table_entry=default))
    assert env.target.device.defaults["ingress.fwd"].args == (("port", 7),)
    (entity,) = await env.read(request)
    assert entity.table_entry.action.action.params[0].value == b"\x07"
    # Wildcard reads never include the default entry.
    assert await env.read(p4r.Entity(table_entry=p4r.TableEntry(table_id=FWD))) == []
    await env.write(
        update(MODIFY, table_entry=p4r.TableEntry(table_id=FWD, is_default_action=True))
    )
    assert env.target.device.defaults["ingress.fwd"].name == "ingress.drop"
    const_default = p4r.TableEntry(table_id=CONST_T, is_default_action=True, action=drop_action())
    await expect_update_error(
        env, update(MODIFY, table_entry=const_default), grpc.StatusCode.PERMISSION_DENIED
    )


async def test_const_table_reads_program_entries(env: Env, primary: Stream) -> None:
    (entity,) = await env.read(p4r.Entity(table_entry=p4r.TableEntry(table_id=CONST_T)))
    assert entity.table_entry.is_const and entity.table_entry.match[0].exact.value == b"\x08\x00"
    await expect_update_error(
        env, update(DELETE, table_entry=entity.table_entry), grpc.StatusCode.PERMISSION_DENIED
    )


async def test_table_full(env: Env, primary: Stream) -> None:
    await env.write(
        *(update(INSERT, table_entry=fwd_entry(bytes([0, 0, 0, 0, 0, i]))) for i in range(1, 5))
    )
    await expect_update_error(
        env, update(INSERT, table_entry=fwd_entry(b"\x09")), grpc.StatusCode.RESOURCE_EXHAUSTED
    )


async def test_continue_on_error_reports_every_update(env: Env, primary: Stream) -> None:
    err = await expect_code(
        env.write(
            update(INSERT, table_entry=fwd_entry(b"\x01")),
            update(INSERT, table_entry=fwd_entry(b"\x01")),
            update(INSERT, table_entry=fwd_entry(b"\x02")),
        ),
        grpc.StatusCode.UNKNOWN,
    )
    codes = [e.canonical_code for e in write_errors(err)]
    assert codes == [0, grpc.StatusCode.ALREADY_EXISTS.value[0], 0]
    assert len(await env.read(p4r.Entity(table_entry=p4r.TableEntry(table_id=FWD)))) == 2


async def test_rollback_on_error_restores_state(env: Env, primary: Stream) -> None:
    await env.write(update(INSERT, table_entry=fwd_entry(b"\x01", port=b"\x01")))
    before = dict(env.target.device.entries)
    err = await expect_code(
        env.write(
            update(MODIFY, table_entry=fwd_entry(b"\x01", port=b"\x09")),
            update(DELETE, table_entry=fwd_entry(b"\x01")),
            update(INSERT, table_entry=fwd_entry(b"\x02")),
            update(INSERT, table_entry=fwd_entry(b"\x03", port=b"\xff\xff")),
            update(INSERT, table_entry=fwd_entry(b"\x04")),
            atomicity=p4r.WriteRequest.ROLLBACK_ON_ERROR,
        ),
        grpc.StatusCode.UNKNOWN,
    )
    codes = [e.canonical_code for e in write_errors(err)]
    aborted, oor = grpc.StatusCode.ABORTED.value[0], grpc.StatusCode.OUT_OF_RANGE.value[0]
    assert codes == [aborted, aborted, aborted, oor, aborted]
    assert env.target.device.entries == before
    (entity,) = await env.read(p4r.Entity(table_entry=p4r.TableEntry(table_id=FWD)))
    assert entity.table_entry.action.action.params[0].value == b"\x01"


async def test_dataplane_atomic_is_unimplemented(env: Env, primary: Stream) -> None:
    await expect_code(
        env.write(
            update(INSERT, table_entry=fwd_entry(b"\x01")),
            atomicity=p4r.WriteRequest.DATAPLANE_ATOMIC,
        ),
        grpc.StatusCode.UNIMPLEMENTED,
    )


async def test_request_level_codes(env: Env) -> None:
    await expect_code(
        env.read(p4r.Entity(table_entry=p4r.TableEntry())), grpc.StatusCode.FAILED_PRECONDITION
    )
    stream = env.stream()
    await stream.arbitrate(env.election_id)
    await expect_code(
        env.write(update(INSERT, table_entry=fwd_entry(b"\x01"))),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    await env.set_pipeline()
    await expect_code(
        env.write(update(INSERT, table_entry=fwd_entry(b"\x01")), election_id=9),
        grpc.StatusCode.PERMISSION_DENIED,
    )
    await expect_code(
        env.stub.Write(
            p4r.WriteRequest(
                device_id=99,
                election_id={"low": 10},
                updates=[update(INSERT, table_entry=fwd_entry(b"\x01"))],
            )
        ),
        grpc.StatusCode.NOT_FOUND,
    )
    await expect_code(
        env.stub.Write(
            p4r.WriteRequest(device_id=1, updates=[update(INSERT, table_entry=fwd_entry(b"\x01"))])
        ),
        grpc.StatusCode.PERMISSION_DENIED,
    )
    stream.cancel()


async def test_idle_timeout_and_time_since_last_hit(env: Env, primary: Stream) -> None:
    await env.write(
        update(
            INSERT,
            table_entry=fwd_entry(b"\x01", idle_timeout_ns=1_000_000, controller_metadata=42),
        )
    )
    env.clock.now += 500_000
    (entity,) = await env.read(
        p4r.Entity(table_entry=p4r.TableEntry(table_id=FWD, time_since_last_hit={}))
    )
    assert entity.table_entry.time_since_last_hit.elapsed_ns == 500_000
    env.clock.now += 600_000
    msg = await primary.next_of("idle_timeout_notification")
    (expired,) = msg.idle_timeout_notification.table_entry
    assert expired.controller_metadata == 42 and expired.idle_timeout_ns == 1_000_000
    assert expired.match[0].exact.value == b"\x01" and not expired.HasField("action")
    on_lpm = p4r.TableEntry(
        table_id=LPM,
        idle_timeout_ns=5,
        match=[p4r.FieldMatch(field_id=1, lpm={"value": b"\x0a\x00\x00\x00", "prefix_len": 8})],
        action=set_port(b"\x01"),
    )
    await expect_update_error(
        env, update(INSERT, table_entry=on_lpm), grpc.StatusCode.INVALID_ARGUMENT
    )
