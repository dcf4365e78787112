"""The controller's local HTTP JSON API (aiohttp, 127.0.0.1 only) and Prometheus `/metrics`.

`fantelctl` talks to the controller only through this API; the routes and bodies are documented
in `docs/controller.md`. Errors are JSON `{"error": "..."}` with 400 (bad input), 404 (unknown
name) or 409 (reservation rejected by admission control).

Rates in requests are modelled (real-world) rates such as "10Gbps"; the controller works in
testbed rates, `rate * topology.scale` (docs/topology-format.md, "Capacity scale").
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from controller.config import ConfigError, parse_policy, parse_thresholds
from controller.notifications import Condition
from controller.service import ControllerService
from controller.te import AdmissionError
from controller.topology import parse_delay, parse_rate

SERVICE: web.AppKey[ControllerService] = web.AppKey("service", ControllerService)
PREFIX = "/api/v1"
_LONG_UNITS = {"min": 60.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_DURATION = re.compile(r"^\s*([0-9]+(?:\.[0-9]*)?)\s*(min|m|h|d)\s*$")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class BadRequest(ValueError):
    """Input the client must fix (400)."""


def parse_duration(text: str) -> float:
    """ "3h", "90min", "45s", "500ms" -> seconds."""
    match = _DURATION.match(text)
    if match:
        return float(match.group(1)) * _LONG_UNITS[match.group(2)]
    return parse_delay(text)


@web.middleware
async def _errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Map the service's exceptions to JSON errors; nothing escapes as a traceback."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except AdmissionError as exc:
        return _error(409, str(exc))
    except KeyError as exc:
        return _error(404, str(exc.args[0]) if exc.args else "not found")
    except (BadRequest, ConfigError, ValueError) as exc:
        return _error(400, str(exc))


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def create_app(service: ControllerService) -> web.Application:
    app = web.Application(middlewares=[_errors])
    app[SERVICE] = service
    get, post, put, delete = web.get, web.post, web.put, web.delete
    app.add_routes(
        [
            get(f"{PREFIX}/status", _status),
            get(f"{PREFIX}/topology", _topology),
            get(f"{PREFIX}/paths", _paths),
            get(f"{PREFIX}/weights", _weights),
            get(f"{PREFIX}/events", _events),
            get(f"{PREFIX}/reservations", _reservations),
            post(f"{PREFIX}/reservations", _reserve),
            delete(f"{PREFIX}/reservations/{{task}}", _release),
            post(f"{PREFIX}/demands", _demand),
            get(f"{PREFIX}/policy", _policy),
            put(f"{PREFIX}/policy", _set_policy),
            get(f"{PREFIX}/tenants", _tenants),
            put(f"{PREFIX}/tenants/{{name}}", _set_tenant),
            get(f"{PREFIX}/thresholds", _thresholds),
            put(f"{PREFIX}/thresholds", _set_thresholds),
            post(f"{PREFIX}/links/{{name}}/{{state:down|up}}", _link),
            post(f"{PREFIX}/audit", _audit),
            get(f"{PREFIX}/switches/{{name}}/shell", _shell),
            get(f"{PREFIX}/keys", _keys),
            post(f"{PREFIX}/keys/{{tenant}}/rotate", _rotate_key),
            delete(f"{PREFIX}/keys/{{tenant}}/{{key_id:[0-9]+}}", _retire_key),
            get(f"{PREFIX}/pools", _pools),
            post(f"{PREFIX}/pools/{{name}}/endpoints/{{address}}/{{state:down|up}}", _endpoint),
            get(f"{PREFIX}/experts", _experts),
            put(f"{PREFIX}/experts/{{expert_id:[0-9]+}}", _set_expert),
            post(f"{PREFIX}/experts/{{expert_id:[0-9]+}}/load", _expert_load),
            get("/metrics", _metrics),
        ]
    )
    return app


async def start_api(service: ControllerService, host: str, port: int) -> web.AppRunner:
    """Serve the API; the caller keeps the runner and calls `cleanup()` to stop."""
    runner = web.AppRunner(create_app(service), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


def _svc(request: web.Request) -> ControllerService:
    return request.app[SERVICE]


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except json.JSONDecodeError as exc:
        raise BadRequest(f"the body is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    return body


def _field(body: dict[str, Any], name: str, kind: type) -> Any:
    if name not in body:
        raise BadRequest(f"missing field {name!r}")
    value = body[name]
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise BadRequest(f"field {name!r} must be a {kind.__name__}, got {value!r}")
    return value


# -- views -------------------------------------------------------------------------------------


async def _status(request: web.Request) -> web.Response:
    svc = _svc(request)
    solution = svc.solution
    return web.json_response(
        {
            "topology": svc.topology.name,
            "switches": [
                {
                    "name": t.name,
                    "address": t.address,
                    "device_id": t.device_id,
                    "ready": svc.fleet.ready(t.name),
                }
                for t in svc.targets
            ],
            "te": {
                "solves": svc.solves,
                "max_utilization": solution.max_utilization,
                "feasible": solution.feasible,
                "failed_links": sorted(solution.failed_links),
                "solve_seconds": solution.timings.get("total", 0.0),
                "unprotected": len(solution.unprotected),
            },
            "reservations": len(svc.engine.reservations),
            "active": {
                condition.value: sorted(str(obj) for obj in svc.soft_state.active(condition))
                for condition in Condition
            },
            "notification_replays": svc.soft_state.replays,
            "held_down": svc.damper.holding(svc.now()),
            "audit": {
                "interval_s": svc.auditor.interval_s,
                "rounds": svc.auditor.rounds,
                "drift_found": svc.auditor.drift_found,
            },
            "auth_failures": _auth_failures(svc),
            "events": svc.events.last_seq,
        }
    )


async def _topology(request: web.Request) -> web.Response:
    svc = _svc(request)
    topo, solution = svc.topology, svc.solution
    links = []
    for link in topo.links.values():
        arcs = [(link.name, link.a.switch), (link.name, link.b.switch)]
        links.append(
            {
                "name": link.name,
                "a": str(link.a),
                "b": str(link.b),
                "capacity_bps": link.capacity_bps,
                "testbed_bps": link.testbed_bps,
                "delay_s": link.delay_s,
                "up": link.name not in solution.failed_links,
                "planned_utilization": {a[1]: solution.arc_utilization.get(a, 0.0) for a in arcs},
                "measured_utilization": {a[1]: svc.measured[a] for a in arcs if a in svc.measured},
            }
        )
    return web.json_response(
        {
            "name": topo.name,
            "scale": topo.scale,
            "switches": [
                {"name": s.name, "device_id": s.device_id, "site": s.site}
                for s in topo.switches.values()
            ],
            "links": links,
            "hosts": [
                {"name": h.name, "ip": str(h.ip), "switch": h.switch, "port": h.port}
                for h in topo.hosts.values()
            ],
        }
    )


async def _paths(request: web.Request) -> web.Response:
    svc = _svc(request)
    try:
        src, dst = request.query["src"], request.query["dst"]
    except KeyError as exc:
        raise BadRequest(f"missing query parameter {exc.args[0]!r}") from None
    pair = (svc.endpoint(src), svc.endpoint(dst))
    candidates = await svc.candidate_paths(*pair)
    flows = {path.hops: rate for path, rate in svc.solution.path_flows.get(pair, [])}
    return web.json_response(
        {
            "src": pair[0],
            "dst": pair[1],
            "demand_bps": svc.engine.demands.get(pair, 0.0),
            "paths": [
                {
                    "switches": list(path.nodes),
                    "links": [hop.link for hop in path.hops],
                    "delay_s": path.delay,
                    "flow_bps": flows.get(path.hops, 0.0),
                }
                for path in candidates
            ],
        }
    )


async def _weights(request: web.Request) -> web.Response:
    svc = _svc(request)
    switch = request.query.get("switch")
    if switch is not None and switch not in svc.topology.switches:
        raise KeyError(f"unknown switch {switch!r}")
    names = [switch] if switch else list(svc.topology.switches)
    solution, result = svc.solution, {}
    for name in names:
        ports = svc.topology.port_map(name)
        result[name] = {
            dst: {
                "members": [
                    {"port": port, "weight": weight, "to": _peer(ports[port])}
                    for port, weight in members
                ],
                "backups": {
                    str(p): b for p, b in solution.backups.get(name, {}).get(dst, {}).items()
                },
            }
            for dst, members in sorted(solution.next_hops.get(name, {}).items())
            if dst != name
        }
    return web.json_response(result)


def _peer(neighbour: Any) -> str | None:
    return neighbour.peer.switch if neighbour.peer is not None else None


async def _events(request: web.Request) -> web.StreamResponse:
    svc = _svc(request)
    try:
        since = int(request.query.get("since", "0"))
    except ValueError:
        raise BadRequest("since must be an integer") from None
    kinds = frozenset(k for k in request.query.get("kind", "").split(",") if k) or None
    response = web.StreamResponse(headers={"Content-Type": "application/x-ndjson"})
    await response.prepare(request)
    if request.query.get("follow") in ("1", "true", "yes"):
        async for event in svc.events.follow(since, kinds):
            await response.write(json.dumps(event, default=str).encode() + b"\n")
    else:
        for event in svc.events.since(since, kinds):
            await response.write(json.dumps(event, default=str).encode() + b"\n")
    await response.write_eof()
    return response


def _reservation_json(svc: ControllerService, view: Any) -> dict[str, Any]:
    data: dict[str, Any] = view.as_dict()
    data["rate"] = view.rate_bps / svc.topology.scale
    return data


async def _reservations(request: web.Request) -> web.Response:
    svc = _svc(request)
    return web.json_response([_reservation_json(svc, v) for v in svc.reservations()])


async def _reserve(request: web.Request) -> web.Response:
    svc = _svc(request)
    body = await _body(request)
    rate = parse_rate(_field(body, "rate", str))
    duration = parse_duration(body["duration"]) if body.get("duration") is not None else None
    view = await svc.reserve(
        _field(body, "task", str),
        _field(body, "from", str),
        _field(body, "to", str),
        rate * svc.topology.scale,
        duration,
    )
    return web.json_response(_reservation_json(svc, view), status=201)


async def _release(request: web.Request) -> web.Response:
    await _svc(request).release(request.match_info["task"])
    return web.json_response({"released": request.match_info["task"]})


async def _demand(request: web.Request) -> web.Response:
    svc = _svc(request)
    body = await _body(request)
    rate_text = _field(body, "rate", str)
    rate = 0.0 if rate_text.strip() in ("0", "0bps") else parse_rate(rate_text)
    src, dst = _field(body, "from", str), _field(body, "to", str)
    await svc.set_demand(src, dst, rate * svc.topology.scale)
    return web.json_response({"from": src, "to": dst, "rate": rate})


async def _policy(request: web.Request) -> web.Response:
    return web.json_response(_svc(request).config.policy.as_dict())


async def _set_policy(request: web.Request) -> web.Response:
    svc = _svc(request)
    policy = parse_policy(json.dumps({"policy": await _body(request)}))
    await svc.set_policy(policy)
    return web.json_response(svc.config.policy.as_dict())


async def _tenants(request: web.Request) -> web.Response:
    svc = _svc(request)
    limits = svc.config.tenant_max_urgency(svc.topology)
    return web.json_response(
        [
            {
                "name": t.name,
                "id": t.id,
                "max_urgency": limits[t.name],
                "traffic_classes": list(t.traffic_classes),
            }
            for t in svc.topology.tenants.values()
        ]
    )


async def _set_tenant(request: web.Request) -> web.Response:
    svc = _svc(request)
    body = await _body(request)
    limit = _field(body, "max_urgency", int)
    if not 0 <= limit <= 255:
        raise BadRequest(f"max_urgency must be in 0..255, got {limit}")
    await svc.set_tenant_limit(request.match_info["name"], limit)
    return web.json_response({"name": request.match_info["name"], "max_urgency": limit})


async def _thresholds(request: web.Request) -> web.Response:
    return web.json_response(_svc(request).config.thresholds.as_dict())


async def _set_thresholds(request: web.Request) -> web.Response:
    """Fields left out keep their current value."""
    svc = _svc(request)
    merged = svc.config.thresholds.as_dict()
    for key, value in (await _body(request)).items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    await svc.set_thresholds(parse_thresholds(json.dumps({"thresholds": merged})))
    return web.json_response(svc.config.thresholds.as_dict())


async def _link(request: web.Request) -> web.Response:
    svc = _svc(request)
    name, state = request.match_info["name"], request.match_info["state"]
    await (svc.link_down(name) if state == "down" else svc.link_up(name))
    return web.json_response({"link": name, "state": state})


async def _audit(request: web.Request) -> web.Response:
    """Audit every ready switch now (as the periodic audit does)."""
    results = await _svc(request).auditor.round()
    return web.json_response(
        {
            name: None
            if result is None
            else {
                "missing": result.drift.inserted,
                "changed": result.drift.modified,
                "unexpected": result.drift.deleted,
                "subscriptions": result.subscriptions,
                "repaired": len(result.repair.updates) + result.subscriptions,
            }
            for name, result in results.items()
        }
    )


async def _shell(request: web.Request) -> web.Response:
    """What `fantelctl shell` needs to open p4runtime-shell on a switch."""
    svc = _svc(request)
    name = request.match_info["name"]
    target = next((t for t in svc.targets if t.name == name), None)
    if target is None:
        raise KeyError(f"unknown switch {name!r}")
    return web.json_response(
        {
            "switch": name,
            "grpc_addr": target.address,
            "device_id": target.device_id,
            "controller_election_id": svc.config.election_id,
            "p4info": str(svc.pipeline.p4info.resolve()),
            "device_config": str(svc.pipeline.device_config.resolve()),
        }
    )


def _auth_failures(svc: ControllerService) -> dict[str, int]:
    return {f"{domain}/{result}": n for (domain, result), n in sorted(svc.auth_failures.items())}


async def _keys(request: web.Request) -> web.Response:
    """Key ids only: keys leave the controller once, when `rotate` creates them."""
    svc = _svc(request)
    contract = svc.config.contract
    return web.json_response(
        {
            "tenants": {name: auth.as_dict() for name, auth in sorted(contract.sem_auth.items())},
            "fn": {
                "keys": [k.key_id for k in contract.fn_keys],
                "signing_key": contract.fn_signing_key,
            },
            "failures": _auth_failures(svc),
        }
    )


async def _rotate_key(request: web.Request) -> web.Response:
    tenant = request.match_info["tenant"]
    key = await _svc(request).rotate_key(tenant)
    return web.json_response({"tenant": tenant, **key.as_dict(secret=True)}, status=201)


async def _retire_key(request: web.Request) -> web.Response:
    tenant, key_id = request.match_info["tenant"], int(request.match_info["key_id"])
    await _svc(request).retire_key(tenant, key_id)
    return web.json_response({"tenant": tenant, "retired": key_id})


async def _pools(request: web.Request) -> web.Response:
    pools = _svc(request).config.contract.pools
    return web.json_response([pool.as_dict() for pool in pools.values()])


async def _endpoint(request: web.Request) -> web.Response:
    svc = _svc(request)
    name, address = request.match_info["name"], request.match_info["address"]
    await svc.set_endpoint_health(name, address, up=request.match_info["state"] == "up")
    return web.json_response(svc.config.contract.pools[name].as_dict())


async def _experts(request: web.Request) -> web.Response:
    experts = _svc(request).config.contract.experts
    return web.json_response([e.as_dict() for _, e in sorted(experts.items())])


async def _set_expert(request: web.Request) -> web.Response:
    svc = _svc(request)
    expert_id = int(request.match_info["expert_id"])
    enabled = _field(await _body(request), "enabled", bool)
    await svc.set_expert(expert_id, enabled=enabled)
    return web.json_response(svc.config.contract.experts[expert_id].as_dict())


async def _expert_load(request: web.Request) -> web.Response:
    svc = _svc(request)
    expert_id = int(request.match_info["expert_id"])
    load = _field(await _body(request), "load", int)
    switches = await svc.set_expert_load(expert_id, load)
    return web.json_response({"id": expert_id, "load": load, "switches": switches})


async def _metrics(request: web.Request) -> web.Response:
    return web.Response(
        body=_svc(request).metrics.exposition(),
        headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"},
    )
