"""P4Info output files: the binary form round-trips. (Equality with p4c's golden text output is
checked on p4c's corpus by tests/corpus when it is present.)"""

from __future__ import annotations

from pathlib import Path

from finsy.proto import p4i

from softswitch.frontend.compiler import compile_file
from softswitch.frontend.p4info import build_p4info, write_p4info

PROGRAM = Path(__file__).parents[2] / "bench" / "p4" / "l3fwd.p4"


def test_binary_output_round_trips(tmp_path: Path) -> None:
    info = build_p4info(compile_file(PROGRAM))
    target = tmp_path / "out.p4info.binpb"
    write_p4info(info, target)
    decoded = p4i.P4Info()
    decoded.ParseFromString(target.read_bytes())
    assert decoded == info
    assert decoded.tables, "l3fwd has tables"
