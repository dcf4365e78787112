"""p4c ``testdata/p4_16_samples`` programs with their STF tests (Apache-2.0, headers kept)."""

from __future__ import annotations

from pathlib import Path

import pytest

from softswitch.stf_runner import run_stf

CORPUS = Path(__file__).parent / "corpus"
CASES = sorted(p.with_suffix("") for p in CORPUS.glob("*.stf"))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_p4c_sample(case: Path) -> None:
    result = run_stf(case.with_suffix(".p4"), case.with_suffix(".stf"))
    assert result.passed, "\n".join(result.failures)
    assert result.packets_in > 0
