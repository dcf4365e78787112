"""STF tests of our own small programs, one per group of constructs (exact bytes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from softswitch.stf_runner import run_stf

PROGRAMS = Path(__file__).parent / "programs"
CASES = sorted(p.with_suffix("") for p in PROGRAMS.glob("*.stf"))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_program(case: Path) -> None:
    result = run_stf(case.with_suffix(".p4"), case.with_suffix(".stf"))
    assert result.passed, "\n".join(result.failures)
    assert result.packets_out > 0
