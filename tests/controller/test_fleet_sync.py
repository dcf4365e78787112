"""Fleet.sync reads back default entries and register cells (P4Runtime 9.1: a default entry
is read by table id with `is_default_action`), so an unchanged intent writes nothing and a
changed default is one MODIFY. Installs update from the state a switch is known to hold and
read it back only when that is unknown (a failed write, retried without waiting for an
event)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import finsy as fy
from finsy.proto import p4r

from controller.programming import switch_entities
from controller.reconcile import plan
from tests.controller.service_fixtures import fantel_pipeline, running_service, wait_for
from tests.controller.test_contract import CONTRACT


async def test_unchanged_state_writes_nothing_and_defaults_are_read_back(tmp_path: Path) -> None:
    async with running_service(tmp_path, "probes: false\n" + CONTRACT) as run:
        service, fake = run.service, run.fakes["e1"]
        schema = fy.P4Schema(fantel_pipeline(tmp_path).p4info)
        writes = len(fake.writes)
        result = await service.fleet.sync("e1")
        assert not result and result.summary() == "0 inserted, 0 modified, 0 deleted"
        assert len(fake.writes) == writes
        request = fake.reads[-1].entities
        defaults = {e.table_entry.table_id for e in request if e.table_entry.is_default_action}
        assert defaults == {schema.tables["switch_config"].id, schema.tables["fn_signing"].id}
        cells = {
            (e.register_entry.register_id, e.register_entry.index.index)
            for e in request
            if e.WhichOneof("entity") == "register_entry"
        }
        enabled = schema.registers["expert_enabled"].id
        assert cells == {(enabled, 5), (enabled, 6)}

        thresholds = replace(service.config.thresholds, flowlet_gap_s=1e-3)
        await service.set_thresholds(thresholds)
        (install,) = [e for e in service.events.since(0) if e.get("why") == "thresholds"]
        assert install["switches"]["e1"] == "0 inserted, 1 modified, 0 deleted"
        (update,) = [u for u in fake.writes[-1].updates]
        assert update.type == p4r.Update.MODIFY and update.entity.table_entry.is_default_action


async def test_installs_do_not_read_back_until_a_write_fails(tmp_path: Path) -> None:
    async with running_service(tmp_path) as run:
        service, fakes = run.service, run.fakes
        schema = fy.P4Schema(fantel_pipeline(tmp_path).p4info)
        reads = {name: len(fake.reads) for name, fake in fakes.items()}
        await service.link_down("e1:1-c1:1")
        await service.wait_idle()
        assert {name: len(fake.reads) for name, fake in fakes.items()} == reads
        first = next(e for e in service.events.since(0) if e.get("why") == "te")
        assert first["switches"]["e1"] != "0 inserted, 0 modified, 0 deleted"

        e1 = fakes["e1"]
        e1.refuse_writes = 1
        before = len(e1.reads)
        await service.link_up("e1:1-c1:1")
        # e1 may hold anything now: the retry, due without any further event, reads it back
        # and repairs it.
        await wait_for(lambda: len(e1.reads) > before, "a read-back of e1")
        await service.wait_idle()
        kinds = [e["kind"] for e in service.events.since(0)]
        assert kinds.count("install_error") == 1
        solves = [e for e in service.events.since(0) if e["kind"] == "te_solve"]
        assert any("retry after an install error" in e["reasons"] for e in solves)
        desired = [e.encode(schema) for e in switch_entities(service.intent(), "e1")]
        assert not plan(desired, list(e1.entities.values()))
