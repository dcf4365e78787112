"""The HTTP API and fantelctl against a service whose fleet talks to fake P4Runtime servers."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from aiohttp import ClientSession
from typer.testing import CliRunner

from controller.api import start_api
from controller.cli import app
from controller.reconcile import entity_key
from controller.wire import FnType
from tests.controller.service_fixtures import fn_frame, running_service


async def _cli(base: str, *args: str) -> tuple[int, str]:
    result = await asyncio.to_thread(CliRunner().invoke, app, ["--api", base, *args])
    return result.exit_code, result.output


async def test_api_and_cli_drive_the_controller(tmp_path: Path) -> None:
    async with running_service(tmp_path) as run:
        service = run.service
        runner = await start_api(service, "127.0.0.1", 0)
        port = runner.addresses[0][1]
        base = f"http://127.0.0.1:{port}"
        try:
            async with ClientSession() as http:
                async with http.get(f"{base}/api/v1/status") as r:
                    status = await r.json()
                assert [s["ready"] for s in status["switches"]] == [True] * 5
                body = {
                    "task": "t1",
                    "from": "he1",
                    "to": "ha1",
                    "rate": "60Gbps",
                    "duration": "3h",
                }
                async with http.post(f"{base}/api/v1/reservations", json=body) as r:
                    assert r.status == 201
                    assert (await r.json())["rate"] == 60e9
                body["task"] = "t2"
                async with http.post(f"{base}/api/v1/reservations", json=body) as r:
                    assert r.status == 409 and "no path" in (await r.json())["error"]
                async with http.delete(f"{base}/api/v1/reservations/nope") as r:
                    assert r.status == 404
                async with http.put(
                    f"{base}/api/v1/thresholds", json={"queue_depth": {"high": 1}}
                ) as r:
                    assert r.status == 400 and "must not exceed high" in (await r.json())["error"]
                async with http.get(f"{base}/metrics") as r:
                    assert "fantel_te_solve_seconds_count" in await r.text()

            code, out = await _cli(base, "--json", "link", "down", "core-1")
            assert code == 0, out
            await service.wait_idle()
            assert "core-1" in service.solution.failed_links
            code, out = await _cli(base, "--json", "weights", "c1")
            assert code == 0 and json.loads(out)["c1"]["c2"]["members"][0]["to"] == "c2"
            code, out = await _cli(base, "thresholds", "--set", "queue_depth.high=99")
            assert code == 0 and "99" in out
            assert service.config.thresholds.queue_depth_high == 99
            first_params = {
                e.table_entry.action.action.params[0].value
                for e in run.fakes["e1"].stored("table_entry")
                if len(e.table_entry.action.action.params) == 4  # set_thresholds only
            }
            assert b"\x63" in first_params
            code, out = await _cli(base, "--json", "events", "--kind", "link_state")
            assert code == 0 and json.loads(out.splitlines()[0])["link"] == "core-1"
            code, out = await _cli(base, "tenant", "research", "--max-urgency", "42")
            assert code == 0 and "42" in out
            code, out = await _cli(base, "paths", "he1", "nowhere")
            assert code == 1 and "unknown switch or host 'nowhere'" in out
        finally:
            await runner.cleanup()


async def test_audit_and_hold_downs_through_the_api_and_cli(tmp_path: Path) -> None:
    async with running_service(tmp_path) as run:
        service, fake = run.service, run.fakes["e1"]
        runner = await start_api(service, "127.0.0.1", 0)
        base = f"http://127.0.0.1:{runner.addresses[0][1]}"
        try:
            await service.wait_idle()
            lost = next(iter(fake.stored("action_profile_group")))
            del fake.entities[entity_key(lost)]
            code, out = await _cli(base, "--json", "audit")
            assert code == 0, out
            report = json.loads(out)
            assert report["e1"] == {
                "missing": 1,
                "changed": 0,
                "unexpected": 0,
                "subscriptions": 0,
                "repaired": 1,
            }
            assert all(report[n]["repaired"] == 0 for n in report if n != "e1")
            assert entity_key(lost) in fake.entities

            # c1 (device 2) reports the e1 uplink's port dead, then recovered: held down.
            await service.handle_frame("e1", fn_frame(FnType.FAILURE_DETECTED, 2, 1, 1))
            await service.handle_frame("e1", fn_frame(FnType.FAILURE_RECOVERED, 2, 1, 2))
            code, out = await _cli(base, "--json", "status")
            status = json.loads(out)
            assert list(status["held_down"]) == ["e1:1-c1:1"]
            assert 0 < status["held_down"]["e1:1-c1:1"] <= 1.0
            assert status["audit"] == {"interval_s": 30.0, "rounds": 1, "drift_found": 1}
            code, out = await _cli(base, "status")
            assert code == 0 and "held down: e1:1-c1:1" in out and "audit every 30 s" in out
        finally:
            await runner.cleanup()


def test_cli_says_clearly_when_no_controller_runs() -> None:
    result = CliRunner().invoke(app, ["--api", "http://127.0.0.1:9", "status"])
    assert result.exit_code == 1
    assert "cannot reach the controller" in result.output
