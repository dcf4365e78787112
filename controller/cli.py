"""`fantelctl`: operate a running fantel controller through its local API (docs/controller.md).

Human-readable tables by default, `--json` for scripts. Every command except `serve` (which runs
the controller) and `shell` (which opens p4runtime-shell on a switch) is a thin API client.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
import yaml
from rich.console import Console
from rich.table import Table

DEFAULT_API = "http://127.0.0.1:9090"
CACHE = Path.home() / ".cache" / "fantel"
SHELL_VENV = CACHE / "p4runtime-shell"
#: The last p4runtime-shell release; it pins protobuf 3.20, hence its own venv.
SHELL_PACKAGE = "p4runtime-shell==0.0.6"

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Operate the fantel controller: status, paths, weights, events, reservations, policy.",
)
link_app = typer.Typer(no_args_is_help=True, help="Take a link down or up (experiments).")
app.add_typer(link_app, name="link")
key_app = typer.Typer(no_args_is_help=True, help="Tenants' SEM keys: list, rotate, retire.")
app.add_typer(key_app, name="key")
endpoint_app = typer.Typer(no_args_is_help=True, help="Mark a compute pool endpoint down or up.")
app.add_typer(endpoint_app, name="endpoint")

console = Console()
errors = Console(stderr=True)


class State:
    api = DEFAULT_API
    json = False


@app.callback()
def _options(
    api: Annotated[
        str, typer.Option(envvar="FANTEL_API", help="Controller API base URL.")
    ] = DEFAULT_API,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    State.api, State.json = api.rstrip("/"), as_json


# -- HTTP ---------------------------------------------------------------------------------------


def _fail(message: str) -> NoReturn:
    errors.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(1)


def _open(method: str, path: str, body: Any = None, timeout: float | None = 30.0) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"{State.api}/api/v1{path}",
        data=data,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    try:
        return urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        try:
            message = json.loads(exc.read())["error"]
        except (ValueError, KeyError, TypeError):
            message = f"HTTP {exc.code} {exc.reason}"
        _fail(message)
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        _fail(
            f"cannot reach the controller at {State.api} ({reason}); is `fantelctl serve` running?"
        )


def _call(method: str, path: str, body: Any = None) -> Any:
    with _open(method, path, body) as response:
        return json.loads(response.read())


def _query(path: str, **params: str | None) -> str:
    given = {k: v for k, v in params.items() if v is not None}
    return f"{path}?{urllib.parse.urlencode(given)}" if given else path


def _show(data: Any, table: Table | None = None) -> None:
    if State.json or table is None:
        console.print_json(json.dumps(data))
    else:
        console.print(table)


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def _rate(bps: float) -> str:
    for unit, scale in (("Tbps", 1e12), ("Gbps", 1e9), ("Mbps", 1e6), ("Kbps", 1e3)):
        if bps >= scale:
            return f"{bps / scale:g} {unit}"
    return f"{bps:g} bps"


# -- commands -----------------------------------------------------------------------------------


@app.command()
def status() -> None:
    """Switch sessions, TE state, reservations and active notifications."""
    data = _call("GET", "/status")
    table = Table(title=f"controller: topology {data['topology']}")
    for column in ("switch", "address", "device id", "session"):
        table.add_column(column)
    for s in data["switches"]:
        table.add_row(s["name"], s["address"], str(s["device_id"]), "ready" if s["ready"] else "-")
    te = data["te"]
    table.caption = (
        f"TE: {te['solves']} solves, max utilization {_pct(te['max_utilization'])}, "
        f"failed links: {', '.join(te['failed_links']) or 'none'}; "
        f"reservations: {data['reservations']}; active: "
        + ", ".join(f"{k} {len(v)}" for k, v in data["active"].items())
        + _held_down(data["held_down"])
        + _audit_caption(data["audit"])
    )
    _show(data, table)


def _held_down(links: dict[str, float]) -> str:
    if not links:
        return ""
    return "; held down: " + ", ".join(f"{name} ({left:.1f} s)" for name, left in links.items())


def _audit_caption(audit: dict[str, Any]) -> str:
    if not audit["interval_s"]:
        return "; audit off"
    return (
        f"; audit every {audit['interval_s']:g} s: {audit['rounds']} rounds, "
        f"{audit['drift_found']} drifted entities repaired"
    )


@app.command()
def audit() -> None:
    """Read every ready switch back now and repair what differs from the controller's intent."""
    data = _call("POST", "/audit")
    table = Table(title="audit")
    for column in ("switch", "missing", "changed", "unexpected", "subscriptions", "repaired"):
        table.add_column(column)
    for name, result in data.items():
        if result is None:
            table.add_row(name, "audit failed (see `fantelctl events --kind audit_error`)")
            continue
        table.add_row(
            name,
            *(str(result[k]) for k in ("missing", "changed", "unexpected", "subscriptions")),
            str(result["repaired"]),
        )
    _show(data, table)


