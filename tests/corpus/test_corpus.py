"""Conformance on p4c's public test corpus, read from outside the repository (``corpus.py``).

* every in-scope ``p4_16_samples/NAME.p4`` (v1model or core only) compiles;
* ``p4_16_samples_outputs/NAME.p4.p4info.txtpb`` equals our P4Info text byte for byte, or
  after normalization where the golden comes from a p4c version that differs legitimately;
* ``p4_16_samples/NAME.stf`` passes through ``softswitch.stf_runner``;
* ``p4_16_errors/NAME.p4`` is rejected with a ``CompileError`` on a line where p4c reports an
  error (``NAME.p4-stderr``), never with another exception.

Known failures are listed once, in ``KNOWN_FAILURES``, and run as strict xfails: when a fix
lands the test XPASSes and fails, and the entry must go. Without a corpus everything skips.
"""

from __future__ import annotations

import pytest

from softswitch.frontend.compiler import compile_file
from softswitch.frontend.diagnostics import CompileError
from softswitch.frontend.p4info import build_p4info, p4info_text
from softswitch.stf_runner import run_stf

from . import corpus

pytestmark = pytest.mark.skipif(
    not corpus.present(),
    reason=f"no p4c corpus at {corpus.ROOT} (set FANTEL_P4C_CORPUS or run `make corpus`)",
)

CHECKS = ("compile", "p4info", "stf", "error")
# (check, program) -> why it fails today.
KNOWN_FAILURES: dict[tuple[str, str], str] = {
    # FINDINGS.md 17: p4c's mid end refuses the expansion of two non-constant indexes.
    ("error", "array4"): "p4c mid-end limit not modelled (FINDINGS 17)",
    # FINDINGS.md 20: p4c's golden has no table or action of the directly applied `c1`.
    ("p4info", "actions-almost-duplicate-names1"): "P4Info: c1.t2 listed (FINDINGS 20)",
    # FINDINGS.md 16: a core-only program (package `top`); nothing runs it as a V1Switch.
    ("stf", "gauntlet_optional-bmv2"): "not a v1model program: no V1Switch to run (FINDINGS 16)",
}


def _cases(check: str, names: tuple[str, ...]) -> list[object]:
    cases: list[object] = []
    for name in names:
        reason = KNOWN_FAILURES.get((check, name))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        cases.append(pytest.param(name, id=name, marks=marks))
    return cases


def test_known_failures_name_real_checks() -> None:
    for check, _name in KNOWN_FAILURES:
        assert check in CHECKS, check


@pytest.mark.parametrize("name", _cases("compile", corpus.samples()))
def test_sample_compiles(name: str) -> None:
    compile_file(corpus.SAMPLES / f"{name}.p4")


@pytest.mark.parametrize("name", _cases("p4info", corpus.p4info_samples()))
def test_sample_p4info_matches_p4c(name: str) -> None:
    golden = corpus.golden_p4info(name).read_text()
    ours = p4info_text(build_p4info(compile_file(corpus.SAMPLES / f"{name}.p4")))
    if corpus.needs_normalizing(golden):
        drop = corpus.predates_initial_default_action(golden)
        assert corpus.normalized_p4info(ours, drop) == corpus.normalized_p4info(golden, drop)
    else:
        assert ours == golden


@pytest.mark.parametrize("name", _cases("stf", corpus.stf_samples()))
def test_sample_stf_passes(name: str) -> None:
    result = run_stf(corpus.SAMPLES / f"{name}.p4", corpus.SAMPLES / f"{name}.stf")
    assert result.passed, "\n".join(result.failures)


@pytest.mark.parametrize("name", _cases("error", corpus.error_programs()))
def test_error_program_is_rejected_with_location(name: str) -> None:
    path = corpus.ERRORS / f"{name}.p4"
    with pytest.raises(CompileError) as caught:
        compile_file(path)
    first = caught.value.diagnostics[0]
    assert first.src.file.endswith(path.name), first
    assert first.src.col > 0
    assert str(caught.value).startswith(
        f"{first.src.file}:{first.src.line}:{first.src.col}: error:"
    )
    lines = corpus.error_lines(name)
    if lines:
        assert first.src.line in lines, str(first)
