"""Every program under tests/frontend/programs/ parses, and the shipped core.p4/v1model.p4
declare p4c's API. (p4c's own corpus is checked by tests/corpus when present.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from softswitch.frontend import ast
from softswitch.frontend.parser import parse_file, parse_text

PROGRAMS_DIR = Path(__file__).parent / "programs"
PROGRAMS = sorted(PROGRAMS_DIR.rglob("*.p4"))


@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: str(p.relative_to(PROGRAMS_DIR)))
def test_program_parses(path: Path) -> None:
    program = parse_file(path)
    assert program.declarations
    assert program.files[0] == str(path)
    for decl in program.declarations:
        assert decl.src.line > 0, f"{decl.name} has no source location"


def _v1model() -> dict[str, ast.Declaration]:
    program = parse_text("#include <v1model.p4>\n", "top.p4")
    named: dict[str, ast.Declaration] = {}
    for decl in program.declarations:
        named.setdefault(decl.name, decl)
    return named


def _signature(decl: ast.FunctionPrototype) -> str:
    def param(p: ast.Parameter) -> str:
        direction = f"{p.direction.value} " if p.direction.value else ""
        return f"{direction}{p.name}"

    type_params = f"<{', '.join(t.name for t in decl.type_params)}>" if decl.type_params else ""
    return f"{decl.name}{type_params}({', '.join(param(p) for p in decl.params)})"


def test_v1model_standard_metadata() -> None:
    std = _v1model()["standard_metadata_t"]
    assert isinstance(std, ast.StructDecl)
    assert std.annotation("metadata") is not None
    assert std.control_plane_name() == "standard_metadata"
    fields = {f.name: f for f in std.fields}
    assert list(fields) == [
        "ingress_port", "egress_spec", "egress_port", "instance_type", "packet_length",
        "enq_timestamp", "enq_qdepth", "deq_timedelta", "deq_qdepth",
        "ingress_global_timestamp", "egress_global_timestamp", "mcast_grp", "egress_rid",
        "checksum_error", "parser_error", "priority",
    ]  # fmt: skip
    alias = fields["enq_qdepth"].annotation("alias")
    assert alias is not None and alias.body == '"queueing_metadata.enq_qdepth"'
    width = fields["egress_spec"].type_ref
    assert isinstance(width, ast.BitTypeRef) and isinstance(width.width, ast.IntLiteral)
    assert width.width.value == 9


def test_v1model_version_switch() -> None:
    old = parse_text("#include <v1model.p4>\n", "top.p4")
    new = parse_text("#include <v1model.p4>\n", "top.p4", defines=["V1MODEL_VERSION=20200408"])

    def register(program: ast.Program) -> ast.ExternDecl:
        decl = next(d for d in program.declarations if d.name == "register")
        assert isinstance(decl, ast.ExternDecl)
        return decl

    assert [t.name for t in register(old).type_params] == ["T"]
    assert [t.name for t in register(new).type_params] == ["T", "I"]
    assert any(d.name == "PortId_t" for d in new.declarations)
    version = next(d for d in old.declarations if d.name == "__v1model_version")
    assert isinstance(version, ast.ConstDecl) and isinstance(version.value, ast.IntLiteral)
    assert version.value.value == 20180101


def test_v1model_extern_signatures() -> None:
    named = _v1model()
    signatures = {_signature(d) for d in named.values() if isinstance(d, ast.ExternFunctionDecl)}
    program = parse_text("#include <v1model.p4>\n", "top.p4")
    signatures |= {
        _signature(d) for d in program.declarations if isinstance(d, ast.ExternFunctionDecl)
    }
    for expected in [
        "mark_to_drop(inout standard_metadata)",
        "hash<O, T, D, M>(out result, in algo, in base, in data, in max)",
        "verify_checksum<T, O>(in condition, in data, in checksum, algo)",
        "update_checksum<T, O>(in condition, in data, inout checksum, algo)",
        "update_checksum_with_payload<T, O>(in condition, in data, inout checksum, algo)",
        "clone(in type, in session)",
        "clone_preserving_field_list(in type, in session, index)",
        "digest<T>(in receiver, in data)",
        "random<T>(out result, in lo, in hi)",
        "log_msg<T>(msg, in data)",
        "verify(in check, in toSignal)",
    ]:
        assert expected in signatures, expected
    counter = named["counter"]
    assert isinstance(counter, ast.ExternDecl)
    assert [p.name for p in counter.constructors[0].params] == ["size", "type"]
    assert [_signature(m) for m in counter.methods] == ["count(in index)"]
    package = named["V1Switch"]
    assert isinstance(package, ast.PackageTypeDecl)
    assert [p.name for p in package.params] == ["p", "vr", "ig", "eg", "ck", "dep"]
    ingress = named["Ingress"]
    assert isinstance(ingress, ast.ControlTypeDecl) and ingress.annotation("pipeline")
    assert [m.name for m in named["HashAlgorithm"].members] == [  # type: ignore[attr-defined]
        "crc32", "crc32_custom", "crc16", "crc16_custom", "random", "identity", "csum16", "xor16",
    ]  # fmt: skip


def test_core_declarations() -> None:
    program = parse_text("#include <core.p4>\n", "top.p4")
    kinds = {(type(d).__name__, d.name) for d in program.declarations}
    assert ("ExternDecl", "packet_in") in kinds and ("ExternDecl", "packet_out") in kinds
    assert ("ActionDecl", "NoAction") in kinds
    errors = next(d for d in program.declarations if isinstance(d, ast.ErrorDecl))
    assert [m.name for m in errors.members] == [
        "NoError", "PacketTooShort", "NoMatch", "StackOutOfBounds", "HeaderTooShort",
        "ParserTimeout", "ParserInvalidArgument",
    ]  # fmt: skip
    packet_in = next(d for d in program.declarations if d.name == "packet_in")
    assert isinstance(packet_in, ast.ExternDecl)
    assert [_signature(m) for m in packet_in.methods] == [
        "extract<T>(out hdr)",
        "extract<T>(out variableSizeHeader, in variableFieldSizeInBits)",
        "lookahead<T>()",
        "advance(in sizeInBits)",
        "length()",
    ]