@app.command()
def topology() -> None:
    """Links with capacity, state and utilization (planned by TE, and measured)."""
    data = _call("GET", "/topology")
    table = Table(title=f"topology {data['name']} (testbed scale {data['scale']:g})")
    for column in ("link", "a", "b", "capacity", "delay", "state", "planned", "measured"):
        table.add_column(column)
    for link in data["links"]:
        planned = " / ".join(_pct(v) for v in link["planned_utilization"].values())
        measured = " / ".join(_pct(v) for v in link["measured_utilization"].values()) or "-"
        table.add_row(
            link["name"],
            link["a"],
            link["b"],
            _rate(link["capacity_bps"]),
            f"{link['delay_s'] * 1e3:g} ms",
            "up" if link["up"] else "[red]down[/red]",
            planned,
            measured,
        )
    _show(data, table)


@app.command()
def paths(
    src: Annotated[str, typer.Argument(help="Source switch or host.")],
    dst: Annotated[str, typer.Argument(help="Destination switch or host.")],
) -> None:
    """Candidate paths between two endpoints and the flow TE puts on each."""
    data = _call("GET", _query("/paths", src=src, dst=dst))
    table = Table(title=f"{data['src']} -> {data['dst']}, demand {_rate(data['demand_bps'])}")
    for column in ("#", "switches", "links", "delay", "flow"):
        table.add_column(column)
    for index, path in enumerate(data["paths"], 1):
        table.add_row(
            str(index),
            " ".join(path["switches"]),
            ", ".join(path["links"]),
            f"{path['delay_s'] * 1e3:g} ms",
            _rate(path["flow_bps"]),
        )
    _show(data, table)


@app.command()
def weights(switch: Annotated[str | None, typer.Argument(help="Only this switch.")] = None) -> None:
    """Weighted next hops (action-selector groups) and fast-reroute backups."""
    data = _call("GET", _query("/weights", switch=switch))
    table = Table(title="next hops")
    for column in ("switch", "destination", "members (port->switch x weight)", "backups"):
        table.add_column(column)
    for name, destinations in data.items():
        for dst, entry in destinations.items():
            members = ", ".join(f"{m['port']}->{m['to']} x{m['weight']}" for m in entry["members"])
            backups = ", ".join(f"{p}=>{b}" for p, b in entry["backups"].items()) or "-"
            table.add_row(name, dst, members, backups)
    _show(data, table)


@app.command()
def events(
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep streaming.")] = False,
    since: Annotated[int, typer.Option(help="Only events after this sequence number.")] = 0,
    kind: Annotated[str | None, typer.Option(help="Comma-separated event kinds.")] = None,
) -> None:
    """The event log (notifications, digests, solves, installs): one line per event."""
    path = _query("/events", since=str(since), kind=kind, follow="1" if follow else None)
    try:
        with _open("GET", path, timeout=None) as response:
            for line in response:
                _print_event(json.loads(line))
    except KeyboardInterrupt:
        pass


def _print_event(event: dict[str, Any]) -> None:
    if State.json:
        print(json.dumps(event), flush=True)
        return
    details = " ".join(f"{k}={v}" for k, v in event.items() if k not in ("seq", "kind", "time"))
    console.print(f"{event['seq']:>6} {event['time']:.6f} [bold]{event['kind']}[/bold] {details}")


@app.command()
def reserve(
    task: Annotated[str, typer.Argument(help="Task name (the reservation's id).")],
    src: Annotated[str, typer.Option("--from", help="Source switch or host.")],
    dst: Annotated[str, typer.Option("--to", help="Destination switch or host.")],
    rate: Annotated[str, typer.Option(help="Real-world rate, e.g. 10Gbps.")],
    duration: Annotated[
        str | None, typer.Option("--for", help="How long, e.g. 3h, 90min, 30s.")
    ] = None,
) -> None:
    """Reserve bandwidth for a task (admission control against capacity)."""
    body = {"task": task, "from": src, "to": dst, "rate": rate, "duration": duration}
    data = _call("POST", "/reservations", body)
    if State.json:
        _show(data)
    else:
        console.print(f"reserved {task}: {_rate(data['rate'])} via {' '.join(data['path'])}")


