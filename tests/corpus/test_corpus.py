"""Conformance on a sample of p4c's public test corpus (see README.md in this directory).

* ``samples/NAME.p4`` (p4c ``testdata/p4_16_samples``) must compile;
* ``samples/NAME.p4info.txtpb`` (p4c ``p4_16_samples_outputs``) must equal our P4Info, with the
  normalization of ``tests/frontend/test_p4info_golden.py``; ``NAME.p4`` is the sample here or,
  for programs the repository already holds, the one in ``PROGRAM_DIRS``;
* ``samples/NAME.stf`` must pass through ``softswitch.stf_runner``;
* ``errors/NAME.p4`` (p4c ``testdata/p4_16_errors``) must be rejected with a ``CompileError``
  located on a line where p4c reports an error, never with another exception.

Known failures are listed once, in ``KNOWN_FAILURES``, and run as strict xfails: when a fix
lands the test XPASSes and fails, and the entry must be removed.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path

import pytest

from softswitch.frontend.compiler import compile_file
from softswitch.frontend.diagnostics import CompileError
from softswitch.frontend.p4info import build_p4info, p4info_text

HERE = Path(__file__).parent
SAMPLES = HERE / "samples"
ERRORS = HERE / "errors"
# Other copies of p4c samples in the repository, not duplicated here.
PROGRAM_DIRS = (
    SAMPLES,
    HERE.parent / "exec" / "corpus",
    HERE.parent / "frontend" / "programs" / "corpus",
)
# Files that other samples #include; not programs of their own.
FRAGMENTS = frozenset({"arith-inline-skeleton"})

# (check, program) -> why it fails today. check is compile, p4info, stf or error.
KNOWN_FAILURES: dict[tuple[str, str], str] = {}

# Lines of each error program where p4c reports an error: our first diagnostic must be on one.
ERROR_LINES: dict[str, frozenset[int]] = {
    "accept_e": frozenset({9}),
    "action-bind": frozenset({22, 23}),
    "binary_e": frozenset({23, 24, 26, 27, 29, 30}),
    "bitExtract_e": frozenset({16, 17, 18}),
    "call-table": frozenset({15}),
    "call1_e": frozenset({11}),
    "compound-shift-err": frozenset({25, 26}),
    "const1_e": frozenset({10, 12}),
    "const_e": frozenset({18}),
    "constructor_e": frozenset({18}),
    "decl-enum-with-duplicate-fields": frozenset({6}),
    "decl-parser-with-duplicate-state-names": frozenset({5}),
    "default-last-switch": frozenset({17, 18, 19}),
    "default_action": frozenset({21}),
    "default_action1": frozenset({14}),
    "div0": frozenset({9, 10, 11, 12}),
    "div3": frozenset({19}),
    "dup-param": frozenset({8}),
    "duplicate-label": frozenset({26}),
    "duplicate-switch-case": frozenset({10}),
    "entries-keyless": frozenset({12}),
    "enumCast": frozenset({32, 33, 39, 41, 44}),
    "equality-fail": frozenset({23, 25, 27, 29, 31, 33}),
}


def _load_normalized() -> Callable[[str], str]:
    """The golden-P4Info normalization, shared with tests/frontend (not a package)."""
    path = HERE.parent / "frontend" / "test_p4info_golden.py"
    spec = importlib.util.spec_from_file_location("_p4info_golden_helpers", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    normalize: Callable[[str], str] = module.normalized
    return normalize


normalized = _load_normalized()


def _cases(check: str, names: list[str]) -> list[object]:
    cases: list[object] = []
    for name in names:
        reason = KNOWN_FAILURES.get((check, name))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        cases.append(pytest.param(name, id=name, marks=marks))
    return cases


def _samples(suffix: str = ".p4") -> list[str]:
    names = [p.name.removesuffix(suffix) for p in SAMPLES.glob(f"*{suffix}")]
    return sorted(n for n in names if n not in FRAGMENTS)


def test_known_failures_name_real_cases() -> None:
    """A stale entry (renamed or removed file, unknown check) must not linger."""
    for check, name in KNOWN_FAILURES:
        assert check in ("compile", "p4info", "stf", "error"), check
        if check == "error":
            assert (ERRORS / f"{name}.p4").is_file(), name
        else:
            _program(name)
    assert set(ERROR_LINES) == {p.stem for p in ERRORS.glob("*.p4")}


def _program(name: str) -> Path:
    for folder in PROGRAM_DIRS:
        if (folder / f"{name}.p4").is_file():
            return folder / f"{name}.p4"
    raise AssertionError(f"no program {name}.p4 in {[str(d) for d in PROGRAM_DIRS]}")


@pytest.mark.parametrize("name", _cases("compile", _samples()))
def test_sample_compiles(name: str) -> None:
    checked = compile_file(SAMPLES / f"{name}.p4")
    assert checked.main.name == "main"


@pytest.mark.parametrize("name", _cases("p4info", _samples(".p4info.txtpb")))
def test_sample_p4info_matches_p4c(name: str) -> None:
    golden = (SAMPLES / f"{name}.p4info.txtpb").read_text()
    ours = p4info_text(build_p4info(compile_file(_program(name))))
    assert normalized(ours) == normalized(golden)


@pytest.mark.parametrize("name", _cases("stf", _samples(".stf")))
def test_sample_stf_passes(name: str) -> None:
    stf_runner = pytest.importorskip(
        "softswitch.stf_runner", reason="softswitch.stf_runner is not written yet"
    )
    result = stf_runner.run_stf(SAMPLES / f"{name}.p4", SAMPLES / f"{name}.stf")
    assert result.passed, "\n".join(result.failures)


@pytest.mark.parametrize("name", _cases("error", sorted(ERROR_LINES)))
def test_error_program_is_rejected_with_location(name: str) -> None:
    path = ERRORS / f"{name}.p4"
    with pytest.raises(CompileError) as caught:
        compile_file(path)
    first = caught.value.diagnostics[0]
    assert first.src.file.endswith(path.name), first
    assert first.src.line in ERROR_LINES[name], str(first)
    assert first.src.col > 0
    assert str(caught.value).startswith(
        f"{first.src.file}:{first.src.line}:{first.src.col}: error:"
    )
