"""Where p4c's public test corpus is and which of its programs apply to the embedded target.

The corpus is deliberately not part of this repository. Point ``FANTEL_P4C_CORPUS`` at a p4c
checkout (or any directory laid out like one: ``testdata/p4_16_samples`` and friends); the
default is ``p4c-corpus`` beside the repository, which ``make corpus`` clones. Without it the
corpus tests skip.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

from finsy.proto import p4i
from google.protobuf import text_format

REPO = Path(__file__).resolve().parents[2]
ROOT = Path(os.environ.get("FANTEL_P4C_CORPUS", REPO.parent / "p4c-corpus"))
TESTDATA = ROOT / "testdata"
SAMPLES = TESTDATA / "p4_16_samples"
SAMPLE_OUTPUTS = TESTDATA / "p4_16_samples_outputs"
ERRORS = TESTDATA / "p4_16_errors"
ERROR_OUTPUTS = TESTDATA / "p4_16_errors_outputs"

_INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', re.MULTILINE)
# Architectures the embedded target implements; a program including any other architecture
# file (psa.p4, pna.p4, ebpf_model.p4, tna.p4, ...) is out of scope.
_OWN_ARCH_FILES = frozenset({"core.p4", "v1model.p4"})
_ARCH_FILES = re.compile(r"(^|/)(psa|pna|ebpf_model|ubpf_model|xdp_model|tna|t2na|dpdk/.*)\.p4$")
# p4c's error location forms: ``file.p4(LINE): [--Werror=kind] error: message`` and, from
# its parser, ``file.p4(LINE):syntax error, unexpected ...``.
_ERROR_LINE = re.compile(
    r"\((\d+)\):\s*(?:\[--Werror[^\]]*\]\s*)?(?:error:|syntax error)", re.MULTILINE
)


def present() -> bool:
    return SAMPLES.is_dir() or ERRORS.is_dir()


def _in_scope(path: Path) -> bool:
    includes = _INCLUDE.findall(path.read_text(errors="replace"))
    return not any(_ARCH_FILES.search(name) and name not in _OWN_ARCH_FILES for name in includes)


@cache
def _fragments() -> frozenset[str]:
    """Sample files other samples ``#include``: parts of programs, not programs."""
    names: set[str] = set()
    for path in SAMPLES.glob("*.p4"):
        names.update(Path(n).name for n in _INCLUDE.findall(path.read_text(errors="replace")))
    return frozenset(names)


@cache
def samples() -> tuple[str, ...]:
    """Names of the in-scope sample programs (``NAME.p4``)."""
    if not SAMPLES.is_dir():
        return ()
    return tuple(
        sorted(p.stem for p in SAMPLES.glob("*.p4") if p.name not in _fragments() and _in_scope(p))
    )


def stf_samples() -> tuple[str, ...]:
    return tuple(n for n in samples() if (SAMPLES / f"{n}.stf").is_file())


def p4info_samples() -> tuple[str, ...]:
    return tuple(n for n in samples() if golden_p4info(n).is_file())


def golden_p4info(name: str) -> Path:
    return SAMPLE_OUTPUTS / f"{name}.p4.p4info.txtpb"


@cache
def error_programs() -> tuple[str, ...]:
    if not ERRORS.is_dir():
        return ()
    return tuple(sorted(p.stem for p in ERRORS.glob("*.p4") if _in_scope(p)))


def error_lines(name: str) -> frozenset[int] | None:
    """Lines where p4c reports an error for ``p4_16_errors/NAME.p4``; None if not recorded."""
    stderr = ERROR_OUTPUTS / f"{name}.p4-stderr"
    if not stderr.is_file():
        return None
    return frozenset(int(line) for line in _ERROR_LINE.findall(stderr.read_text()))


def needs_normalizing(golden: str) -> bool:
    return (
        "@corelib" in golden
        or "initial_default_action_id" in golden
        or predates_initial_default_action(golden)
    )


def predates_initial_default_action(golden: str) -> bool:
    """Goldens from p4c before P4Runtime 1.4 have tables but no ``initial_default_action``."""
    return "tables {" in golden and "initial_default_action" not in golden


def normalized_p4info(text: str, drop_initial_defaults: bool = False) -> str:
    """``text`` parsed and re-printed, minus what legitimately differs between p4c versions:
    ``@corelib`` (newer p4c marks core.p4's NoAction with it), the transient
    ``initial_default_action_id`` field some stored goldens carry (read as the equivalent
    ``initial_default_action`` message), and with ``drop_initial_defaults`` every table's
    ``initial_default_action`` (for goldens that predate the field)."""
    text = re.sub(
        r"initial_default_action_id:\s*(\d+)", r"initial_default_action { action_id: \1 }", text
    )
    info = p4i.P4Info()
    text_format.Parse(text, info)
    for action in info.actions:
        kept = [a for a in action.preamble.annotations if a != "@corelib"]
        del action.preamble.annotations[:]
        action.preamble.annotations.extend(kept)
    if drop_initial_defaults:
        for table in info.tables:
            table.ClearField("initial_default_action")
    return text_format.MessageToString(info)