@app.command()
def release(task: Annotated[str, typer.Argument(help="Task name.")]) -> None:
    """Release a reservation."""
    data = _call("DELETE", f"/reservations/{urllib.parse.quote(task)}")
    _show(data) if State.json else console.print(f"released {task}")


@app.command()
def reservations() -> None:
    """Admitted reservations."""
    data = _call("GET", "/reservations")
    table = Table(title="reservations")
    for column in ("task", "from", "to", "rate", "expires", "path"):
        table.add_column(column)
    for r in data:
        expires = "-" if r["expires_at"] is None else f"{r['expires_at']:.0f}"
        table.add_row(r["task"], r["from"], r["to"], _rate(r["rate"]), expires, " ".join(r["path"]))
    _show(data, table)


@app.command()
def demand(
    src: Annotated[str, typer.Option("--from", help="Source switch or host.")],
    dst: Annotated[str, typer.Option("--to", help="Destination switch or host.")],
    rate: Annotated[str, typer.Option(help="Real-world rate, e.g. 40Gbps; 0 removes it.")],
) -> None:
    """Set a best-effort demand for TE (experiments)."""
    data = _call("POST", "/demands", {"from": src, "to": dst, "rate": rate})
    _show(data) if State.json else console.print(f"demand {src} -> {dst}: {_rate(data['rate'])}")


@app.command()
def policy(
    file: Annotated[
        Path | None, typer.Option(help="Replace the policy with this YAML file's `policy:`.")
    ] = None,
) -> None:
    """Show (or replace) the class-to-queue rules and the SEM-aware hosts."""
    if file is not None:
        from controller.config import ConfigError, parse_policy

        try:
            text = file.read_text()
            parse_policy(text, str(file))  # file:line errors before anything is sent
        except (OSError, ConfigError) as exc:
            _fail(str(exc))
        data = _call("PUT", "/policy", (yaml.safe_load(text) or {}).get("policy", {}))
    else:
        data = _call("GET", "/policy")
    table = Table(title="semantic policy (first match wins)", caption=_aware(data))
    for column in ("#", "tenant", "class", "urgency", "stage", "queue"):
        table.add_column(column)
    for index, rule in enumerate(data["rules"], 1):
        table.add_row(
            str(index),
            rule.get("tenant", "*"),
            rule.get("class", "*"),
            rule["urgency"],
            str(rule.get("stage", "*")),
            str(rule["queue"]),
        )
    _show(data, table)


def _aware(data: dict[str, Any]) -> str:
    return "SEM kept towards: " + (", ".join(data["sem_aware_hosts"]) or "no host")


@app.command()
def tenant(
    name: Annotated[str | None, typer.Argument(help="Tenant to change.")] = None,
    max_urgency: Annotated[int | None, typer.Option(help="New urgency limit (0..255).")] = None,
) -> None:
    """List tenants with their urgency limits, or change one."""
    if name is not None and max_urgency is not None:
        _call("PUT", f"/tenants/{urllib.parse.quote(name)}", {"max_urgency": max_urgency})
    elif name is not None or max_urgency is not None:
        _fail("give both NAME and --max-urgency to change a tenant, or neither to list")
    data = _call("GET", "/tenants")
    table = Table(title="tenants")
    for column in ("tenant", "id", "max urgency", "classes"):
        table.add_column(column)
    for t in data:
        table.add_row(
            t["name"], str(t["id"]), str(t["max_urgency"]), ", ".join(t["traffic_classes"])
        )
    _show(data, table)


@app.command()
def thresholds(
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="KEY=VALUE, e.g. queue_depth.high=64 or probe.interval=5ms."),
    ] = None,
) -> None:
    """Show (or change) queue, sojourn, utilization, probe and FN thresholds."""
    if set_:
        data = _call("PUT", "/thresholds", _threshold_updates(set_))
    else:
        data = _call("GET", "/thresholds")
    table = Table(title="thresholds")
    table.add_column("setting")
    table.add_column("value")
    for key, value in _flatten(data):
        table.add_row(key, str(value))
    _show(data, table)


