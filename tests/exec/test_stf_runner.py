"""The STF runner's verdicts: mismatches, missing and extra packets, unobserved ports."""

from __future__ import annotations

from pathlib import Path

import pytest

from softswitch.stf_runner import main_stf, run_stf

PROGRAM = Path(__file__).parent / "programs" / "parser_features.p4"
PACKET = "packet 0 000000000001 000000000002 0800 0102\n"
OUTPUT = "000000000001 000000000000 0800 0102"


def run(tmp_path: Path, text: str) -> tuple[bool, list[str]]:
    stf = tmp_path / "t.stf"
    stf.write_text(text)
    result = run_stf(PROGRAM, stf)
    return result.passed, result.failures


def test_matching_expectation_passes(tmp_path: Path) -> None:
    assert run(tmp_path, PACKET + f"expect 1 {OUTPUT} $\n") == (True, [])


def test_wildcards_and_prefix_match(tmp_path: Path) -> None:
    assert run(tmp_path, PACKET + "expect 1 ************ 000000000000 08\n")[0]


def test_byte_mismatch_fails_with_a_diff(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stf = tmp_path / "t.stf"
    stf.write_text(PACKET + "expect 1 000000000001 000000000000 0800 0103 $\n")
    assert main_stf(PROGRAM, stf, verbose=False) == 1
    err = capsys.readouterr().err
    assert "packet 0 on port 1 differs" in err
    assert "expected 00 00 00 00 00 01" in err and "^" in err


def test_missing_and_extra_packets_fail(tmp_path: Path) -> None:
    passed, failures = run(tmp_path, PACKET + f"expect 1 {OUTPUT}\nexpect 1 {OUTPUT}\n")
    assert not passed and "was not received" in failures[0]
    passed, failures = run(tmp_path, PACKET + PACKET + f"expect 1 {OUTPUT}\n")
    assert not passed and "unexpected packet on port 1" in failures[0]


def test_ports_not_named_in_the_test_are_not_observed(tmp_path: Path) -> None:
    # The program sends everything to port 1, which no line of this test names.
    assert run(tmp_path, PACKET + "expect 0\n") == (True, [])


def test_unknown_table_is_reported_not_raised(tmp_path: Path) -> None:
    passed, failures = run(tmp_path, "add nope k:1 a()\n" + PACKET + f"expect 1 {OUTPUT}\n")
    assert not passed and "no table 'nope'" in failures[0]


def test_tabs_separate_words_as_spaces_do(tmp_path: Path) -> None:
    # bmv2stf splits on any whitespace: "packet<TAB>0 ..." is a packet line.
    text = PACKET.replace("packet ", "packet\t") + f"expect\t1 {OUTPUT} $\n"
    assert run(tmp_path, text) == (True, [])


def test_a_program_of_another_architecture_is_refused_by_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Its package parameters are named like V1Switch's (p, ...), but it is not V1Switch.
    program = tmp_path / "other.p4"
    program.write_text(
        "#include <core.p4>\n"
        "header h_t { bit<8> f; }\n"
        "struct hs_t { h_t h; }\n"
        "parser P(packet_in b, out hs_t hdr);\n"
        "control C(inout hs_t hdr);\n"
        "package top(P p, C c);\n"
        "parser p1(packet_in b, out hs_t hdr) { state start { b.extract(hdr.h); transition accept; } }\n"
        "control c1(inout hs_t hdr) { apply {} }\n"
        "top(p1(), c1()) main;\n"
    )
    stf = tmp_path / "t.stf"
    stf.write_text("packet 0 01\nexpect 0 01\n")
    assert main_stf(program, stf, verbose=False) == 1
    err = capsys.readouterr().err
    assert "runs v1model programs" in err and "a top package" in err
