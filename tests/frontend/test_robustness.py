"""Robustness: whatever the input, the front-end either accepts it or raises CompileError.

Valid programs are mutated token by token (deleted, duplicated, replaced by another token of
the corpus) after preprocessing, so each example costs no C preprocessor run; any exception
other than CompileError (a Python traceback for the user) fails the test.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from softswitch.frontend.diagnostics import CompileError
from softswitch.frontend.lexer import EOF, tokenize
from softswitch.frontend.parser import parse_preprocessed
from softswitch.frontend.preprocess import preprocess_file
from softswitch.frontend.typecheck import check

HERE = Path(__file__).parent
SEED_FILES = [
    *sorted((HERE / "typecheck_good").glob("*.p4")),
    *sorted((HERE / "programs").glob("*.p4")),
    HERE.parent.parent / "bench" / "p4" / "l3fwd.p4",
]


@dataclass(frozen=True)
class Seed:
    name: str
    text: str
    spans: tuple[tuple[int, int], ...]  # token spans of the program itself (not its includes)


@cache
def seeds() -> tuple[Seed, ...]:
    out = []
    for path in SEED_FILES:
        if not path.exists():
            continue
        text = preprocess_file(path)
        tokens, _ = tokenize(text, str(path))
        spans = tuple((t.start, t.end) for t in tokens if t.kind != EOF and t.src.file == str(path))
        out.append(Seed(str(path), text, spans))
    return tuple(out)


@cache
def vocabulary() -> tuple[str, ...]:
    words = {seed.text[a:b] for seed in seeds() for a, b in seed.spans}
    return tuple(sorted(words))


def compile_preprocessed(text: str, name: str) -> None:
    with contextlib.suppress(CompileError):
        check(parse_preprocessed(text, name))


def test_seeds_compile_unmutated() -> None:
    assert len(seeds()) >= 10
    for seed in seeds():
        check(parse_preprocessed(seed.text, seed.name))


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.data())
def test_mutated_programs_fail_only_with_compile_errors(data: st.DataObject) -> None:
    seed = data.draw(st.sampled_from(seeds()))
    count = data.draw(st.integers(1, 3))
    picks = data.draw(
        st.lists(st.integers(0, len(seed.spans) - 1), min_size=count, max_size=count, unique=True)
    )
    text = seed.text
    # From the last token backwards, so earlier offsets stay valid.
    for index in sorted(picks, reverse=True):
        start, end = seed.spans[index]
        op = data.draw(st.sampled_from(("delete", "duplicate", "replace")))
        if op == "delete":
            text = text[:start] + text[end:]
        elif op == "duplicate":
            text = text[:end] + " " + text[start:end] + text[end:]
        else:
            word = data.draw(st.sampled_from(vocabulary()))
            text = text[:start] + word + text[end:]
    compile_preprocessed(text, seed.name)
