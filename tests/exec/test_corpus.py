"""p4c ``testdata/p4_16_samples`` programs with their STF tests (Apache-2.0, headers kept)."""

from __future__ import annotations

from pathlib import Path

import pytest

from softswitch.stf_runner import run_stf

CORPUS = Path(__file__).parent / "corpus"
CASES = sorted(p.with_suffix("") for p in CORPUS.glob("*.stf"))

# Samples p4c accepts that our front end rejects today (owner: front end); strict, so a
# fix shows up as XPASS and the entry must go.
FRONTEND_FAILURES: dict[str, str] = {
    "forloop-bmv2": "front end: 'for' statements (P4_16 1.2.5) are not implemented",
    "runtime-index-bmv2": "front end: rejects an int<8> header stack index (p4c accepts it)",
}


def _param(case: Path) -> object:
    reason = FRONTEND_FAILURES.get(case.name)
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(case, id=case.name, marks=marks)


def test_known_failures_exist() -> None:
    names = {c.name for c in CASES}
    assert set(FRONTEND_FAILURES) <= names


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_p4c_sample(case: Path) -> None:
    result = run_stf(case.with_suffix(".p4"), case.with_suffix(".stf"))
    assert result.passed, "\n".join(result.failures)
    assert result.packets_in > 0
