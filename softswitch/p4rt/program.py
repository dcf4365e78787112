"""Our P4Runtime device config (``p4_device_config``): the P4 source, compiled on the switch.

BMv2 takes its JSON here; this target takes either

* the UTF-8 text of a single P4_16 program (``#include <v1model.p4>`` resolves to the bundled
  architecture files), or
* a source bundle, a JSON object
  ``{"format": "softswitch-p4-bundle", "version": 1, "main": "v1model/prog.p4",
  "files": {"v1model/prog.p4": "...", "include/hdr.p4": "..."}, "include_dirs": ["include"],
  "defines": ["NAME=1"]}`` for programs spread over several files (``make_bundle`` builds
  one from a path).

Loading compiles the program and checks that the P4Info the client pushed names the same
objects with the same IDs as the P4Info we derive from the source, so the controller and the
dataplane cannot silently disagree.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from finsy.proto import p4i, p4r

from softswitch.p4rt.errors import invalid

BUNDLE_FORMAT = "softswitch-p4-bundle"


@dataclass
class CompiledProgram:
    checked: object  # softswitch.frontend.elaborate.CheckedProgram
    p4info: p4i.P4Info  # as derived from the source


def make_bundle(
    main: Path, include_dirs: tuple[Path, ...] = (), defines: tuple[str, ...] = ()
) -> bytes:
    """A bundle of every ``.p4`` file under the common directory of ``main`` and ``include_dirs``.

    Paths stay relative to that directory, so ``#include "../include/x.p4"`` keeps working.
    """
    dirs = [main.parent.resolve(), *(d.resolve() for d in include_dirs)]
    root = Path(os.path.commonpath(dirs))
    files = {p.relative_to(root).as_posix(): p.read_text() for p in sorted(root.rglob("*.p4"))}
    bundle = {
        "format": BUNDLE_FORMAT,
        "version": 1,
        "main": main.resolve().relative_to(root).as_posix(),
        "files": files,
        "include_dirs": [d.relative_to(root).as_posix() for d in dirs[1:]],
        "defines": list(defines),
    }
    return json.dumps(bundle).encode()


def _unpack(device_config: bytes, workdir: Path) -> tuple[Path, list[Path], list[str]]:
    try:
        text = device_config.decode()
    except UnicodeDecodeError:
        raise invalid(
            "device config is neither P4 source nor a softswitch bundle (BMv2 JSON is not supported)"
        ) from None
    if not text.lstrip().startswith("{"):
        main = workdir / "program.p4"
        main.write_text(text)
        return main, [], []
    try:
        bundle = json.loads(text)
    except json.JSONDecodeError as err:
        raise invalid(f"device config: bad bundle JSON: {err}") from None
    if not isinstance(bundle, dict) or bundle.get("format") != BUNDLE_FORMAT:
        raise invalid(
            f"device config is JSON but not a {BUNDLE_FORMAT} (BMv2 JSON is not supported)"
        )
    files, main_name = bundle.get("files"), bundle.get("main")
    if not isinstance(files, dict) or not isinstance(main_name, str) or main_name not in files:
        raise invalid("device config bundle: 'files' must contain the 'main' file")
    for name, content in files.items():
        rel = PurePosixPath(name)
        if rel.is_absolute() or ".." in rel.parts or not isinstance(content, str):
            raise invalid(f"device config bundle: bad file entry {name!r}")
        target = workdir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    defines, includes = bundle.get("defines", []), bundle.get("include_dirs", [])
    for value, what in ((defines, "defines"), (includes, "include_dirs")):
        if not isinstance(value, list) or not all(isinstance(d, str) for d in value):
            raise invalid(f"device config bundle: {what!r} must be a list of strings")
    if any(".." in PurePosixPath(d).parts for d in includes):
        raise invalid("device config bundle: include_dirs must stay inside the bundle")
    return workdir / main_name, [workdir / d for d in includes], defines


def _objects(info: p4i.P4Info) -> set[tuple[str, int, str]]:
    kinds = (
        "tables",
        "actions",
        "action_profiles",
        "counters",
        "direct_counters",
        "meters",
        "direct_meters",
        "registers",
        "digests",
        "controller_packet_metadata",
    )
    return {(kind, o.preamble.id, o.preamble.name) for kind in kinds for o in getattr(info, kind)}


def check_consistent(pushed: p4i.P4Info, derived: p4i.P4Info) -> None:
    missing = sorted(_objects(pushed) - _objects(derived))
    if missing:
        kind, obj_id, name = missing[0]
        raise invalid(
            f"P4Info does not match the device config: {kind} {name!r} (ID {obj_id:#x}) "
            f"is not in the program ({len(missing)} mismatches)"
        )


def load_program(pushed: p4i.P4Info, device_config: bytes) -> CompiledProgram:
    """Compile ``device_config``; INVALID_ARGUMENT carries the compiler's diagnostics."""
    from softswitch.frontend.compiler import compile_file
    from softswitch.frontend.diagnostics import CompileError
    from softswitch.frontend.p4info import build_p4info

    if not device_config:
        raise invalid("the device config is empty: it must hold the P4 program (docs/p4runtime.md)")
    with tempfile.TemporaryDirectory(prefix="softswitch-p4-") as tmp:
        main, includes, defines = _unpack(device_config, Path(tmp))
        try:
            checked = compile_file(main, include_dirs=[*includes, Path(tmp)], defines=defines)
            derived = build_p4info(checked)
        except CompileError as err:
            raise invalid(f"device config does not compile:\n{err}") from None
    check_consistent(pushed, derived)
    return CompiledProgram(checked, derived)


def pipeline_config(program: Path) -> p4r.ForwardingPipelineConfig:
    """What to push for a P4 source file: its derived P4Info and its source bundle.

    Raises ``P4RTError`` (INVALID_ARGUMENT) with the compiler's diagnostics.
    """
    from softswitch.frontend.compiler import compile_file
    from softswitch.frontend.diagnostics import CompileError
    from softswitch.frontend.p4info import build_p4info

    try:
        info = build_p4info(compile_file(program))
    except CompileError as err:
        raise invalid(f"{program} does not compile:\n{err}") from None
    return p4r.ForwardingPipelineConfig(p4info=info, p4_device_config=make_bundle(program))