def _threshold_updates(assignments: list[str]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for item in assignments:
        key, sep, text = item.partition("=")
        if not sep or not key:
            _fail(f"expected KEY=VALUE, got {item!r}")
        value = yaml.safe_load(text)  # numbers stay numbers, "5ms" stays a string
        section, dot, leaf = key.partition(".")
        if dot:
            body.setdefault(section, {})[leaf] = value
        else:
            body[section] = value
    return body


def _flatten(data: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in data.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


@link_app.command("down")
def link_down(name: Annotated[str, typer.Argument(help="Link name.")]) -> None:
    """Tell TE the link is down (the data plane is not touched)."""
    _show(_call("POST", f"/links/{urllib.parse.quote(name)}/down"))


@link_app.command("up")
def link_up(name: Annotated[str, typer.Argument(help="Link name.")]) -> None:
    """Tell TE the link is back."""
    _show(_call("POST", f"/links/{urllib.parse.quote(name)}/up"))


@key_app.command("list")
def key_list() -> None:
    """Key ids per tenant (a rotation shows two), the FN keys and authentication failures."""
    data = _call("GET", "/keys")
    table = Table(title="SEM keys", caption=_key_caption(data))
    for column in ("tenant", "on failure", "key ids", "rotating"):
        table.add_column(column)
    for name, auth in data["tenants"].items():
        ids = ", ".join(str(k["id"]) for k in auth["keys"])
        table.add_row(name, auth["on_failure"], ids, "yes" if auth["rotating"] else "-")
    _show(data, table)


def _key_caption(data: dict[str, Any]) -> str:
    fn = data["fn"]
    signing = f"signing key {fn['signing_key']}" if fn["signing_key"] else "unsigned"
    failures = ", ".join(f"{k} {v}" for k, v in data["failures"].items()) or "none"
    return f"FNs: {signing}, keys {fn['keys'] or '-'}; auth failures: {failures}"


@key_app.command("rotate")
def key_rotate(tenant: Annotated[str, typer.Argument(help="Tenant name.")]) -> None:
    """Install a fresh key next to the tenant's current one and print it (once) for the
    senders; both verify until `key retire` removes the old one."""
    data = _call("POST", f"/keys/{urllib.parse.quote(tenant)}/rotate")
    if State.json:
        _show(data)
    else:
        console.print(f"tenant {tenant}: new key id {data['id']}, key {data['key']}")
        console.print("move the senders to it, then: fantelctl key retire TENANT OLD_ID")


@key_app.command("retire")
def key_retire(
    tenant: Annotated[str, typer.Argument(help="Tenant name.")],
    key_id: Annotated[int, typer.Argument(help="The key id to remove.")],
) -> None:
    """Remove a tenant's old key at the end of a rotation."""
    data = _call("DELETE", f"/keys/{urllib.parse.quote(tenant)}/{key_id}")
    _show(data) if State.json else console.print(f"tenant {tenant}: key {key_id} retired")


@app.command()
def pools() -> None:
    """Compute-affinity pools: who is steered where, and which endpoints are healthy."""
    data = _call("GET", "/pools")
    table = Table(title="compute pools")
    for column in ("pool", "id", "tenant", "task", "affinity", "endpoints (healthy)"):
        table.add_column(column)
    for pool in data:
        affinity = pool["affinity"] + (
            f" #{pool['affinity_id']}" if pool["affinity_id"] is not None else ""
        )
        endpoints = ", ".join(
            e if e in pool["healthy"] else f"[red]{e} down[/red]" for e in pool["endpoints"]
        )
        task = "*" if pool["task"] is None else str(pool["task"])
        table.add_row(pool["name"], str(pool["id"]), pool["tenant"], task, affinity, endpoints)
    _show(data, table)


@endpoint_app.command("down")
def endpoint_down(
    pool: Annotated[str, typer.Argument(help="Pool name.")],
    address: Annotated[str, typer.Argument(help="Endpoint address.")],
) -> None:
    """Take an endpoint out of its pool's selector group."""
    _show(_call("POST", f"/pools/{urllib.parse.quote(pool)}/endpoints/{address}/down"))


@endpoint_app.command("up")
def endpoint_up(
    pool: Annotated[str, typer.Argument(help="Pool name.")],
    address: Annotated[str, typer.Argument(help="Endpoint address.")],
) -> None:
    """Put an endpoint back into its pool."""
    _show(_call("POST", f"/pools/{urllib.parse.quote(pool)}/endpoints/{address}/up"))


@app.command()
def experts() -> None:
    """The MoE expert registry: address and eligibility per expert id."""
    data = _call("GET", "/experts")
    table = Table(title="experts")
    for column in ("expert", "address", "eligible"):
        table.add_column(column)
    for e in data:
        table.add_row(str(e["id"]), e["address"], "yes" if e["enabled"] else "[red]no[/red]")
    _show(data, table)


@app.command()
def expert(
    expert_id: Annotated[int, typer.Argument(help="Expert id.")],
    enable: Annotated[
        bool | None, typer.Option("--enable/--disable", help="Make it eligible or not.")
    ] = None,
    load: Annotated[
        int | None, typer.Option(help="Reported load (tokens queued), written to every switch.")
    ] = None,
) -> None:
    """Enable or disable an expert, or report its load."""
    if enable is None and load is None:
        _fail("give --enable, --disable or --load")
    data: dict[str, Any] = {}
    if enable is not None:
        data = _call("PUT", f"/experts/{expert_id}", {"enabled": enable})
    if load is not None:
        data |= _call("POST", f"/experts/{expert_id}/load", {"load": load})
    _show(data)


@app.command()
def shell(
    switch: Annotated[str, typer.Argument(help="Switch name.")],
    primary: Annotated[
        bool,
        typer.Option(
            help="Take over as primary (writes allowed; pushes the pipeline, which resets the "
            "switch's tables); the default is a read-only backup session."
        ),
    ] = False,
) -> None:
    """Open the official p4runtime-shell on a switch (in its own venv)."""
    info = _call("GET", f"/switches/{urllib.parse.quote(switch)}/shell")
    python = _shell_python()
    election = info["controller_election_id"] + (1 if primary else -1)
    command = [
        str(python),
        "-m",
        "p4runtime_sh",
        "--grpc-addr",
        info["grpc_addr"],
        "--device-id",
        str(info["device_id"]),
        "--election-id",
        f"0,{max(election, 1)}",
    ]
    if primary:
        command += ["--config", f"{info['p4info']},{info['device_config']}"]
    else:
        errors.print("read-only session (backup); use --primary to write", highlight=False)
    os.execv(command[0], command)


def _shell_python() -> Path:
    python = SHELL_VENV / "bin" / "python"
    if (SHELL_VENV / ".installed").exists():
        return python
    errors.print(f"first use: installing {SHELL_PACKAGE} into {SHELL_VENV} ...", highlight=False)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(SHELL_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", SHELL_PACKAGE], check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        _fail(f"could not set up p4runtime-shell in {SHELL_VENV}: {exc}")
    (SHELL_VENV / ".installed").touch()
    return python


@app.command()
def serve(
    config: Annotated[Path, typer.Option(help="Controller config YAML.")],
    topology_file: Annotated[
        Path | None, typer.Option("--topology", help="Topology YAML (default: the config's).")
    ] = None,
    workdir: Annotated[
        Path, typer.Option(help="Where a compiled pipeline (P4Info, bundle) is written.")
    ] = CACHE / "pipeline",
) -> None:
    """Run the controller and its API until interrupted."""
    from controller.config import ConfigError, ControllerConfig
    from controller.service import PipelineError, resolve_pipeline
    from controller.topology import Topology, TopologyError

    try:
        settings = ControllerConfig.load(config)
        path = topology_file or settings.topology
        if path is None:
            _fail("no topology: pass --topology or set `topology:` in the config")
        topo = Topology.load(path)
        settings.check(topo)
        pipeline = resolve_pipeline(settings.pipeline, workdir)
    except (ConfigError, TopologyError, PipelineError) as exc:
        _fail(str(exc))
    asyncio.run(_serve(topo, settings, pipeline))


async def _serve(topo: Any, settings: Any, pipeline: Any) -> None:
    from controller.api import start_api
    from controller.service import ControllerService

    service = ControllerService(topo, settings, pipeline=pipeline)
    try:
        runner = await start_api(service, settings.api_host, settings.api_port)
    except OSError as exc:
        _fail(f"cannot listen on {settings.api_host}:{settings.api_port}: {exc.strerror or exc}")
    await service.start()
    errors.print(
        f"controller for {topo.name}: API on http://{settings.api_host}:{settings.api_port}",
        highlight=False,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await service.stop()
        await runner.cleanup()


def main() -> None:
    app(prog_name="fantelctl")


if __name__ == "__main__":
    main()
