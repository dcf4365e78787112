"""The per-architecture layer of p4src/ (docs/p4-design.md, "Per-architecture layer"): shared
controls free of architecture externs, the same arch controls on v1model and TNA, register
names kept, and the TNA top file type-checked against a real tna.p4 when one is available."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from softswitch.frontend.compiler import compile_file
from softswitch.frontend.p4info import build_p4info

P4SRC = Path(__file__).resolve().parents[2] / "p4src"
SHARED = P4SRC / "include"
ARCHES = {"v1model": P4SRC / "v1model" / "include", "tna": P4SRC / "tna" / "include"}

#: What only one architecture declares or calls; none may appear in the shared files.
ARCH_ONLY = [
    r"\bstandard_metadata_t\b",
    r"\bstandard_md\b",
    r"\bmark_to_drop\b",
    r"\bclone(_preserving_field_list)?\s*\(",
    r"\btruncate\s*\(",
    r"\bdigest\s*<",
    r"\bregister\s*<",
    r"\bhash\s*\(",
    r"\b(direct_)?counter\s*\(",
    r"\bdirect_meter\b",
    r"\baction_(selector|profile)\b",
    r"\b(verify|update)_checksum\b",
    r"\b(Register|RegisterAction|Hash|Counter|DirectCounter|DirectMeter|Digest)\s*<",
    r"\b(Mirror|Checksum|ActionSelector|ActionProfile)\s*\(",
    r"\b(ig|eg)_(intr|dprsr|prsr|tm)_md\b",
]


def code(path: Path) -> str:
    """The file without comments, so prose may name any extern."""
    text = re.sub(r"/\*.*?\*/", " ", path.read_text(), flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def arch_controls(include: Path) -> dict[str, str]:
    """Control name -> parameter list (whitespace normalised) of an architecture's arch_*.p4,
    the controls FANTEL_SEQUENCE(...) generates included."""
    controls: dict[str, str] = {}
    for path in sorted(include.glob("arch_*.p4")):
        text = code(path)
        for name, params in re.findall(r"\bcontrol\s+(\w+)\s*\(([^)]*)\)", text):
            controls[name] = " ".join(params.split())
        sequence = controls.pop("CONTROL", None)
        for name in re.findall(r"^FANTEL_SEQUENCE\((\w+),", text, flags=re.M):
            assert sequence is not None, f"{path.name}: FANTEL_SEQUENCE used, not defined"
            controls[name] = sequence
    return controls


@pytest.mark.parametrize("path", sorted(SHARED.rglob("*.p4")), ids=lambda p: p.name)
def test_shared_files_use_no_architecture_extern(path: Path) -> None:
    text = code(path)
    found = [pattern for pattern in ARCH_ONLY if re.search(pattern, text)]
    assert found == []


def test_both_architectures_declare_the_same_arch_controls() -> None:
    v1model, tna = (arch_controls(ARCHES[arch]) for arch in ("v1model", "tna"))
    assert v1model, "no arch controls found"
    assert v1model == tna


def test_every_arch_control_the_shared_controls_use_is_declared() -> None:
    declared = set(arch_controls(ARCHES["v1model"]))
    shared_controls = set()
    used = set()
    for path in SHARED.rglob("*.p4"):
        text = code(path)
        shared_controls |= set(re.findall(r"\b(?:control|parser)\s+(\w+)\s*\(", text))
        used |= set(re.findall(r"^\s*(\w+)\(\)\s+\w+;", text, flags=re.M))
    assert used - shared_controls == declared


def test_registers_keep_their_control_plane_names() -> None:
    """Registers live in the arch controls under absolute names: the P4Info names are exactly
    those, i.e. the names they had inside the shared controls (controller/ and tests use them)."""
    absolute = set()
    for path in ARCHES["v1model"].glob("arch_*.p4"):
        # in @name(...) or as the name argument of a macro that declares a register
        absolute |= set(re.findall(r'"\.(Fantel[\w.]+)"', code(path)))
    program = compile_file(P4SRC / "v1model" / "fantel_v1model.p4")
    registers = {r.preamble.name for r in build_p4info(program).registers}
    assert registers == absolute
    assert "FantelIngress.fast_reroute.probe_last_rx" in registers


# ---- the TNA top file against a real tna.p4 ---------------------------------------------


def tna_include() -> Path | None:
    """The directory holding tna.p4: FANTEL_TNA_INCLUDE, else the SDE's p4include."""
    candidates = [os.environ.get("FANTEL_TNA_INCLUDE")]
    if sde := os.environ.get("SDE_INSTALL"):
        candidates.append(str(Path(sde) / "share" / "p4c" / "p4include"))
    for candidate in candidates:
        if candidate and (Path(candidate) / "tna.p4").is_file():
            return Path(candidate)
    return None


def replace_in(path: Path, old: str, new: str) -> None:
    """Text replacement that is a no-op once the front-end no longer needs it."""
    path.write_text(path.read_text().replace(old, new))


def test_tna_top_file_type_checks_against_tna_p4(tmp_path: Path) -> None:
    """Parses and type-checks fantel_tna.p4 with our front-end (bf-p4c is not available here).
    The front-end lacks four things TNA uses; in copies, outside the repository:
    1. `_` type arguments in extern constructor parameters (RegisterAction(Register<_, _>)):
       the header's parameter becomes Register<T, I>;
    2. TNA externs in table properties (counters, meters, implementation take v1model's
       direct_counter, direct_meter, action_selector only): aliased under those names;
    3. a package instance as an argument (Switch(pipe)): Pipeline(...) moves inside Switch(...);
    4. omitted @optional parameters: the program already lists them all."""
    include = tna_include()
    if include is None:
        pytest.skip("no tna.p4: set FANTEL_TNA_INCLUDE or SDE_INSTALL")
    headers = tmp_path / "p4include"
    shutil.copytree(include, headers)
    base = headers / "tofino1_base.p4"
    replace_in(base, "RegisterAction(Register<_, _> reg);", "RegisterAction(Register<T, I> reg);")
    with base.open("a") as aliases:
        aliases.write(
            "extern direct_counter<W> { direct_counter(CounterType_t type);"
            " void count(@optional in bit<32> adjust_byte_count); }\n"
            "extern direct_meter { direct_meter(MeterType_t type);"
            " bit<8> execute(@optional in bit<32> adjust_byte_count); }\n"
            "extern action_selector { action_selector(ActionProfile action_profile,"
            " Hash<bit<16>> hash, SelectorMode_t mode, bit<32> max_group_size,"
            " bit<32> num_groups); }\n"
        )
    program = tmp_path / "p4src"
    shutil.copytree(P4SRC, program)
    shim = program / "tna" / "include" / "define_tna.p4"
    replace_in(shim, "DirectCounter<bit<64>>(", "direct_counter<bit<64>>(")
    replace_in(shim, "DirectMeter(MeterType_t", "direct_meter(MeterType_t")
    replace_in(shim, "ActionSelector(name##_members", "action_selector(name##_members")
    top = program / "tna" / "fantel_tna.p4"
    replace_in(top, "Pipeline(FantelIngressParser(),", "Switch(Pipeline(FantelIngressParser(),")
    replace_in(top, ") pipe;\n\nSwitch(pipe) main;", ")) main;")

    checked = compile_file(top, include_dirs=[headers], defines=["FANTEL_TNA_UNVERIFIED"])

    names = {decl.name for decl in checked.program.declarations if hasattr(decl, "name")}
    assert {"FantelIngress", "FantelEgress", "FlowletPin", "FnReplayGuard"} <= names
