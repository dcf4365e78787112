"""The device config format: P4 source or a source bundle, checked against the pushed P4Info."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest

from softswitch.frontend.compiler import compile_file
from softswitch.frontend.p4info import build_p4info
from softswitch.p4rt.errors import P4RTError
from softswitch.p4rt.program import load_program, make_bundle

PROGRAM = """
#include <core.p4>
#include <v1model.p4>
#include "../lib/headers.p4"
struct metadata_t {}
parser P(packet_in pkt, out headers_t hdr, inout metadata_t m, inout standard_metadata_t sm) {
    state start { pkt.extract(hdr.eth); transition accept; }
}
control VC(inout headers_t hdr, inout metadata_t m) { apply {} }
control I(inout headers_t hdr, inout metadata_t m, inout standard_metadata_t sm) {
    action fwd(bit<9> port) { sm.egress_spec = port; }
    table l2 { key = { hdr.eth.dst: exact; } actions = { fwd; NoAction; } }
    apply { l2.apply(); }
}
control E(inout headers_t hdr, inout metadata_t m, inout standard_metadata_t sm) { apply {} }
control CC(inout headers_t hdr, inout metadata_t m) { apply {} }
control D(packet_out pkt, in headers_t hdr) { apply { pkt.emit(hdr.eth); } }
V1Switch(P(), VC(), I(), E(), CC(), D()) main;
"""
HEADERS = """
header eth_t { bit<48> dst; bit<48> src; bit<16> type; }
struct headers_t { eth_t eth; }
"""


@pytest.fixture
def program(tmp_path: Path) -> Path:
    (tmp_path / "prog").mkdir()
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "headers.p4").write_text(HEADERS)
    main = tmp_path / "prog" / "l2.p4"
    main.write_text(PROGRAM)
    return main


def test_bundle_compiles_with_relative_includes(program: Path) -> None:
    include = (program.parent.parent / "lib",)
    info = build_p4info(compile_file(program, include_dirs=include))
    compiled = load_program(info, make_bundle(program, include))
    assert [t.preamble.name for t in compiled.p4info.tables] == ["I.l2"]


def test_mismatched_p4info_and_bad_source_are_invalid(program: Path) -> None:
    include = (program.parent.parent / "lib",)
    info = build_p4info(compile_file(program, include_dirs=include))
    info.tables[0].preamble.id += 1
    with pytest.raises(P4RTError) as err:
        load_program(info, make_bundle(program, include))
    assert err.value.code == grpc.StatusCode.INVALID_ARGUMENT and "I.l2" in err.value.message
    with pytest.raises(P4RTError) as err:
        load_program(info, b'{"target": "bmv2"}')
    assert "BMv2 JSON is not supported" in err.value.message
    with pytest.raises(P4RTError) as err:
        load_program(info, b"control C( {")
    assert "does not compile" in err.value.message and "program.p4:1" in err.value.message
