"""End to end: compile p4c's test programs and compare our P4Info with p4c's golden output.

Each ``p4info_golden/NAME.p4`` sits next to ``NAME.p4.p4info.txtpb`` written by
``p4c-bm2-ss --p4runtime-files`` (p4c testdata, license headers kept). The comparison is
on the text format, field by field. Normalized, because p4c versions legitimately differ:
``@corelib`` (an annotation newer p4c adds to core.p4's NoAction) is dropped from both sides.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from finsy.proto import p4i
from google.protobuf import text_format

from softswitch.frontend.compiler import compile_file
from softswitch.frontend.p4info import build_p4info, p4info_text, write_p4info

GOLDEN_DIR = Path(__file__).parent / "p4info_golden"
PROGRAMS = sorted(GOLDEN_DIR.glob("*.p4"))


def normalized(text: str) -> str:
    """``text`` parsed and re-printed, minus what legitimately differs between p4c versions
    (also used by ``tests/corpus``)."""
    info = p4i.P4Info()
    text_format.Parse(text, info)
    for action in info.actions:
        kept = [a for a in action.preamble.annotations if a != "@corelib"]
        del action.preamble.annotations[:]
        action.preamble.annotations.extend(kept)
    return text_format.MessageToString(info)


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.name)
def test_p4info_matches_p4c(program: Path) -> None:
    golden = (GOLDEN_DIR / f"{program.name}.p4info.txtpb").read_text()
    ours = p4info_text(build_p4info(compile_file(program)))
    assert normalized(ours) == normalized(golden)


def test_text_output_is_p4c_text_byte_for_byte(tmp_path: Path) -> None:
    program = GOLDEN_DIR / "action_profile_max_group_size_annotation.p4"
    target = tmp_path / "out.p4info.txtpb"
    write_p4info(build_p4info(compile_file(program)), target)
    assert target.read_text() == (GOLDEN_DIR / f"{program.name}.p4info.txtpb").read_text()


def test_binary_output_round_trips(tmp_path: Path) -> None:
    program = GOLDEN_DIR / "action_profile_max_group_size_annotation.p4"
    info = build_p4info(compile_file(program))
    target = tmp_path / "out.p4info.binpb"
    write_p4info(info, target)
    decoded = p4i.P4Info()
    decoded.ParseFromString(target.read_bytes())
    assert decoded == info
    assert [t.preamble.name for t in decoded.tables] == [
        "IngressI.indirect",
        "IngressI.indirect_ws",
    ]
