"""p4c ``testdata/p4_16_samples`` programs with their STF tests (Apache-2.0, headers kept)."""

from __future__ import annotations

from pathlib import Path

import pytest

from softswitch.stf_runner import run_stf

CORPUS = Path(__file__).parent / "corpus"
CASES = sorted(p.with_suffix("") for p in CORPUS.glob("*.stf"))
# Programs already copied elsewhere in the repository are not duplicated: an STF test here
# without its .p4 runs the copy found in one of these directories.
TESTS = Path(__file__).parent.parent
PROGRAM_DIRS = (CORPUS, TESTS / "frontend" / "programs" / "corpus", TESTS / "corpus" / "samples")

# Samples p4c accepts that our front end rejects today (owner: front end); strict, so a
# fix shows up as XPASS and the entry must go.
FRONTEND_FAILURES: dict[str, str] = {
    "runtime-index-bmv2": "front end: rejects an int<8> header stack index (p4c accepts it)",
}


def _param(case: Path) -> object:
    reason = FRONTEND_FAILURES.get(case.name)
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(case, id=case.name, marks=marks)


def _program(case: Path) -> Path:
    for directory in PROGRAM_DIRS:
        program = directory / f"{case.name}.p4"
        if program.exists():
            return program
    raise AssertionError(f"no program for {case.name}.stf in {[str(d) for d in PROGRAM_DIRS]}")


def test_known_failures_exist() -> None:
    names = {c.name for c in CASES}
    assert set(FRONTEND_FAILURES) <= names


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_p4c_sample(case: Path) -> None:
    result = run_stf(_program(case), case.with_suffix(".stf"))
    assert result.passed, "\n".join(result.failures)
    assert result.packets_in > 0
