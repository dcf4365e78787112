"""Builders for P4Runtime updates over the fixture P4Info, and polling with a deadline."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from finsy.proto import p4r

from tests.p4rt.p4info_fixture import DROP, FWD, SET_PORT

INSERT, MODIFY, DELETE = p4r.Update.INSERT, p4r.Update.MODIFY, p4r.Update.DELETE


def update(op: int, **entity: object) -> p4r.Update:
    return p4r.Update(type=op, entity=p4r.Entity(**entity))  # type: ignore[arg-type]


def set_port(port: bytes) -> p4r.TableAction:
    return p4r.TableAction(
        action=p4r.Action(action_id=SET_PORT, params=[p4r.Action.Param(param_id=1, value=port)])
    )


def fwd_entry(mac: bytes, port: bytes = b"\x01", **extra: object) -> p4r.TableEntry:
    return p4r.TableEntry(
        table_id=FWD,
        match=[p4r.FieldMatch(field_id=1, exact=p4r.FieldMatch.Exact(value=mac))],
        action=set_port(port),
        **extra,  # type: ignore[arg-type]
    )


def drop_action() -> p4r.TableAction:
    return p4r.TableAction(action=p4r.Action(action_id=DROP))


async def until(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    """Poll ``condition`` (work done on other threads or the server's loop) until it holds."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.005)
